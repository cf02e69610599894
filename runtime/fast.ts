/**
 * The decision fast path over one bucket of the decision tables (the entries `run` selected for
 * the call). Decision cost follows the policies that can match the event, not the bucket's size.
 *
 * Per policy (cached, shared by the buckets it is in): its remaining conditions (scope and the
 * residual `if` lines, or every line for a call outside the catalog) flattened into conjuncts, and
 * one of them chosen as its *guard*:
 * - an equality the event can be looked up by (`args.x is/in` literals, `agent is/in`, the agent or
 *   tenant of its scope, `agent.review_status`, `tool is/in` for a call outside the catalog), an
 *   `or` of such equalities, `args.x contains` a literal (array elements are looked up), the
 *   literal prefix of an `args.x matches` glob (each string element of an array is looked up), or
 *   a numeric threshold (`args.x > n`: the sorted thresholds a value passes); a condition on a
 *   path with `[*]` / `[all]` is never looked up;
 * - otherwise any other conjunct, which is then evaluated once per decision for every policy of
 *   the bucket that shares it (the same `body contains`, `data_class`, `args.x is not`, …).
 * Per bucket (cached by the bucket's identity): the policies grouped by guard into hash maps
 * ("dimensions") and shared groups. A decision looks each dimension up once and evaluates each
 * shared guard once, marking the policies reached in one candidate bit set (bit order is decision
 * order, so no sorting and no per-policy marks); then it walks the set once, testing the remaining
 * conjuncts of each candidate, and hands the matches to runtime/frozen-decisions.ts (a frozen
 * decision when the outcome needs no per-call data, else `decide`, SPEC §5, runtime/decide.ts).
 * The plan is laid out in a few flat arrays (runs of item numbers), so that a decision touches
 * little memory besides the conditions it evaluates.
 * INVARIANT: decides exactly as the plain loop over the bucket followed by `decisionOf`: a policy is
 * skipped only when its guard is false, and a guard dropped from its test is one a lookup decides
 * exactly (test/runtime/fast-index.test.ts and the differential properties check this).
 */
import type { Bundle, BundlePolicy, CExpr, Decision, SessionEvent } from "./types.js";
import { allOf, ALWAYS, argAt, compileExpr, isWildPath, lowerText, stringsOf, type EvalContext, type Pred } from "./conditions.js";
import type { ResolvedCall } from "./event.js";
import { escapeRegex, globLiteralPrefix, globToRegexSource } from "./glob.js";
import { passes, prefilterOf, type Detector, type Prefilter } from "./detectors.js";
import { metaOf, type Meta } from "./decide.js";
import { conjunctsOf } from "./language-facts.js";
import { frozenDecision, frozenSlots, type FrozenSlots } from "./frozen-decisions.js";

/**
 * `eq`: the value looked up; `has`: `contains` (array elements looked up, a string reaches all);
 * `pre`: glob prefixes; `>` `>=` `<` `<=`: numeric thresholds, sorted (those the value passes).
 */
type DimKind = "eq" | "has" | "pre" | ">" | ">=" | "<" | "<=";
/** Where a dimension's value comes from: agent name, tenant, review status, tool key, `args.<k>`, an argument path. */
const enum Src { Agent, Tenant, Review, Tool, Arg, Path }

interface Key { readonly dim: string; readonly kind: DimKind; readonly src: Src; readonly path: readonly string[]; readonly values: readonly unknown[] }

/** A policy's guard: keys to be found under (any of them), or a conjunct shared with others. */
interface Analysis {
  readonly keys: readonly Key[] | undefined;
  /**
   * `needles`: the guard is a `body contains` with needles none of which hold U+0000; `classes`:
   * it is a `data_class` condition.
   */
  readonly shared: { readonly id: string; readonly pred: Pred; readonly needles?: readonly string[]; readonly classes?: readonly string[] } | undefined;
  readonly test: Pred;
}

const prim = (v: unknown): boolean => typeof v === "string" || typeof v === "number" || typeof v === "boolean";
const own = Object.prototype.hasOwnProperty;
const NONE: readonly string[] = [];

const key = (kind: DimKind, src: Src, values: readonly unknown[], path = NONE): Key => ({
  dim: kind + src + JSON.stringify(path), kind, src, path, values,
});
const argKey = (kind: DimKind, path: readonly string[], values: readonly unknown[]): Key => key(kind, path.length === 1 ? Src.Arg : Src.Path, values, path);

/** The keys an exact equality conjunct is found under, if it is one. */
function eqKey(e: CExpr): Key | undefined {
  if (e.k === "arg" && isWildPath(e.path)) return undefined; // `[*]`: any of several values, tested as a shared conjunct
  if (e.k === "arg" && (e.op === "eq" || e.op === "in")) {
    const values = e.op === "eq" ? [e.value] : e.values;
    return values.length > 0 && values.every(prim) ? argKey("eq", e.path, values) : undefined;
  }
  if (e.k === "tool" && e.keys.length > 0) return key("eq", Src.Tool, e.keys);
  if (e.k === "agent" && e.names.length > 0) return key("eq", Src.Agent, e.names);
  if (e.k === "review" && e.values.length > 0) return key("eq", Src.Review, e.values);
  return undefined;
}

/** The literal prefix of a glob (`team-1/*` → `team-1/`), when its regex is the glob's; `exact`: the glob is `prefix*`. */
function globPrefix(e: CExpr): { pre: string; exact: boolean } | undefined {
  if (e.k !== "arg" || e.op !== "matches" || isWildPath(e.path) || globToRegexSource(e.glob) !== e.re) return undefined;
  const { prefix, rest } = globLiteralPrefix(e.glob);
  return prefix.length > 0 ? { pre: prefix, exact: rest === "*" } : undefined;
}

/** Preference of a conjunct as a shared guard (lower first): cheap and often shared. */
function sharedRank(e: CExpr): number {
  switch (e.k) {
    case "arg": return e.op === "matches" ? 1 : 0;
    case "review": case "tool_review": case "call_type": case "agent": return 0;
    case "body": case "data_class": return 2;
    default: return 3;
  }
}

const analyses = new WeakMap<BundlePolicy, [Analysis | undefined, Analysis | undefined]>();

/** A guard: the keys a policy is found under, or the conjunct it shares; what it decides alone is dropped from its test. */
interface Guard {
  readonly keys?: readonly Key[];
  readonly shared?: Analysis["shared"];
  /** The conjunct the lookup decides exactly (left out of the test). */
  readonly drop?: CExpr;
  /** The lookup is the policy's scope (left out of the test). */
  readonly dropScope?: boolean;
}

const NUMERIC = new Set(["<", "<=", ">", ">="]);

/**
 * The guard of a policy with conjuncts `cs` and scope `scoped`: the most selective kind first,
 * then the first conjunct of that kind.
 */
function guardOf(cs: readonly CExpr[], scoped: { readonly src: Src; readonly value: string } | undefined): Guard {
  const exact = (want: (e: CExpr) => boolean): Guard | undefined => {
    for (const e of cs) {
      const k = want(e) ? eqKey(e) : undefined;
      if (k) return { keys: [k], drop: e };
    }
    return undefined;
  };
  const scope = (src: Src): Guard | undefined => (scoped?.src === src ? { keys: [key("eq", src, [scoped.value])], dropScope: true } : undefined);
  return (
    // `tool is/in` is left only in the full lines of a call outside the catalog (the tables decide
    // it for catalog tools): the most selective there.
    exact((e) => e.k === "tool") ??
    exact((e) => e.k === "arg" && e.op === "eq") ??
    scope(Src.Agent) ??
    exact((e) => e.k === "agent" && e.names.length === 1) ??
    scope(Src.Tenant) ??
    exact((e) => e.k === "arg" || e.k === "agent") ?? // `args.x in […]`, `agent in […]`
    anyOf(cs) ??
    containsOrPrefix(cs) ??
    exact((e) => e.k === "review") ??
    threshold(cs) ??
    sharedOf(cs) ??
    {}
  );
}

/** An `or` of equalities: found under each of them (the test keeps the whole `or`). */
function anyOf(cs: readonly CExpr[]): Guard | undefined {
  for (const e of cs) {
    if (e.k !== "or" || e.items.length === 0) continue;
    const ks = e.items.map(eqKey);
    if (ks.every((k) => k !== undefined)) return { keys: ks as Key[] };
  }
  return undefined;
}

/** `args.x contains v` (array elements looked up) or a glob's literal prefix (`prefix*`: exactly). */
function containsOrPrefix(cs: readonly CExpr[]): Guard | undefined {
  for (const e of cs) {
    if (e.k !== "arg" || isWildPath(e.path)) continue;
    if (e.op === "contains" && prim(e.value)) return { keys: [argKey("has", e.path, [e.value])] };
    const g = globPrefix(e);
    if (g !== undefined) return { keys: [argKey("pre", e.path, [g.pre])], ...(g.exact ? { drop: e } : {}) };
  }
  return undefined;
}

/** A numeric threshold: found among the thresholds the value passes (exactly). */
function threshold(cs: readonly CExpr[]): Guard | undefined {
  for (const e of cs) {
    if (e.k === "arg" && !isWildPath(e.path) && NUMERIC.has(e.op) && "n" in e && typeof e.n === "number" && !Number.isNaN(e.n)) return { keys: [argKey(e.op as DimKind, e.path, [e.n])], drop: e };
  }
  return undefined;
}

/** Any other conjunct, evaluated once per decision for all the policies of a bucket that share it. */
function sharedOf(cs: readonly CExpr[]): Guard | undefined {
  if (cs.length === 0) return undefined;
  let best = cs[0]!;
  for (const e of cs) if (sharedRank(e) < sharedRank(best)) best = e;
  const needles = best.k === "body" && best.needles.length > 0 && best.needles.every((n) => !n.includes("\u0000")) ? best.needles : undefined;
  const classes = best.k === "data_class" && best.classes.length > 0 ? best.classes : undefined;
  return { shared: { id: JSON.stringify(best), pred: compileExpr(best), ...(needles ? { needles } : {}), ...(classes ? { classes } : {}) }, drop: best };
}

/** A policy's guard and the test of everything else (`full`: every `if` line, else the residual ones). */
function analyse(p: BundlePolicy, full: boolean): Analysis {
  let cached = analyses.get(p);
  if (!cached) analyses.set(p, (cached = [undefined, undefined]));
  const i = full ? 1 : 0;
  const hit = cached[i];
  if (hit) return hit;
  const cs: CExpr[] = [];
  const flat = (e: CExpr) => { conjunctsOf(e, cs); };
  for (const line of full ? p.ifs : p.residual.map((n) => p.ifs[n]!)) flat(line.expr);
  const s = p.scope;
  const scoped = s[0] !== "platform" && s.length > 1 ? { src: s[0] === "tenant" ? Src.Tenant : Src.Agent, value: s[1]! } : undefined;
  const g = guardOf(cs, scoped);
  const preds = cs.filter((e) => e !== g.drop).map(compileExpr);
  if (scoped && !g.dropScope) {
    const v = scoped.value;
    preds.unshift(scoped.src === Src.Tenant ? (c) => c.tenant === v : (c) => c.agentName === v);
  }
  return (cached[i] = { keys: g.keys, shared: g.shared, test: allOf(preds) });
}

interface Dim {
  readonly kind: DimKind;
  readonly src: Src;
  /** `args.<k>` (Src.Arg) or the argument path (Src.Path). */
  readonly k: string;
  readonly path: readonly string[];
  /** Value → where its run of item numbers starts in `Plan.runs`. */
  readonly map: Map<unknown, number>;
  /** `has`: the run of every item (a string argument reaches them all). */
  all: number;
  /** `pre`: the prefix lengths; thresholds: the numbers (ascending), with `at` (their runs) in step. */
  nums: number[];
  at: number[];
}

/**
 * A bucket's plan, laid out to touch little memory per decision: item `i` is the bucket's entry
 * `i` (so its number is its place in decision order); lists of items are runs in one Int32Array
 * (`[length, i1, i2, …]`); a decision's candidates are one bit set (bit `i`: item `i` reached).
 */
interface Plan {
  readonly metas: readonly Meta[];
  /** Per item: its test, or undefined when its guard decides it alone. */
  readonly tests: readonly (Pred | undefined)[];
  /** Words of the candidate bit set (32 items each). */
  readonly words: number;
  readonly runs: Int32Array;
  /** The run of the items without a guard (tested on every decision). */
  readonly always: number;
  readonly dims: readonly Dim[];
  readonly shared: readonly { readonly pred: Pred; readonly run: number; readonly body: boolean; readonly data: boolean }[];
  /**
   * Every needle of the shared `body contains` guards (which all have some): when the call's text
   * holds none of them, none of those guards holds, and their groups are skipped.
   */
  readonly needles: RegExp | undefined;
  /**
   * When every needle is ASCII: the same union, case-insensitive, run on the strings as they are.
   * It finds whatever the union finds in the lower-cased text: ASCII letters match either case, and
   * the only other characters that lower-case to ASCII, U+0130 (`i̇`) and U+212A (`k`), are
   * matched where an `i` or a `k` is (test/runtime/fast-index.test.ts checks every code point).
   */
  readonly needlesAscii: RegExp | undefined;
  /** Every class of the shared `data_class` guards: when no detector of them can find anything, those groups are skipped. */
  readonly classes: readonly string[];
  /** The pre-filter of `classes` for the detector list it was made for. */
  filter: { readonly detectors: readonly Detector[]; readonly re: Prefilter | null } | undefined;
  /** Frozen decisions of outcomes that need no per-call data (runtime/frozen-decisions.ts): no match, one match per item. */
  readonly frozen: FrozenSlots;
}

const plans = new WeakMap<readonly number[], Plan>();

function planOf(b: Bundle, entries: readonly number[]): Plan {
  let plan = plans.get(entries);
  if (plan) return plan;
  const metas: Meta[] = [];
  const tests: (Pred | undefined)[] = [];
  const always: number[] = [];
  const dims = new Map<string, { d: Dim; lists: Map<unknown, number[]>; all: number[] }>();
  const shared = new Map<string, { pred: Pred; items: number[]; needles: readonly string[] | undefined; classes: readonly string[] | undefined }>();
  entries.forEach((entry, i) => {
    const p = b.policies[entry >> 1]!;
    const a = analyse(p, (entry & 1) === 1);
    metas.push(metaOf(p));
    tests.push(a.test === ALWAYS ? undefined : a.test);
    if (a.keys) {
      for (const k of a.keys) {
        let x = dims.get(k.dim);
        if (!x) dims.set(k.dim, (x = { d: { kind: k.kind, src: k.src, k: k.path[0] ?? "", path: k.path, map: new Map(), all: 0, nums: [], at: [] }, lists: new Map(), all: [] }));
        for (const v of k.values) {
          const l = x.lists.get(v);
          if (!l) x.lists.set(v, [i]);
          else if (l[l.length - 1] !== i) l.push(i);
        }
        if (x.all[x.all.length - 1] !== i) x.all.push(i);
      }
    } else if (a.shared) {
      let g = shared.get(a.shared.id);
      if (!g) shared.set(a.shared.id, (g = { pred: a.shared.pred, items: [], needles: a.shared.needles, classes: a.shared.classes }));
      g.items.push(i);
    } else always.push(i);
  });
  const flat: number[] = [];
  const run = (l: readonly number[]): number => {
    const at = flat.length;
    flat.push(l.length);
    for (const x of l) flat.push(x); // not `push(...l)`: a hand-made bundle's list may exceed the argument limit
    return at;
  };
  const alwaysRun = run(always);
  for (const { d, lists, all } of dims.values()) {
    for (const [v, l] of lists) d.map.set(v, run(l));
    d.all = run(all);
    if (d.kind === "pre") d.nums = [...new Set([...lists.keys()].map((x) => (x as string).length))].sort((x, y) => x - y);
    else if (d.kind !== "eq" && d.kind !== "has") {
      d.nums = ([...lists.keys()] as number[]).sort((x, y) => x - y);
      d.at = d.nums.map((n) => d.map.get(n)!);
    }
  }
  const sharedRuns = [...shared.values()].map((g) => ({ pred: g.pred, run: run(g.items), body: g.needles !== undefined, data: g.classes !== undefined }));
  const classes = [...new Set([...shared.values()].flatMap((g) => g.classes ?? []))].sort();
  const needles = [...new Set([...shared.values()].flatMap((g) => g.needles ?? []))];
  const source = needles.map(escapeRegex).join("|");
  const union = needles.length ? new RegExp(source) : undefined;
  const unionAscii = needles.length && needles.every((n) => /^[\x00-\x7f]*$/.test(n)) ? new RegExp(source.replace(/i/g, "[i\u0130]").replace(/k/g, "[k\u212a]"), "i") : undefined;
  plan = { metas, tests, words: (entries.length + 31) >>> 5, runs: Int32Array.from(flat), always: alwaysRun, dims: [...dims.values()].map((x) => x.d), shared: sharedRuns, needles: union, needlesAscii: unionAscii, classes, filter: undefined, frozen: frozenSlots(entries.length) };
  plans.set(entries, plan);
  return plan;
}

// The current decision's candidates (bit `i`: item `i` reached; bit order = decision order) and
// its matches for `decide` (reused: a decision runs to its end without yielding, and nothing a
// test calls decides).
let cand = new Int32Array(64);
const hits: Meta[] = [];

/** Marks the items of a run as candidates (each is tested once, later, in decision order). */
function reachRun(plan: Plan, at: number | undefined): void {
  if (at === undefined) return;
  const runs = plan.runs;
  for (let k = at + 1, end = at + 1 + runs[at]!; k < end; k++) {
    const i = runs[k]!;
    cand[i >>> 5] |= 1 << (i & 31);
  }
}

/** The policies whose glob prefix `v` starts with. */
function reachPrefixes(plan: Plan, d: Dim, v: string): void {
  for (const n of d.nums) { if (n > v.length) break; reachRun(plan, d.map.get(v.slice(0, n))); }
}

/** The value a dimension looks up for this event. */
function valueOf(d: Dim, c: EvalContext): unknown {
  switch (d.src) {
    case Src.Agent: return c.agentName;
    case Src.Tenant: return c.tenant;
    case Src.Review: return c.review ?? "Unreviewed";
    case Src.Tool: return c.call?.key;
    case Src.Arg: { const a = c.call?.args; return a !== undefined && own.call(a, d.k) ? a[d.k] : undefined; }
    default: return argAt(c.call?.args, d.path);
  }
}

/** Does the call's text hold none of the needles? */
function noNeedleIn(c: EvalContext, union: RegExp, asIs: RegExp | undefined): boolean {
  const strings = (c.strings ??= stringsOf(c.call!));
  if (asIs === undefined || c.lower !== undefined) return !union.test(lowerText(c, strings));
  for (const s of strings) if (asIs.test(s)) return false;
  return true;
}

/** Does no detector of `classes` find anything in the call's strings (judged by their pre-filters alone)? */
function nothingFound(c: EvalContext, plan: Plan): boolean {
  let f = plan.filter;
  if (f?.detectors !== c.detectors) plan.filter = f = { detectors: c.detectors, re: prefilterOf(c.detectors, plan.classes) };
  const u = f.re;
  if (!u) return false;
  for (const s of (c.strings ??= stringsOf(c.call!))) if (passes(u, s)) return false;
  return true;
}

/** Set while a bucket is being decided: the scratch space above belongs to that decision. */
let busy = false;

/**
 * Decides over one bucket: the same decision as the plain loop + `decisionOf`. A decision started
 * from inside another (a getter of the event's arguments calling `decide`) throws, so that one
 * blocks and the outer decision's matches stay intact.
 */
export function decideBucket(b: Bundle, entries: readonly number[], c: EvalContext, e: SessionEvent): Decision {
  if (busy) throw new Error("decide() called while a decision was being made (from a getter of the event?)");
  busy = true;
  try {
    return decideIn(planOf(b, entries), b, c, e);
  } finally {
    busy = false;
  }
}

function decideIn(plan: Plan, b: Bundle, c: EvalContext, e: SessionEvent): Decision {
  const words = plan.words;
  if (cand.length < words) cand = new Int32Array(words * 2);
  for (let w = 0; w < words; w++) cand[w] = 0; // most buckets hold one or two words: no builtin call
  reachRun(plan, plan.always);
  const dims = plan.dims, shared = plan.shared;
  for (let k = 0; k < dims.length; k++) { const d = dims[k]!; reachDim(plan, d, valueOf(d, c)); }
  if (shared.length > 0) {
    const noNeedle = plan.needles !== undefined && c.call !== undefined && noNeedleIn(c, plan.needles, plan.needlesAscii);
    const noClass = plan.classes.length > 0 && c.call !== undefined && nothingFound(c, plan);
    for (let k = 0; k < shared.length; k++) { const g = shared[k]!; if (!(noNeedle && g.body) && !(noClass && g.data) && g.pred(c)) reachRun(plan, g.run); }
  }
  // The candidates in decision order, each tested once.
  const tests = plan.tests, metas = plan.metas;
  let n = 0, first = -1;
  for (let w = 0; w < words; w++) {
    let bits = cand[w]!;
    while (bits !== 0) {
      const low = bits & -bits;
      bits ^= low;
      const i = (w << 5) + 31 - Math.clz32(low);
      const t = tests[i];
      if (t !== undefined && !t(c)) continue;
      if (n === 0) first = i;
      hits[n++] = metas[i]!;
    }
  }
  const out = frozenDecision(plan.frozen, b, hits, n, first, c.call, e);
  for (let k = 0; k < n; k++) hits[k] = undefined as unknown as Meta;
  return out;
}

const isString = (x: unknown): boolean => typeof x === "string";

/** Marks the items a dimension reaches with the event's value `v`. */
function reachDim(plan: Plan, d: Dim, v: unknown): void {
  if (v === undefined) return;
  switch (d.kind) {
    case "eq": reachRun(plan, d.map.get(v)); break;
    case "has":
      // A string (or an array with a string element) may contain any of the values: all are reached.
      if (typeof v === "string") reachRun(plan, d.all);
      else if (Array.isArray(v)) {
        if (v.some(isString)) reachRun(plan, d.all);
        else for (let i = 0; i < v.length; i++) reachRun(plan, d.map.get(v[i]));
      }
      break;
    case "pre":
      if (typeof v === "string") reachPrefixes(plan, d, v);
      else if (Array.isArray(v)) for (const x of v) if (typeof x === "string") reachPrefixes(plan, d, x);
      break;
    default: {
      if (typeof v !== "number") break;
      const ns = d.nums, at = d.at;
      // The thresholds `v <op> n` holds for: a prefix (`>`, `>=`) or a suffix (`<`, `<=`) of the sorted list.
      if (d.kind === ">") for (let i = 0; i < ns.length && v > ns[i]!; i++) reachRun(plan, at[i]);
      else if (d.kind === ">=") for (let i = 0; i < ns.length && v >= ns[i]!; i++) reachRun(plan, at[i]);
      else if (d.kind === "<") for (let i = ns.length - 1; i >= 0 && v < ns[i]!; i--) reachRun(plan, at[i]);
      else for (let i = ns.length - 1; i >= 0 && v <= ns[i]!; i--) reachRun(plan, at[i]);
    }
  }
}
