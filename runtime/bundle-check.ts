/**
 * Structural check of a bundle at load time (dependency-free; the full JSON Schema lives in
 * `schemas/bundle.schema.json` and is checked by the compiler). It catches what would otherwise
 * fail open at decision time: a condition kind this runtime does not know (which would evaluate
 * to false, so a `block` policy would silently never match), an index entry that points at no
 * policy, an effect that is not one of the four, a condition nested beyond MAX_EXPR_DEPTH, and a
 * content `revision` that is not the hash of the content (a bundle edited after it was built). It
 * reads both forms of a bundle (runtime/bundle-codec.ts): the compact one is checked, decoded,
 * then checked as a bundle built in memory is.
 */
import { contentRevision } from "./revision.js";
import { decodeBundle, isBundleFile, POLICY_COLUMNS, type BundleFile } from "./bundle-codec.js";
import type { Bundle } from "./types.js";
import { OPERATIONS as LANGUAGE_OPERATIONS, REVIEW_STATUSES, URL_PARTS as LANGUAGE_URL_PARTS } from "./language-facts.js";

const KINDS = new Set([
  "true", "false", "and", "or", "not", "session_seen", "session_mark", "integration", "tool", "tool_glob", "label", "operation", "method", "category", "verb",
  "agent", "review", "call_type", "arg", "body", "data_class", "session_label", "session_called", "principal_external",
  "resource_new", "rate", "burst", "spend", "time", "user", "arg_user", "url", "under", "command_prefix", "tool_review",
  "result", "result_size", "result_error",
]);
const TRIGGERS = new Set(["tool_call", "agent_discovered", "tool_response", "message_to_user", "message_from_user"]);
const URL_PARTS: ReadonlySet<string> = new Set(LANGUAGE_URL_PARTS);
const URL_OPS = new Set(["eq", "in", "matches"]);
const EFFECTS = new Set(["allow", "block", "require_approval", "hide"]);
const ARG_OPS = new Set(["eq", "in", "matches", "contains", "exists", ">", "<", ">=", "<="]);
const USER_OPS = new Set(["eq", ">", "<", ">=", "<="]);
const DEFAULTS = new Set(["allow", "block", "require_approval"]);
const OPERATIONS: ReadonlySet<string> = new Set(LANGUAGE_OPERATIONS);
const ARG_KINDS = new Set(["path", "url", "command", "git_push"]);

/** Deepest condition nesting a bundle may carry (the compiler's source nesting limit is lower). */
export const MAX_EXPR_DEPTH = 256;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const TALLY_SCOPES = new Set(["tenant", "integration", "session"]);
const PERIODS = new Set(["day", "hour", "session"]);

/** `rate` / `burst`: a known scope and period, a summed path of strings, a well-formed filter. */
function countingProblem(e: Record<string, unknown>, depth: number): string | undefined {
  if (e["scope"] !== undefined && !TALLY_SCOPES.has(e["scope"] as string)) return `${e["k"] as string} with an unknown scope`;
  if (e["period"] !== undefined && !PERIODS.has(e["period"] as string)) return "rate with an unknown period";
  if (e["sum"] !== undefined && !(Array.isArray(e["sum"]) && e["sum"].length > 0 && e["sum"].every((x) => typeof x === "string"))) return "rate with a malformed sum path";
  return e["filter"] !== undefined ? exprProblem(e["filter"], depth + 1) : undefined;
}

function exprProblem(e: unknown, depth: number): string | undefined {
  if (depth > MAX_EXPR_DEPTH) return `condition nested deeper than ${MAX_EXPR_DEPTH}`;
  if (!isObj(e) || typeof e["k"] !== "string") return "condition is not an object with a kind";
  const k = e["k"];
  if (!KINDS.has(k)) return `unknown condition kind ${JSON.stringify(k).slice(0, 40)} (a newer compiler?)`;
  if (k === "and" || k === "or") {
    if (!Array.isArray(e["items"])) return `${k} without items`;
    for (const x of e["items"]) { const p = exprProblem(x, depth + 1); if (p) return p; }
  } else if (k === "not") return exprProblem(e["x"], depth + 1);
  else if (k === "command_prefix" && !(Array.isArray(e["prefixes"]) && e["prefixes"].every((p) => Array.isArray(p) && p.length > 0 && p.every((w) => typeof w === "string")))) return "command_prefix without prefixes";
  else if (k === "rate" || k === "burst") return countingProblem(e, depth);
  else if (k === "arg" && (!Array.isArray(e["path"]) || !ARG_OPS.has(e["op"] as string))) return "arg condition without a path or a known operator";
  else if (k === "result" && (!Array.isArray(e["path"]) || !ARG_OPS.has(e["op"] as string) || (e["op"] === "matches" && typeof e["re"] !== "string"))) return "result condition without a path or a known operator";
  else if (k === "result_size" && (!USER_OPS.has(e["cmp"] as string) || e["cmp"] === "eq" || typeof e["bytes"] !== "number")) return "result_size condition without a comparison or a size";
  else if (k === "user" && (!Array.isArray(e["path"]) || !ARG_OPS.has(e["op"] as string) || e["op"] === "contains")) return "user condition without a path or a known operator";
  else if (k === "arg_user" && (!Array.isArray(e["path"]) || !Array.isArray(e["user"]) || !USER_OPS.has(e["op"] as string))) return "arg_user condition without paths or a known operator";
  else if ((k === "tool_glob" || (k === "user" && e["op"] === "matches") || ((k === "arg" || k === "url") && e["op"] === "matches")) && typeof e["re"] !== "string") return `${k} without a regex`;
  else if (k === "url" && (!Array.isArray(e["path"]) || !URL_PARTS.has(e["part"] as string) || !URL_OPS.has(e["op"] as string))) return "url condition without a path, a known part or a known operator";
  else if (k === "under" && (!Array.isArray(e["path"]) || typeof e["anchor"] !== "string")) return "under condition without a path or an anchor";
  return undefined;
}

/**
 * A tool's facts: a wrong operation or an unknown argument kind would make a call skip the
 * canonical form (or the operation) its policies were written against.
 */
function toolProblem(key: string, t: unknown): string | undefined {
  const at = `tools[${key.slice(0, 80)}]`;
  if (!Array.isArray(t) || t.length < 7 || t.length > 8) return `${at}: malformed`;
  if (!OPERATIONS.has(t[0] as string)) return `${at}: unknown operation ${JSON.stringify(t[0]).slice(0, 40)}`;
  if (!Array.isArray(t[1]) || !Array.isArray(t[4]) || typeof t[6] !== "string") return `${at}: malformed`;
  // A call's labels become session labels: one named like a mark or a data class seen would let a call set it.
  if (t[1].some((l) => typeof l !== "string" || /^(mark|seen):/.test(l))) return `${at}: a label may not start with mark: or seen: (those name session facts)`;
  const kinds = t[7];
  if (kinds === undefined) return undefined;
  if (!isObj(kinds)) return `${at}: argument kinds are not an object`;
  for (const k in kinds) if (!ARG_KINDS.has(kinds[k] as string)) return `${at}: unknown argument kind ${JSON.stringify(kinds[k]).slice(0, 40)} for ${k.slice(0, 60)}`;
  return undefined;
}

function entriesProblem(list: unknown, n: number, where: string): string | undefined {
  if (!Array.isArray(list)) return `index ${where} is not a list`;
  for (const x of list) if (!Number.isInteger(x) || x < 0 || (x >> 1) >= n) return `index ${where} points at no policy (${String(x)})`;
  return undefined;
}

const strings = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === "string");

/** `global_options`: per program, lists of option words (a malformed list would skip no option: fail open). */
function globalsProblem(g: unknown): string | undefined {
  if (g === undefined) return undefined;
  if (!isObj(g)) return "global_options: not an object";
  for (const k in g) {
    const o = g[k];
    if (!isObj(o) || !strings(o["with_value"]) || !strings(o["flags"])) return `global_options[${k.slice(0, 60)}]: malformed`;
  }
  return undefined;
}

const REVIEWS: ReadonlySet<string> = new Set(REVIEW_STATUSES);

/** Review maps must hold review statuses (an unknown one would silently count as not matching). */
function reviewsProblem(b: Record<string, unknown>): string | undefined {
  for (const f of ["tool_reviews", "agent_reviews"]) {
    const m = b[f];
    if (m === undefined) continue;
    if (!isObj(m)) return `${f}: not an object`;
    for (const k in m) if (!REVIEWS.has(m[k] as string)) return `${f}[${k.slice(0, 80)}]: unknown review status ${JSON.stringify(m[k]).slice(0, 40)}`;
  }
  const pins = b["pins"];
  if (pins !== undefined && (!isObj(pins) || !Object.values(pins).every((p) => isObj(p) && typeof p["hash"] === "string" && isObj(p["definition"])))) return "pins: malformed (tool → {hash, definition})";
  return undefined;
}

/** What is structurally wrong with a bundle (either form: runtime/bundle-codec.ts), or undefined. */
export function bundleProblem(b: unknown): string | undefined {
  const r = loadBundle(b);
  return "problem" in r ? r.problem : undefined;
}

/**
 * A bundle checked and ready to read: the compact on-disk form decoded (its revision checked
 * first, on the form it was hashed in), or a bundle built in memory as it is (its revision checked
 * on its compact form). `problem` says what is wrong, in one sentence.
 */
export function loadBundle(b: unknown): { bundle: Bundle } | { problem: string } {
  if (!isObj(b) || b["format"] !== "policy-bundle/1") return { problem: "not a policy-bundle/1 document" };
  if (typeof b["revision"] !== "string") return { problem: "revision: missing" };
  // Past the format, a fault of the encoder or decoder on a malformed document is a refusal.
  try {
    if (!isBundleFile(b)) {
      const problem = expandedProblem(b) ?? revisionProblem(b);
      return problem ? { problem } : { bundle: b as unknown as Bundle };
    }
    const problem = fileProblem(b) ?? revisionProblem(b);
    if (problem) return { problem };
    const bundle = decodeBundle(b);
    const q = expandedProblem(bundle as unknown as Record<string, unknown>);
    return q ? { problem: q } : { bundle };
  } catch (e) {
    return { problem: `not a policy-bundle/1 document (${(e as Error)?.message ?? String(e)})` };
  }
}

function revisionProblem(b: Record<string, unknown>): string | undefined {
  const content = contentRevision(b);
  if (b["revision"] !== content) return `revision ${JSON.stringify(b["revision"]).slice(0, 40)} is not the hash of the content (${content}): the bundle was changed after it was built; build it again with policy build`;
  return undefined;
}

const COLUMNS: ReadonlyMap<string, boolean> = new Map(POLICY_COLUMNS);

/** The compact form's own structure (what decoding relies on): the conditions table and the policy columns. */
function fileProblem(b: BundleFile): string | undefined {
  if (!b.conditions.every((c) => Array.isArray(c) && c.length === 2 && typeof c[0] === "string" && isObj(c[1]))) return "conditions: each must be [text, condition]";
  const cols = b.policies as Record<string, unknown>;
  const ifs = cols["ifs"];
  if (!Array.isArray(ifs)) return "policies.ifs: missing";
  for (const k in cols) {
    if (!COLUMNS.has(k)) return `policies.${k.slice(0, 40)}: unknown field (a newer compiler?)`;
    const c = cols[k];
    if (!Array.isArray(c) || c.length !== ifs.length) return `policies.${k}: not a list of one value per policy`;
  }
  for (const [k, always] of POLICY_COLUMNS) if (always && !cols[k]) return `policies.${k}: missing`;
  const n = b.conditions.length;
  for (const refs of ifs) if (!Array.isArray(refs) || !refs.every((x) => Number.isInteger(x) && x >= 0 && x < n)) return "policies.ifs: an if line points at no condition";
  return undefined;
}

/** The checks of a bundle in its read form (every policy with its `if` lines). */
function expandedProblem(b: Record<string, unknown>): string | undefined {
  const ps = b["policies"];
  if (!Array.isArray(ps)) return "policies: missing";
  if (!isObj(b["tools"]) || !isObj(b["integrations"]) || !Array.isArray(b["commands"])) return "tools, integrations or commands: missing";
  for (const k in b["tools"]) { const q = toolProblem(k, b["tools"][k]); if (q) return q; }
  // An `if` line shared by several policies (the compact form's conditions) is checked once.
  const checked = new WeakSet<object>();
  for (const [i, p] of ps.entries()) {
    const at = `policy ${i}`;
    if (!isObj(p) || typeof p["id"] !== "string" || !Array.isArray(p["ifs"]) || !Array.isArray(p["scope"]) || !Array.isArray(p["residual"])) return `${at}: malformed`;
    if (p["effect"] !== undefined && !EFFECTS.has(p["effect"] as string)) return `${at}: unknown effect ${JSON.stringify(p["effect"]).slice(0, 40)}`;
    if (!TRIGGERS.has(p["trigger"] as string)) return `${at}: unknown trigger`;
    for (const f of p["ifs"]) {
      if (checked.has(f)) continue;
      const q = isObj(f) ? exprProblem(f["expr"], 1) : "if line is not an object";
      if (!q) checked.add(f as object);
      if (q) return `${at} (${(p["id"] as string).slice(0, 60)}): ${q}`;
    }
    for (const r of p["residual"]) if (!Number.isInteger(r) || r < 0 || r >= p["ifs"].length) return `${at}: residual points at no if line`;
    const sc = sessionChangesProblem(p);
    if (sc) return `${at}: ${sc}`;
  }
  const ix = b["index"];
  if (!isObj(ix) || !isObj(ix["tool_call"])) return "index: missing";
  const tc = ix["tool_call"];
  for (const g of ["tools", "integrations"] as const) {
    if (!isObj(tc[g])) return `index.tool_call.${g}: missing`;
    for (const [k, v] of Object.entries(tc[g])) { const q = entriesProblem(v, ps.length, `${g}[${k}]`); if (q) return q; }
  }
  const q = entriesProblem(tc["other"], ps.length, "other") ?? entriesProblem(ix["agent_discovered"], ps.length, "agent_discovered") ?? returnIndexProblem(ix, ps.length);
  if (q) return q;
  const g = globalsProblem(b["global_options"]);
  if (g) return g;
  const d = b["default"];
  if (d !== undefined && (!isObj(d) || !LANGUAGE_OPERATIONS.every((o) => DEFAULTS.has(d[o] as string)))) return "default: malformed";
  const sd = scopedDefaultsProblem(b["defaults"]);
  if (sd) return sd;
  const ap = b["approvers"];
  if (ap !== undefined && (!isObj(ap) || !Object.values(ap).every((v) => Array.isArray(v) && v.every((x) => typeof x === "string")))) return "approvers: malformed (role → list of user names)";
  return reviewsProblem(b);
}

/**
 * `session` (mark / clear): only on `message_from_user` policies. A bundle that puts one on another
 * trigger (hand-edited, or a compiler bug) would let a tool result or the agent's own words change
 * the session: rejected.
 */
function sessionChangesProblem(p: Record<string, unknown>): string | undefined {
  const s = p["session"];
  if (s === undefined) return undefined;
  if (p["trigger"] !== "message_from_user") return "session changes (mark, clear) on a policy that is not `when message_from_user`";
  if (!Array.isArray(s) || !s.every((c) => isObj(c) && (c["change"] === "mark" || c["change"] === "clear") && typeof c["label"] === "string" && c["label"] !== "")) return "session changes: malformed";
  return undefined;
}

/** The optional indexes of `when tool_response` / `message_to_user` / `message_from_user` policies. */
function returnIndexProblem(ix: Record<string, unknown>, n: number): string | undefined {
  const tr = ix["tool_response"];
  if (tr !== undefined) {
    if (!isObj(tr) || !isObj(tr["tools"]) || !isObj(tr["integrations"])) return "index.tool_response: malformed";
    for (const g of ["tools", "integrations"] as const) for (const [k, v] of Object.entries(tr[g] as Record<string, unknown>)) { const q = entriesProblem(v, n, `tool_response.${g}[${k}]`); if (q) return q; }
    const q = entriesProblem(tr["other"], n, "tool_response.other");
    if (q) return q;
  }
  for (const m of ["message_to_user", "message_from_user"]) if (ix[m] !== undefined) { const q = entriesProblem(ix[m], n, m); if (q) return q; }
  return undefined;
}

/** `defaults` (`default for …`): a list of `{tenant?, agent?, integration?, ops, form}`. */
function scopedDefaultsProblem(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) return "defaults: not a list";
  for (let i = 0; i < v.length; i++) {
    const d: unknown = v[i];
    if (!isObj(d) || !isObj(d["ops"])) return `defaults[${i}]: malformed`;
    for (const k of ["tenant", "agent", "integration"]) if (d[k] !== undefined && typeof d[k] !== "string") return `defaults[${i}].${k}: not a string`;
    const ops = d["ops"];
    for (const [op, e] of Object.entries(ops)) {
      if (!(LANGUAGE_OPERATIONS as readonly string[]).includes(op) || !DEFAULTS.has(e as string)) return `defaults[${i}].ops.${op}: malformed`;
    }
  }
  return undefined;
}
