/** Helpers for the hardening tests: compile policy text over the built-in catalog, make events. */
import { loadCatalog } from "../../compiler/catalog/load.js";
import { checkProject } from "../../compiler/check/index.js";
import { buildBundle } from "../../compiler/emit/index.js";
import type { Bundle, SessionEvent } from "../../runtime/types.js";

const catalog = loadCatalog().catalog;

/** Compiles policy text into a bundle; throws on any error diagnostic. */
export function compile(text: string, opts: { includeDrafts?: boolean } = {}): Bundle {
  const project = checkProject([{ file: "h.policy", text }], catalog);
  const errors = project.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(errors.map((d) => `${d.code} ${d.span.line}:${d.span.column} ${d.message}`).join("\n"));
  return buildBundle(project, opts);
}

/** A `tool_call_request` for an MCP tool (`integration.tool`). */
export function call(tool: string, args: Record<string, unknown> = {}, extra: Partial<SessionEvent> = {}): SessionEvent {
  const dot = tool.indexOf(".");
  return {
    type: "tool_call_request", session_id: "s1", ts: "2026-11-23T10:00:00Z", tenant: "acme",
    agent: { id: "a1", name: "Cursor", review_status: "Approved" },
    call: { id: "c1", type: "mcp", integration: tool.slice(0, dot), tool: tool.slice(dot + 1), args },
    ...extra,
  };
}

/** Snapshot of Object.prototype (and friends) to prove no pollution happened. */
export function prototypeSnapshot(): string {
  const protos = [Object.prototype, Array.prototype, Function.prototype, String.prototype];
  return JSON.stringify(protos.map((p) => Object.getOwnPropertyNames(p).sort()));
}

/** A policy set exercising static and session conditions, used by several hardening tests. */
export const POLICIES = `
policy "GitHub is read-only" {
  id github-readonly
  if integration is GitHub
  if operation in [Write, Delete]
  action block "GitHub is read-only for agents"
}
policy "No secrets out" {
  id no-secrets
  if data_class has SECRETS
  action block "secret in the arguments", alert "secret seen" to "#sec"
}
policy "Internal stays in" {
  id internal-only
  if body contains any ["internal only"]
  action require_approval "internal text"
}
policy "Reads are fine" {
  id reads
  priority 200
  if operation is Read
  action allow
}
default by operation { Read: allow  Write: require_approval  Delete: block  Unknown: block }
`;

export const SESSION_POLICIES = POLICIES + `
policy "Untrusted then external" {
  id lethal-trifecta
  if session has untrusted_content
  if tool has external_communication
  action block "untrusted content then external communication"
}
`;
