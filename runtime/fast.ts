/**
 * The decision fast path over one bucket of the decision tables (the entries `run` selected for
 * the call). Per bucket, built once and cached by the bucket's identity:
 * - every entry's remaining conditions (scope, residual or full `if` lines) compiled to one
 *   closure (cached per policy, so buckets share them);
 * - a second-level index on the most selective equality of each policy (an `args.x is/in`
 *   literal, the agent, the tenant of its scope), so that a decision looks only at the policies
 *   that can match this agent / tenant / argument value: the candidates.
 * A decision tests the candidates in decision order and hands every match to `decisionOf`
 * (SPEC §5), with no other allocation than the match list and the decision itself.
 * INVARIANT: decides exactly as the plain loop over the bucket followed by `decisionOf`.
 */
import type { Bundle, BundlePolicy, CExpr, Decision, SessionEvent } from "./types.js";
import { compileExpr, type EvalContext, type Pred } from "./evaluate.js";
import { decisionOf } from "./enforcer.js";

interface Item {
  /** Position in the bucket (= decision order). */
  readonly ord: number;
  readonly p: BundlePolicy;
  readonly test: Pred;
}

interface Group {
  readonly free: Item[];
  readonly agent: Map<string, Item[]>;
  readonly tenant: Map<string, Item[]>;
  readonly args: { readonly key: string; readonly map: Map<unknown, Item[]> }[];
}

const own = Object.prototype.hasOwnProperty;
/** The test of a policy: scope and residual lines (`full`: every line), cached per policy. */
const tests = new WeakMap<BundlePolicy, [Pred | undefined, Pred | undefined]>();

function testOf(p: BundlePolicy, full: boolean): Pred {
  let t = tests.get(p);
  if (!t) tests.set(p, (t = [undefined, undefined]));
  const i = full ? 1 : 0;
  let test = t[i];
  if (test) return test;
  const preds = (full ? p.ifs.map((x) => x.expr) : p.residual.map((n) => p.ifs[n]!.expr)).map(compileExpr);
  const s = p.scope;
  if (s[0] !== "platform" && s.length > 1) {
    const v = s[1];
    preds.unshift(s[0] === "tenant" ? (c) => c.tenant === v : (c) => c.agentName === v);
  }
  test = preds.length === 0 ? () => true : preds.length === 1 ? preds[0]! : preds.length === 2 ? ((a: Pred, b: Pred): Pred => (c) => a(c) && b(c))(preds[0]!, preds[1]!) : (c: EvalContext) => { for (const x of preds) if (!x(c)) return false; return true; };
  return (t[i] = test);
}

type Key = { kind: "agent" | "tenant"; values: readonly string[] } | { kind: "arg"; key: string; values: readonly unknown[] };

/** The equality a policy cannot match without (the most selective one), if any. */
function keyOf(p: BundlePolicy, full: boolean): Key | undefined {
  const lines = full ? p.ifs.map((i) => i.expr) : p.residual.map((n) => p.ifs[n]!.expr);
  const top: CExpr[] = [];
  const flat = (e: CExpr) => { if (e.k === "and") e.items.forEach(flat); else top.push(e); };
  lines.forEach(flat);
  const prim = (v: unknown) => typeof v === "string" || typeof v === "number" || typeof v === "boolean";
  for (const e of top) {
    if (e.k === "arg" && e.path.length === 1 && e.op === "eq" && prim(e.value)) return { kind: "arg", key: e.path[0]!, values: [e.value] };
    if (e.k === "arg" && e.path.length === 1 && e.op === "in" && e.values.length > 0 && e.values.every(prim)) return { kind: "arg", key: e.path[0]!, values: e.values };
  }
  for (const e of top) if (e.k === "agent" && e.names.length > 0) return { kind: "agent", values: e.names };
  if (p.scope[0] === "agent" && p.scope.length > 1) return { kind: "agent", values: [p.scope[1]!] };
  if (p.scope[0] === "tenant" && p.scope.length > 1) return { kind: "tenant", values: [p.scope[1]!] };
  return undefined;
}

function group(items: readonly { item: Item; key: Key | undefined }[]): Group {
  const g: Group = { free: [], agent: new Map(), tenant: new Map(), args: [] };
  const push = <K>(m: Map<K, Item[]>, k: K, it: Item) => { const l = m.get(k); if (l) l.push(it); else m.set(k, [it]); };
  for (const { item, key } of items) {
    if (!key) { g.free.push(item); continue; }
    if (key.kind === "arg") {
      let d = g.args.find((x) => x.key === key.key);
      if (!d) g.args.push((d = { key: key.key, map: new Map() }));
      for (const v of new Set(key.values)) push(d.map, v, item);
    } else for (const v of new Set(key.values)) push(key.kind === "agent" ? g.agent : g.tenant, v, item);
  }
  return g;
}

const plans = new WeakMap<readonly number[], Group>();

function planOf(b: Bundle, entries: readonly number[]): Group {
  let plan = plans.get(entries);
  if (plan) return plan;
  plan = group(entries.map((entry, ord) => {
    const p = b.policies[entry >> 1]!;
    const full = (entry & 1) === 1;
    return { item: { ord, p, test: testOf(p, full) }, key: keyOf(p, full) };
  }));
  plans.set(entries, plan);
  return plan;
}

// The candidate lists of one event (reused: a decision runs to its end without yielding).
const lists: (readonly Item[])[] = [];
const pos: number[] = [];

function candidates(g: Group, c: EvalContext, e: SessionEvent): number {
  let n = 0;
  if (g.free.length) lists[n++] = g.free;
  if (g.agent.size && c.agentName !== undefined) { const l = g.agent.get(c.agentName); if (l) lists[n++] = l; }
  if (g.tenant.size && e.tenant !== undefined) { const l = g.tenant.get(e.tenant); if (l) lists[n++] = l; }
  if (g.args.length && c.call) {
    const a = c.call.args;
    for (const d of g.args) {
      if (!own.call(a, d.key)) continue;
      const l = d.map.get(a[d.key]);
      if (l) lists[n++] = l;
    }
  }
  for (let i = 0; i < n; i++) pos[i] = 0;
  return n;
}

/** The next candidate in decision order (k-way merge of the lists), or undefined. */
function next(n: number): Item | undefined {
  let best = -1;
  let item: Item | undefined;
  for (let i = 0; i < n; i++) {
    const l = lists[i]!;
    const j = pos[i]!;
    if (j < l.length && (item === undefined || l[j]!.ord < item.ord)) { item = l[j]; best = i; }
  }
  if (best >= 0) pos[best]!++;
  return item;
}

/** Decides over one bucket: the same decision as the plain loop + `decisionOf`. */
export function decideBucket(b: Bundle, entries: readonly number[], c: EvalContext, e: SessionEvent): Decision {
  const g = planOf(b, entries);
  const hit: BundlePolicy[] = [];
  if (g.free.length === entries.length) {
    // Nothing keyed: the bucket in order.
    for (const it of g.free) if (it.test(c)) hit.push(it.p);
  } else {
    // Tests may not run a decision (nothing they call does), so the shared lists stay intact.
    const n = candidates(g, c, e);
    for (let it = next(n); it; it = next(n)) if (it.test(c)) hit.push(it.p);
  }
  return decisionOf(b, hit, c.call, e);
}
