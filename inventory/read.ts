/**
 * Reads the inputs of `policy inventory`: recordings (session events, SPEC §6) and decision logs
 * of `policy enforce` (schemas/decision-log.schema.json), told apart line by line. Every line is
 * validated; a bad one is an error naming its file and line, never skipped. What comes out is one
 * list of observed calls (a call seen in a recording and in a decision log counts once, with the
 * logged decision) and the agents seen.
 */
import { readFileSync } from "node:fs";
import { parseEventLine } from "../testing/session/read.js";
import { ajvMessage, schemaValidator, usefulErrors } from "../compiler/json/validate.js";
import type { SessionEvent } from "../runtime/types.js";

/** One tool call seen in the inputs. */
export interface ObservedCall {
  readonly ts: string;
  readonly session: string;
  readonly callId: string;
  readonly agent: string;
  readonly agentReview?: string;
  /** The request event, when a recording had it (decided again by the project's bundle when no log decided it). */
  readonly event?: SessionEvent;
  integration: string;
  tool: string;
  effect?: "allow" | "block" | "require_approval";
  policy?: string | null;
  changed: readonly string[];
}

export interface Observed {
  readonly calls: ObservedCall[];
  readonly agents: Map<string, { review?: string; first: string; last: string }>;
  readonly sources: { file: string; kind: "recording" | "decision-log" | "empty"; lines: number }[];
}

export class InputError extends Error {}

const RECORDED = new Set(["tool_call_request", "tool_call_response", "message_from_user", "message_to_user", "agent_discovered"]);

interface LogDecision {
  type: "decision"; ts: string; session_id: string; call_id: string | null; event: string;
  agent: { name?: string; review_status?: string } | null; integration: string | null; tool: string | null;
  effect: "allow" | "block" | "require_approval"; policy: string | null; definition_changed?: string[];
}

function seeAgent(o: Observed, name: string, review: string | undefined, ts: string): void {
  const a = o.agents.get(name);
  if (!a) { o.agents.set(name, { ...(review ? { review } : {}), first: ts, last: ts }); return; }
  if (ts < a.first) a.first = ts;
  if (ts > a.last) a.last = ts;
  if (review) a.review = review;
}

function fromEvent(o: Observed, e: SessionEvent, byKey: Map<string, ObservedCall>): void {
  const ts = e.ts ?? "";
  const name = e.agent?.name ?? "";
  seeAgent(o, name, e.agent?.review_status, ts);
  if (e.type !== "tool_call_request" || !e.call) return;
  const key = `${e.session_id ?? ""} ${e.call.id ?? ""}`;
  if (e.call.id !== undefined && byKey.has(key)) return;
  const c: ObservedCall = {
    ts, session: e.session_id ?? "", callId: e.call.id ?? "", agent: name, ...(e.agent?.review_status ? { agentReview: e.agent.review_status } : {}),
    event: e, integration: (e.call.integration ?? e.call.command?.[0] ?? "").toLowerCase(), tool: e.call.tool ?? e.call.command?.[1] ?? "",
    changed: e.call.definition_changed ?? [],
  };
  o.calls.push(c);
  if (e.call.id !== undefined) byKey.set(key, c);
}

function fromLog(o: Observed, d: LogDecision, byKey: Map<string, ObservedCall>): void {
  const name = d.agent?.name ?? "";
  seeAgent(o, name, d.agent?.review_status, d.ts);
  if (d.event !== "tool_call_request" || d.integration === null || d.tool === null) return;
  const key = `${d.session_id} ${d.call_id ?? ""}`;
  const known = d.call_id !== null ? byKey.get(key) : undefined;
  if (known) {
    known.effect = d.effect; known.policy = d.policy;
    return;
  }
  const c: ObservedCall = { ts: d.ts, session: d.session_id, callId: d.call_id ?? "", agent: name, ...(d.agent?.review_status ? { agentReview: d.agent.review_status } : {}), integration: d.integration.toLowerCase(), tool: d.tool, effect: d.effect, policy: d.policy, changed: d.definition_changed ?? [] };
  o.calls.push(c);
  if (d.call_id !== null) byKey.set(key, c);
}

/** One line: a session event or a decision-log line; throws InputError naming the place. */
function readLine(o: Observed, text: string, where: string, byKey: Map<string, ObservedCall>): "recording" | "decision-log" {
  let v: unknown;
  try { v = JSON.parse(text); } catch { throw new InputError(`${where}: not valid JSON`); }
  const type = (v as { type?: unknown })?.type;
  if (typeof type === "string" && RECORDED.has(type)) {
    const r = parseEventLine(text);
    if ("error" in r) throw new InputError(`${where}: ${r.error}`);
    fromEvent(o, r.event, byKey);
    return "recording";
  }
  const validate = schemaValidator("decision-log.schema.json");
  if (!validate(v)) throw new InputError(`${where}: neither a session event nor a decision-log line: ${usefulErrors(validate.errors ?? []).slice(0, 2).map(ajvMessage).join("; ")}`);
  if (type === "decision") fromLog(o, v as LogDecision, byKey);
  return "decision-log";
}

/** Reads every file; recordings first, so that a logged decision lands on the recorded call. */
export function readInputs(files: readonly string[]): Observed {
  return readTexts(files.map((file) => {
    try { return { file, text: readFileSync(file, "utf8") }; } catch (e) { throw new InputError(`cannot read "${file}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
  }));
}

/**
 * The same from texts already read. With `skip`, a bad line is handed to it and left out instead
 * of thrown (the console reports such lines on its page, as its monitor does).
 */
export function readTexts(texts: readonly { readonly file: string; readonly text: string }[], skip?: (e: InputError) => void): Observed {
  const o: Observed = { calls: [], agents: new Map(), sources: [] };
  const byKey = new Map<string, ObservedCall>();
  const isLog = (t: string) => /^\s*\{[^\n]*"type"\s*:\s*"(decision|tool_definitions|alert|bundle_loaded|approval|sanitized|audit_failed)"/.test(t);
  for (const { file, text } of [...texts.filter((t) => !isLog(t.text)), ...texts.filter((t) => isLog(t.text))]) {
    const lines = text.split("\n");
    let kind: "recording" | "decision-log" | "empty" = "empty", n = 0;
    lines.forEach((l, i) => {
      if (!l.trim()) return;
      try { kind = readLine(o, l, `${file}:${i + 1}`, byKey); n++; } catch (e) { if (!skip || !(e instanceof InputError)) throw e; skip(e); }
    });
    o.sources.push({ file, kind, lines: n });
  }
  o.calls.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  return o;
}
