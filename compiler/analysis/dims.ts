/**
 * Dimensions: how the atoms of one event field relate. For a set of literals on one dimension
 * (`agent is "A"` false, `agent in ["A", "B"]` true) `witness` looks for a value of the field that
 * gives every literal (the agent `B`), trying the values the atoms themselves name plus fresh ones.
 *
 * INVARIANT: a witness is checked with the runtime's own evaluator, so it really gives the
 * literals; "none" is only answered where the candidates are complete (`exact`: names, review
 * statuses, tenants, call types, and arguments compared only by is/in/exists/numbers). Anywhere
 * else (globs, `contains`, condition kinds not modelled here) the answer is "unknown", and the
 * analyses treat the literals as possible: they never claim a region is empty without proof.
 */
import type { CExpr } from "../../runtime/types.js";
import { cachedRegex } from "../../runtime/static-eval.js";
import { evaluate, type EvalContext } from "../../runtime/evaluate.js";
import type { ResolvedCall } from "../../runtime/event.js";
import type { AtomExpr, AtomTable } from "./atoms.js";

/** An atom index and the value it must have. */
export type Lit = readonly [number, boolean];

export type Witness =
  | { readonly found: true; readonly value: unknown }
  | { readonly found: false; readonly exact: boolean };

/** A value that stands for "any other": no literal of the analysis names it. */
export const FRESH = "other-value";
/** An agent name no literal names. */
export const OTHER_AGENT = "another-agent";
const REVIEWS = ["Approved", "Unreviewed", "Disallowed", "Pending"];
const EXACT_ARG_OPS = new Set(["eq", "in", "exists", ">", "<", ">=", "<="]);

function nest(path: readonly string[], v: unknown): Record<string, unknown> {
  if (v === undefined) return {};
  let o: unknown = v;
  for (let i = path.length - 1; i >= 0; i--) o = { [path[i]!]: o };
  return o as Record<string, unknown>;
}

/** Whether an atom holds when its field has the value `v` (for a call to `integration`). */
export function atomHolds(x: AtomExpr, v: unknown, integration: string): boolean {
  switch (x.k) {
    case "agent": return typeof v === "string" && x.names.includes(v);
    case "review": return x.values.includes(v as string);
    case "tenant": return v === x.tenant;
    case "call_type": return x.values.includes(v as string);
    case "tool": return x.keys.includes(`${integration}.${String(v)}`);
    case "tool_glob": return cachedRegex(x.re).test(x.dotted ? `${integration}.${String(v)}` : String(v));
    case "arg": {
      const call = { args: nest(x.path, v), integration, name: "", key: "" } as unknown as ResolvedCall;
      try { return evaluate(x, { call } as unknown as EvalContext); } catch { return false; }
    }
    default: return v === true;
  }
}

function globInstances(glob: string, fill: readonly string[]): string[] {
  return fill.map((f) => glob.replace(/\*/g, f).replace(/\?/g, "x"));
}

function argCandidates(xs: readonly CExpr[]): { values: unknown[]; exact: boolean } {
  const values: unknown[] = [undefined, FRESH, 0, []];
  let exact = true;
  const needles: string[] = [];
  for (const x of xs) {
    if (x.k !== "arg") continue;
    if (!EXACT_ARG_OPS.has(x.op)) exact = false;
    switch (x.op) {
      case "eq": values.push(x.value); break;
      case "in": values.push(...x.values); break;
      case "contains": values.push(x.value, [x.value]); if (typeof x.value === "string") needles.push(x.value); break;
      case "matches": break;
      case "exists": break;
      default: values.push(x.n, x.n - 1, x.n + 1, x.n - 0.5, x.n + 0.5);
    }
  }
  for (const x of xs) if (x.k === "arg" && x.op === "matches") values.push(...globInstances(x.glob, ["", "x", ...needles]), ...globInstances(x.glob, [""]).map((s) => [s]));
  return { values, exact };
}

/** The values to try for a dimension, and whether they cover every case. */
export function candidates(dim: string, xs: readonly AtomExpr[], integration: string): { values: unknown[]; exact: boolean } {
  if (dim === "agent") { const names = new Set(xs.flatMap((x) => (x.k === "agent" ? x.names : []))); return { values: [...names, names.has(OTHER_AGENT) ? FRESH : OTHER_AGENT], exact: true }; }
  if (dim === "review") return { values: [...new Set([...REVIEWS, ...xs.flatMap((x) => (x.k === "review" ? x.values : []))])], exact: true };
  if (dim === "tenant") return { values: [...xs.flatMap((x) => (x.k === "tenant" ? [x.tenant] : [])), undefined], exact: true };
  if (dim === "call_type") return { values: ["mcp", "cli"], exact: true };
  if (dim === "tool_name") {
    const names = xs.flatMap((x) => (x.k === "tool" ? x.keys.filter((k) => k.startsWith(`${integration}.`)).map((k) => k.slice(integration.length + 1)) : []));
    const globs = xs.flatMap((x) => (x.k === "tool_glob" ? globInstances(x.dotted ? x.glob.slice(x.glob.indexOf(".") + 1) : x.glob, ["", "x"]) : []));
    return { values: [...names, ...globs, FRESH], exact: xs.every((x) => x.k === "tool") };
  }
  if (dim.startsWith("args.")) return argCandidates(xs as CExpr[]);
  return { values: [true, false], exact: true };
}

/** A value of the dimension that gives every literal, "none" (exact only) or "unknown". */
export function witness(atoms: AtomTable, dim: string, lits: readonly Lit[], integration: string): Witness {
  // An opaque atom is its own dimension: either value is possible.
  if (dim.startsWith("atom:")) return lits.every(([, v]) => v === lits[0]![1]) ? { found: true, value: lits[0]![1] } : { found: false, exact: true };
  const xs = lits.map(([i]) => atoms.atoms[i]!.x);
  const { values, exact } = candidates(dim, xs, integration);
  for (const v of values) if (lits.every(([i, want]) => atomHolds(atoms.atoms[i]!.x, v, integration) === want)) return { found: true, value: v };
  return { found: false, exact };
}
