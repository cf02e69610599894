/**
 * The same policy set as Cedar policies + schema, translated from the compiled bundle (so that the
 * names Cedar sees are the ones our compiler resolved), and a Cedar-backed `decide`.
 *
 * Mapping. principal = Agent::"<agent name>", action = Action::"call", resource =
 * Tool::"<integration.tool>"; every other fact is a context attribute: integration, tool, name,
 * operation, call_type, review_status, tenant, labels, args (the call's arguments as a record).
 * block / hide → `forbid`, allow / require_approval → `permit`; obligation-only policies (alert)
 * are left out (they never change the effect). Cedar has no priorities and no third effect, so a
 * few lines of JS resolve SPEC §5 from Cedar's answer: a `deny` with satisfied forbids is a block
 * by the first of them in (priority, source) order; an `allow` is decided by the first satisfied
 * permit, require_approval beating allow at equal priority; a `deny` with no satisfied policy is
 * the default by operation.
 *
 * What Cedar cannot express, and what we do instead (all of it *outside* the timed loop, which
 * favours Cedar):
 * - tool and argument globs: Cedar `like` has `*` but no `?` (the workload uses `*` only);
 * - `body contains any/all`: Cedar cannot walk every string of a record; the request carries a
 *   precomputed `context.body` (every argument string, lower-cased, joined by NUL) and the policy
 *   uses `like "*needle*"` on it;
 * - `data_class`: Cedar has no regex; the request carries `context.classes`, the set of data
 *   classes our detectors find, computed before timing;
 * - CLI calls: the command line is resolved to a catalog tool by our resolver before timing.
 * Requests are built once before timing (JSON-ready objects); the timed call is
 * `statefulIsAuthorized` on a policy set pre-parsed once per integration (the policies that can
 * match a call of that integration), plus the resolution above.
 */
import * as cedar from "@cedar-policy/cedar-wasm/nodejs";
import type { Bundle, CExpr, Operation } from "../runtime/types.js";
import { resolveCall, type ResolvedCall } from "../runtime/event.js";
import { stringsOf } from "../runtime/evaluate.js";
import { classesIn, compileDetectors } from "../runtime/detectors.js";
import type { WEvent } from "./workload.js";
import type { Outcome } from "./engines.js";

const str = (s: string) => JSON.stringify(s);

function likePattern(glob: string): string {
  if (glob.includes("?")) throw new Error(`glob ${str(glob)}: Cedar \`like\` has no single-character wildcard`);
  // In a Cedar `like` pattern `*` is the wildcard and `\*` a literal star; globs have no literal star.
  return str(glob);
}
function likeLiteral(text: string): string {
  return JSON.stringify(text).replace(/\*/g, "\\*");
}

function argRef(path: readonly string[]): { guard: string; ref: string } {
  const guards: string[] = [];
  let ref = "context.args";
  for (const p of path) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(p)) throw new Error(`argument path segment ${str(p)} is not a Cedar identifier`);
    guards.push(`${ref} has ${p}`);
    ref = `${ref}.${p}`;
  }
  return { guard: guards.join(" && "), ref };
}

function lit(v: unknown): string {
  if (typeof v === "string") return str(v);
  if (typeof v === "boolean") return String(v);
  if (typeof v === "number" && Number.isInteger(v)) return String(v);
  throw new Error(`literal ${JSON.stringify(v)} has no Cedar equivalent (Cedar has Long integers, no floats or null)`);
}

export interface CedarFeatures { body: boolean; classes: boolean }

/** One resolved condition as a Cedar expression. */
export function cedarExpr(e: CExpr, arrayArgs: ReadonlySet<string>, f: CedarFeatures): string {
  const set = (xs: readonly string[]) => `[${xs.map(str).join(", ")}]`;
  switch (e.k) {
    case "true": return "true";
    case "false": return "false";
    case "and": return e.items.length ? `(${e.items.map((x) => cedarExpr(x, arrayArgs, f)).join(" && ")})` : "true";
    case "or": return e.items.length ? `(${e.items.map((x) => cedarExpr(x, arrayArgs, f)).join(" || ")})` : "false";
    case "not": return `!(${cedarExpr(e.x, arrayArgs, f)})`;
    case "integration": return e.ids.length === 1 ? `context.integration == ${str(e.ids[0]!)}` : `${set(e.ids)}.contains(context.integration)`;
    case "tool": return e.keys.length === 1 ? `resource == Tool::${str(e.keys[0]!)}` : `[${e.keys.map((k) => `Tool::${str(k)}`).join(", ")}].contains(resource)`;
    case "tool_glob": return `${e.dotted ? "context.tool" : "context.name"} like ${likePattern(e.glob)}`;
    case "label": return `context.labels.contains(${str(e.label)})`;
    case "operation": return e.ops.length === 1 ? `context.operation == ${str(e.ops[0]!)}` : `${set(e.ops)}.contains(context.operation)`;
    case "agent": return e.names.length === 1 ? `principal == Agent::${str(e.names[0]!)}` : `[${e.names.map((n) => `Agent::${str(n)}`).join(", ")}].contains(principal)`;
    case "review": return e.values.length === 1 ? `context.review_status == ${str(e.values[0]!)}` : `${set(e.values)}.contains(context.review_status)`;
    case "call_type": return e.values.length === 1 ? `context.call_type == ${str(e.values[0]!)}` : `${set(e.values)}.contains(context.call_type)`;
    case "arg": {
      const { guard, ref } = argRef(e.path);
      const isArray = arrayArgs.has(e.path.join("."));
      switch (e.op) {
        case "exists": return `(${guard})`;
        case "eq": return `(${guard} && ${ref} == ${lit(e.value)})`;
        case "in": return `(${guard} && (${e.values.map((v) => `${ref} == ${lit(v)}`).join(" || ")}))`;
        case "matches": return `(${guard} && ${ref} like ${likePattern(e.glob)})`;
        case "contains": return isArray ? `(${guard} && ${ref}.contains(${lit(e.value)}))` : `(${guard} && ${ref} like "*${likeLiteral(String(e.value)).slice(1, -1)}*")`;
        default:
          if (!Number.isInteger(e.n)) throw new Error(`comparison with ${e.n}: Cedar compares Long integers only`);
          return `(${guard} && ${ref} ${e.op} ${e.n})`;
      }
    }
    case "body": {
      f.body = true;
      const one = (n: string) => `context.body like "*${likeLiteral(n).slice(1, -1)}*"`;
      return `(context has body && (${e.needles.map(one).join(e.mode === "any" ? " || " : " && ")}))`;
    }
    case "data_class":
      f.classes = true;
      return `(context has classes && context.classes.containsAny(${set(e.classes)}))`;
    default:
      throw new Error(`${e.k} conditions have no Cedar equivalent in this benchmark`);
  }
}

export const CEDAR_SCHEMA = `// Cedar schema of the benchmark workload (bench/cedar.ts)
entity Agent;
entity Tool;
type Args = {
  "project"?: String, "id"?: String, "limit"?: Long, "text"?: String,
  "visibility"?: String, "tags"?: Set<String>, "argv"?: Set<String>
};
action "call" appliesTo {
  principal: [Agent],
  resource: [Tool],
  context: {
    "integration": String, "tool": String, "name": String, "operation": String,
    "call_type": String, "review_status": String, "tenant": String, "labels": Set<String>,
    "args": Args, "body"?: String, "classes"?: Set<String>
  }
};
`;

export interface CedarSet { readonly id: string; readonly policies: Record<string, string>; readonly features: CedarFeatures }

/** One Cedar policy per bundle policy with an effect; `undefined` for obligation-only ones. */
export function cedarPolicy(b: Bundle, index: number, arrayArgs: ReadonlySet<string>, f: CedarFeatures): string | undefined {
  const p = b.policies[index]!;
  if (!p.effect || p.trigger !== "tool_call") return undefined;
  const effect = p.effect === "block" || p.effect === "hide" ? "forbid" : "permit";
  const principal = p.scope[0] === "agent" ? `principal == Agent::${str(p.scope[1]!)}` : "principal";
  const conds = p.ifs.map((i) => cedarExpr(i.expr, arrayArgs, f));
  if (p.scope[0] === "tenant" && p.scope.length > 1) conds.unshift(`context.tenant == ${str(p.scope[1]!)}`);
  return `@id(${str(p.id)})\n${effect} (${principal}, action == Action::"call", resource)${conds.length ? `\nwhen { ${conds.join(" && ")} }` : ""};`;
}

/** The per-integration policy sets (and `other` for integrations outside the catalog). */
export function cedarSets(b: Bundle, arrayArgs: ReadonlySet<string>, prefix: string): Map<string, CedarSet> {
  const out = new Map<string, CedarSet>();
  const text = new Map<number, string | undefined>();
  const make = (id: string, entries: readonly number[]) => {
    const f: CedarFeatures = { body: false, classes: false };
    const policies: Record<string, string> = {};
    for (const entry of entries) {
      const i = entry >> 1;
      if (!text.has(i)) text.set(i, cedarPolicy(b, i, arrayArgs, { body: false, classes: false }));
      const t = text.get(i);
      if (t === undefined) continue;
      cedarPolicy(b, i, arrayArgs, f); // records the features this set needs
      policies[`p${i}`] = t;
    }
    out.set(id, { id: `${prefix}:${id}`, policies, features: f });
  };
  // A set per integration: the policies of its tools' buckets and those for its tools outside the catalog.
  const ix = b.index.tool_call;
  for (const integ of Object.keys(b.integrations)) {
    const entries = new Set<number>((ix.integrations[integ] ?? []).map((x) => x >> 1));
    for (const [key, list] of Object.entries(ix.tools)) if (key.startsWith(`${integ}.`)) for (const x of list) entries.add(x >> 1);
    make(integ, [...entries].sort((x, y) => x - y).map((i) => i * 2));
  }
  make("*other*", b.index.tool_call.other);
  return out;
}

/** Pre-parses every set once (Cedar keeps them in the wasm instance). */
export function preparse(sets: Map<string, CedarSet>): void {
  for (const s of sets.values()) {
    const r = cedar.preparsePolicySet(s.id, { staticPolicies: s.policies });
    if (r.type !== "success") throw new Error(`Cedar rejected policy set ${s.id}: ${r.errors.map((e) => e.message).join("; ")}`);
  }
}

/** Validates every set against the schema (strict mode); returns the first problems. */
export function validateSets(sets: Map<string, CedarSet>): string[] {
  const out: string[] = [];
  for (const s of sets.values()) {
    const r = cedar.validate({ schema: CEDAR_SCHEMA, policies: { staticPolicies: s.policies }, validationSettings: { mode: "strict" } });
    if (r.type !== "success") out.push(...r.errors.map((e) => `${s.id}: ${e.message}`));
    else out.push(...r.validationErrors.map((e) => `${s.id} ${e.policyId}: ${e.error.message}`));
    if (out.length > 5) break;
  }
  return out;
}

export interface CedarRequest {
  readonly set: string;
  readonly operation: Operation;
  readonly call: cedar.StatefulAuthorizationCall;
}

const ACTION = { type: "Action", id: "call" };

/** Builds the request for one event (outside the timed loop). */
export function cedarRequest(b: Bundle, sets: Map<string, CedarSet>, e: WEvent, detectors = compileDetectors(b.detectors)): CedarRequest {
  const call: ResolvedCall = resolveCall(b, e.call);
  const setKey = Object.prototype.hasOwnProperty.call(b.integrations, call.integration) ? call.integration : "*other*";
  const s = sets.get(setKey)!;
  const context: Record<string, cedar.CedarValueJson> = {
    integration: call.integration, tool: call.key, name: call.name, operation: call.operation, call_type: call.callType,
    review_status: e.agent.review_status, tenant: e.tenant, labels: [...call.labels], args: call.args as cedar.CedarValueJson,
  };
  if (s.features.body || s.features.classes) {
    const strings = stringsOf(call);
    if (s.features.body) context["body"] = strings.map((x) => x.toLowerCase()).join("\u0000");
    if (s.features.classes) context["classes"] = [...classesIn(detectors, strings, new Set(["SECRETS", "PII", "INTERNAL", "CREDENTIALS"]))];
  }
  return {
    set: setKey,
    operation: call.operation,
    call: { principal: { type: "Agent", id: e.agent.name }, action: ACTION, resource: { type: "Tool", id: call.key }, context, entities: [], preparsedPolicySetId: s.id },
  };
}

/** Cedar's answer → SPEC §5 outcome. */
export function cedarDecider(b: Bundle): (r: CedarRequest) => Outcome {
  const byId = new Map<string, number>();
  b.policies.forEach((_, i) => byId.set(`p${i}`, i));
  return (r) => {
    const a = cedar.statefulIsAuthorized(r.call);
    if (a.type !== "success") throw new Error(`Cedar failed: ${a.errors.map((x) => x.message).join("; ")}`);
    const res = a.response;
    if (res.diagnostics.errors.length) throw new Error(`Cedar policy errors: ${res.diagnostics.errors.map((x) => `${x.policyId}: ${x.error.message}`).join("; ")}`);
    let best = -1;
    for (const id of res.diagnostics.reason) { const i = byId.get(id)!; if (best < 0 || i < best) best = i; }
    if (best < 0) {
      const d = b.default;
      return { effect: d ? d[r.operation] : "allow", policy: null };
    }
    const p = b.policies[best]!;
    if (res.decision === "deny") return { effect: "block", policy: p.id };
    if (p.effect === "allow") {
      let tie = -1;
      for (const id of res.diagnostics.reason) {
        const i = byId.get(id)!;
        const q = b.policies[i]!;
        if (q.effect === "require_approval" && q.priority === p.priority && (tie < 0 || i < tie)) tie = i;
      }
      if (tie >= 0) return { effect: "require_approval", policy: b.policies[tie]!.id };
    }
    return { effect: p.effect as "allow" | "require_approval", policy: p.id };
  };
}

export function cedarVersion(): string {
  return cedar.getCedarVersion();
}
