/**
 * `compiler/emit`: decision tables → `policy-bundle/1` JSON (written in its compact form,
 * runtime/bundle-codec.ts), validated against `schemas/bundle.schema.json`. INVARIANT: same sources → byte-identical bundle; `revision` is a
 * hash of the content.
 */
import type { Bundle } from "../../runtime/types.js";
import { contentRevision } from "../../runtime/revision.js";
import { loadBundle } from "../../runtime/bundle-check.js";
import { encodeBundle } from "../../runtime/bundle-codec.js";
import type { CheckedProject, CheckedPolicy } from "../model.js";
import { lower, sortByKeys } from "../lower/index.js";
import type { Catalog } from "../catalog/catalog.js";
import type { ToolPin } from "../../runtime/types.js";
import { schemaValidator, ajvMessage, usefulErrors } from "../json/validate.js";
import { COMPILER_VERSION } from "../version.js";

export interface BuildOptions {
  readonly includeDrafts?: boolean;
}

/** The policies a bundle holds: active ones, drafts when asked, never deprecated ones. */
export function selectPolicies(project: CheckedProject, opts: BuildOptions = {}): CheckedPolicy[] {
  return project.policies.filter((p) => p.status === "active" || (p.status === "draft" && opts.includeDrafts));
}

export function buildBundle(project: CheckedProject, opts: BuildOptions = {}): Bundle {
  const t = lower(selectPolicies(project, opts), project.catalog);
  const body = {
    format: "policy-bundle/1" as const,
    revision: "",
    compiler: COMPILER_VERSION,
    policies: t.policies,
    tools: t.tools,
    integrations: t.integrations,
    commands: t.commands,
    ...(Object.keys(t.globalOptions).length ? { global_options: t.globalOptions } : {}),
    index: t.index,
    ...(project.default ? { default: project.default } : {}),
    ...(project.defaults?.length ? { defaults: project.defaults } : {}),
    detectors: project.detectors.map((d) => ({ name: d.name, source: d.source, flags: d.flags, class: d.class })),
    ...(project.organization ? { organization: project.organization } : {}),
    ...(project.approvers ? { approvers: project.approvers } : {}),
    ...(project.reviews && Object.keys(project.reviews.tools).length ? { tool_reviews: project.reviews.tools } : {}),
    ...(project.reviews && Object.keys(project.reviews.agents).length ? { agent_reviews: project.reviews.agents } : {}),
    ...pinsOf(project.catalog),
  };
  return { ...body, revision: contentRevision(body) };
}

/** The pinned definitions of the catalog's tools (imported from MCP servers), by lower-case key. */
function pinsOf(catalog: Catalog): { pins?: Record<string, ToolPin> } {
  const pins: Record<string, ToolPin> = {};
  for (const t of catalog.allTools()) if (t.pin) pins[t.key.toLowerCase()] = t.pin;
  return Object.keys(pins).length ? { pins: sortByKeys(pins) } : {};
}

/** The bundle's bytes as written to disk: its compact form (runtime/bundle-codec.ts). */
export function serializeBundle(b: Bundle): string {
  return JSON.stringify(encodeBundle(b)) + "\n";
}

/**
 * Validates a bundle against its published schema (which describes the compact form on disk; a
 * bundle built in memory is validated as it would be written); returns messages (empty = valid).
 */
export function validateBundle(b: unknown): string[] {
  const v = schemaValidator("bundle.schema.json");
  const doc = isObj(b) && Array.isArray(b["policies"]) ? encodeBundle(b as unknown as Bundle) : b;
  if (v(doc)) return [];
  return usefulErrors(v.errors ?? []).map(ajvMessage);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * What is wrong with a bundle read from `file`, in one sentence, or undefined: its schema first,
 * then what the runtime would refuse to load (an edited content, a dangling index, …), so that a
 * command refuses the file instead of deciding every call `block`.
 */
export function bundleFileProblem(b: unknown, file: string): string | undefined {
  const r = checkBundleFile(b, file);
  return "problem" in r ? r.problem : undefined;
}

/**
 * A bundle read from `file` (parsed JSON, either form), checked as `bundleFileProblem` does and
 * ready to read (the compact form decoded), or the problem.
 */
export function checkBundleFile(b: unknown, file: string): { bundle: Bundle } | { problem: string } {
  const problems = validateBundle(b);
  if (problems.length) return { problem: `bundle "${file}" is not a valid policy-bundle/1 document: ${problems.slice(0, 3).join("; ")}` };
  const r = loadBundle(b);
  return "problem" in r ? { problem: `bundle "${file}" is rejected by the runtime: ${r.problem}` } : r;
}
