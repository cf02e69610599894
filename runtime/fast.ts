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
import { evaluate, stringsOf, type EvalContext } from "./evaluate.js";
import { hasClass } from "./detectors.js";
import { cachedRegex } from "./static-eval.js";
import { decisionOf } from "./enforcer.js";

type Pred = (c: EvalContext, e: SessionEvent) => boolean;

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
const T: Pred = () => true;
const F: Pred = () => false;

function argGetter(path: readonly string[]): (a: Record<string, unknown>) => unknown {
  if (path.length === 1) {
    const k = path[0]!;
    return (a) => (own.call(a, k) ? a[k] : undefined);
  }
  return (a) => {
    let v: unknown = a;
    for (const k of path) {
      if (typeof v !== "object" || v === null || !own.call(v, k)) return undefined;
      v = (v as Record<string, unknown>)[k];
    }
    return v;
  };
}

/** A condition as a closure; kinds without a specialised form fall back to `evaluate`. */
function compile(e: CExpr): Pred {
  switch (e.k) {
    case "true": return T;
    case "false": return F;
    case "and": {
      const xs = e.items.map(compile);
      if (xs.length === 0) return T;
      if (xs.length === 1) return xs[0]!;
      if (xs.length === 2) { const [a, b] = xs as [Pred, Pred]; return (c, v) => a(c, v) && b(c, v); }
      return (c, v) => { for (const x of xs) if (!x(c, v)) return false; return true; };
    }
    case "or": {
      const xs = e.items.map(compile);
      if (xs.length === 0) return F;
      if (xs.length === 1) return xs[0]!;
      if (xs.length === 2) { const [a, b] = xs as [Pred, Pred]; return (c, v) => a(c, v) || b(c, v); }
      return (c, v) => { for (const x of xs) if (x(c, v)) return true; return false; };
    }
    case "not": { const x = compile(e.x); return (c, v) => !x(c, v); }
    case "integration": { const ids = e.ids; return (c) => !!c.call && ids.includes(c.call.integration); }
    case "tool": { const keys = e.keys; return (c) => !!c.call && keys.includes(c.call.key); }
    case "operation": { const ops = e.ops; return (c) => !!c.call && ops.includes(c.call.operation); }
    case "agent": {
      if (e.names.length === 1) { const n = e.names[0]; return (c) => c.agentName === n; }
      const names = e.names;
      return (c) => c.agentName !== undefined && names.includes(c.agentName);
    }
    case "review": { const vs = e.values; return (c) => c.review !== undefined && vs.includes(c.review); }
    case "call_type": { const vs = e.values; return (c) => !!c.call && vs.includes(c.call.callType); }
    case "arg": {
      const get = argGetter(e.path);
      switch (e.op) {
        case "exists": return (c) => !!c.call && get(c.call.args) !== undefined;
        case "eq": { const x = e.value; return (c) => !!c.call && get(c.call.args) === x; }
        case "in": { const xs = e.values; return (c) => { if (!c.call) return false; const v = get(c.call.args); for (const x of xs) if (x === v) return true; return false; }; }
        case "matches": { const re = cachedRegex(e.re); return (c) => { if (!c.call) return false; const v = get(c.call.args); return typeof v === "string" && re.test(v); }; }
        case ">": { const n = e.n; return (c) => { if (!c.call) return false; const v = get(c.call.args); return typeof v === "number" && v > n; }; }
        case ">=": { const n = e.n; return (c) => { if (!c.call) return false; const v = get(c.call.args); return typeof v === "number" && v >= n; }; }
        case "<": { const n = e.n; return (c) => { if (!c.call) return false; const v = get(c.call.args); return typeof v === "number" && v < n; }; }
        case "<=": { const n = e.n; return (c) => { if (!c.call) return false; const v = get(c.call.args); return typeof v === "number" && v <= n; }; }
        default: return (c) => evaluate(e, c);
      }
    }
    case "body": {
      const needles = e.needles;
      const any = e.mode === "any";
      return (c) => {
        if (!c.call) return false;
        const low = (c.lower ??= (c.strings ??= stringsOf(c.call)).map((s) => s.toLowerCase()));
        for (const n of needles) {
          let has = false;
          for (const s of low) if (s.includes(n)) { has = true; break; }
          if (has === any) return any;
        }
        return !any;
      };
    }
    case "data_class": {
      const classes = e.classes;
      return (c) => {
        if (!c.call) return false;
        // Each class is scanned at most once per decision.
        const scanned = (c.scanned ??= []);
        const found = (c.found ??= []);
        for (const k of classes) {
          if (!scanned.includes(k)) {
            scanned.push(k);
            if (hasClass(c.detectors, (c.strings ??= stringsOf(c.call)), k)) found.push(k);
          }
          if (found.includes(k)) return true;
        }
        return false;
      };
    }
    default: return (c) => evaluate(e, c);
  }
}

function scopePred(p: BundlePolicy): Pred | undefined {
  const s = p.scope;
  if (s[0] === "platform" || s.length === 1) return undefined;
  const v = s[1];
  return s[0] === "tenant" ? (_c, e) => e.tenant === v : (_c, e) => e.agent?.name === v;
}

/** The test of a policy: scope and residual lines (`full`: every line), cached per policy. */
const tests = new WeakMap<BundlePolicy, [Pred | undefined, Pred | undefined]>();

function testOf(p: BundlePolicy, full: boolean): Pred {
  let t = tests.get(p);
  if (!t) tests.set(p, (t = [undefined, undefined]));
  const i = full ? 1 : 0;
  let test = t[i];
  if (test) return test;
  const preds = (full ? p.ifs.map((x) => x.expr) : p.residual.map((n) => p.ifs[n]!.expr)).map(compile);
  const sc = scopePred(p);
  if (sc) preds.unshift(sc);
  test = preds.length === 0 ? T : preds.length === 1 ? preds[0]! : preds.length === 2 ? ((a: Pred, b: Pred): Pred => (c, e) => a(c, e) && b(c, e))(preds[0]!, preds[1]!) : (c: EvalContext, e: SessionEvent) => { for (const x of preds) if (!x(c, e)) return false; return true; };
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
    for (const it of g.free) if (it.test(c, e)) hit.push(it.p);
  } else {
    // Tests may not run a decision (nothing they call does), so the shared lists stay intact.
    const n = candidates(g, c, e);
    for (let it = next(n); it; it = next(n)) if (it.test(c, e)) hit.push(it.p);
  }
  return decisionOf(b, hit, c.call, e);
}
