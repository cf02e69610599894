/**
 * Evaluates resolved conditions against one call: every kind. The kinds decided by the call and
 * its event alone are compiled by runtime/conditions.ts (re-exported here); this file registers
 * the others there — session history (`session has`, `resource is new`, `rate`, `count`, `sum`,
 * `burst`, `spend`), the clock (`time`), a tool's result (`result …`) and command lines
 * (`command starts with`) — and holds what the session store needs of them (counters, tallies,
 * lookback). Importing it is what makes a runtime full (runtime/enforcer.ts does).
 */
import type { CExpr, TallyScope } from "./types.js";
import type { ResolvedCall } from "./event.js";
import { countKey, toMicros, type CountQuery } from "./store.js";
import { staticEval } from "./static-eval.js";
import { parseTimeSpec, withinWindows, type TimeWindow } from "./time.js";
import { startsWithWords } from "./argv.js";
import { markLabel, seenLabel } from "./seen.js";
import { isTally, readKey, tallyHolds, tallyOf, talliesOf, type RateExpr, type TallySpec } from "./tally.js";
import { resultView, sizeHolds } from "./response.js";
import { callFacts, cmp, compileExpr, holdsAt, leafOf, registerKinds, type EvalContext, type Pred } from "./conditions.js";

export * from "./conditions.js";
export { needsState } from "./language-facts.js";

const own = Object.prototype.hasOwnProperty;

const timeCache = new Map<string, TimeWindow[]>();
function windows(spec: string): TimeWindow[] {
  let w = timeCache.get(spec);
  if (!w) { const p = parseTimeSpec(spec); w = typeof p === "string" ? [] : p; timeCache.set(spec, w); }
  return w;
}

const compiled = new WeakMap<CExpr, Pred>();

/** Evaluates a condition (compiled to a closure once per condition object). */
export function evaluate(e: CExpr, ctx: EvalContext): boolean {
  let p = compiled.get(e);
  if (!p) compiled.set(e, (p = compileExpr(e)));
  return p(ctx);
}

/** `result.<path> …`: the same tests as `arg`, on the result's view (runtime/response.ts). */
function compileResult(e: Extract<CExpr, { k: "result" }>): Pred {
  const leaf = leafOf({ ...e, k: "arg" } as Extract<CExpr, { k: "arg" }>);
  const path = e.path;
  return (c) => !!c.result && holdsAt(resultView(c.result), path, 0, (v) => leaf(v, c));
}

const burstCache = new Map<string, readonly [RateExpr, RateExpr]>();

/** The two tallies (last minute, last hour) of `burst(tenant)` / `burst(integration)`. */
export function burstTallies(scope: TallyScope): readonly [RateExpr, RateExpr] {
  let t = burstCache.get(scope);
  if (!t) {
    t = [{ k: "rate", windowMs: BURST_WINDOW_MS, cmp: ">", n: 0, scope }, { k: "rate", windowMs: BURST_BASELINE_MS, cmp: ">", n: 0, scope }];
    burstCache.set(scope, t);
  }
  return t;
}

/** The tallies a set of conditions reads (`rate` beyond the agent's sliding window, scoped `burst`). */
export function allTallies(e: CExpr, out: TallySpec[] = []): TallySpec[] {
  if (e.k === "and" || e.k === "or") for (const x of e.items) allTallies(x, out);
  else if (e.k === "not") allTallies(e.x, out);
  else if (e.k === "burst" && e.scope) out.push(...burstTallies(e.scope).map(tallyOf));
  else talliesOf(e, out);
  return out;
}

/** `burst` looks at the last minute against the 59 minutes before it. */
export const BURST_WINDOW_MS = 60_000;
export const BURST_BASELINE_MS = 3_600_000;
export const BURST_MIN_CALLS = 10;
export const BURST_FACTOR = 5;

/**
 * `burst`: the agent's calls in the last minute (the current one included) are at least
 * `BURST_MIN_CALLS` and at least `BURST_FACTOR` times its average calls per minute over the 59
 * minutes before that minute.
 */
export function burstRule(lastMinute: number, baselinePerMinute: number): boolean {
  return lastMinute >= BURST_MIN_CALLS && lastMinute >= BURST_FACTOR * baselinePerMinute;
}

/** The counter of every call (`rate` without a filter, `burst`). */
export const ALL = "*";

const counterIds = new WeakMap<CExpr, string>();

/**
 * The counter a `rate` filter counts in: a hash of the filter's JSON, so that every enforcer (and
 * replica) with the same filter uses the same counter. `*` without a filter.
 */
export function counterOf(filter: CExpr | undefined): string {
  if (!filter) return ALL;
  let id = counterIds.get(filter);
  if (id === undefined) {
    const text = JSON.stringify(filter);
    let h1 = 0x811c9dc5, h2 = 0x01000193 ^ text.length;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    }
    id = `f${(h1 >>> 0).toString(36)}${(h2 >>> 0).toString(36)}`;
    counterIds.set(filter, id);
  }
  return id;
}

/** The counters and counts a set of conditions needs: counter → its filter, and the windows to count. */
export function countersOf(e: CExpr, into: { filters: Map<string, CExpr | undefined>; counts: Map<string, CountQuery> }): void {
  switch (e.k) {
    case "and": case "or": for (const x of e.items) countersOf(x, into); return;
    case "not": countersOf(e.x, into); return;
    case "rate": {
      if (isTally(e)) return;
      const c = counterOf(e.filter);
      into.filters.set(c, e.filter);
      into.counts.set(countKey(c, e.windowMs), { counter: c, windowMs: e.windowMs });
      return;
    }
    case "burst":
      if (e.scope) return;
      into.filters.set(ALL, undefined);
      into.counts.set(countKey(ALL, BURST_WINDOW_MS), { counter: ALL, windowMs: BURST_WINDOW_MS });
      into.counts.set(countKey(ALL, BURST_BASELINE_MS), { counter: ALL, windowMs: BURST_BASELINE_MS });
      return;
    default: return;
  }
}

/**
 * The resource a call touches: `integration:value` of the tool's catalog `resource` argument
 * (`owner/value` when a GitHub-style `owner` argument sits beside a bare name); undefined when the
 * tool has no resource key or the argument is missing.
 */
export function resourceKey(call: ResolvedCall): string | undefined {
  if (!call.resource || !own.call(call.args, call.resource)) return undefined;
  const v = call.args[call.resource];
  if (v === undefined || v === null || v === "") return undefined;
  let s = typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v);
  const owner = call.args["owner"];
  if (typeof v === "string" && typeof owner === "string" && owner && !v.includes("/")) s = `${owner}/${v}`;
  return `${call.integration}:${s}`;
}

/** The longest window any condition looks back over. */
export function lookback(e: CExpr): number {
  switch (e.k) {
    case "and": case "or": return Math.max(0, ...e.items.map(lookback));
    case "not": return lookback(e.x);
    case "rate": return isTally(e) ? 0 : e.windowMs;
    case "burst": return e.scope ? 0 : BURST_BASELINE_MS;
    default: return 0;
  }
}

registerKinds({
  command_prefix: (e) => { const ps = e.prefixes; return (c) => { const a = c.call?.argv; return !!a && ps.some((p) => startsWithWords(a, p)); }; },
  session_label: (e) => { const l = e.label; return (c) => !!c.state?.labels.includes(l); },
  session_called: (e) => { const k = e.key; return (c) => !!c.state?.called.includes(k); },
  session_seen: (e) => { const l = seenLabel(e.cls); return (c) => !!c.state?.labels.includes(l); },
  session_mark: (e) => { const l = markLabel(e.mark); return (c) => !!c.state?.labels.includes(l); },
  resource_new: (e) => (c) => !!c.state && !!c.call && resourceKey(c.call) !== undefined && !c.state.resourceSeen,
  rate: (e) => {
    if (isTally(e)) return (c) => !!c.state && !!c.call && tallyHolds(e, c.state, c.call, callFacts(c.call), cmp);
    const key = countKey(counterOf(e.filter), e.windowMs), filter = e.filter, op = e.cmp, n = e.n;
    return (c) => {
      if (!c.state || !c.call) return false;
      // The call being decided counts when it passes the filter.
      const self = !filter || staticEval(filter, callFacts(c.call)) === true ? 1 : 0;
      return cmp(op, (c.state.counts?.[key] ?? 0) + self, n);
    };
  },
  burst: (e) => {
    if (e.scope) {
      const [m, h] = burstTallies(e.scope).map((x) => readKey(tallyOf(x))) as [string, string];
      return (c) => {
        if (!c.state) return false;
        const recent = (c.state.tallies?.[m] ?? 0) + 1;
        const base = (c.state.tallies?.[h] ?? 0) - recent + 1;
        return burstRule(recent, base / ((BURST_BASELINE_MS - BURST_WINDOW_MS) / BURST_WINDOW_MS));
      };
    }
    const minute = countKey(ALL, BURST_WINDOW_MS), hour = countKey(ALL, BURST_BASELINE_MS);
    return (c) => {
      if (!c.state) return false;
      const k = c.state.counts;
      const recent = (k?.[minute] ?? 0) + 1;
      const base = (k?.[hour] ?? 0) - recent + 1;
      return burstRule(recent, base / ((BURST_BASELINE_MS - BURST_WINDOW_MS) / BURST_WINDOW_MS));
    };
  },
  spend: (e) => { const op = e.cmp, cur = e.currency, amount = toMicros(e.amount); return (c) => !!c.state && cmp(op, c.state.spend[cur] ?? 0, amount); },
  time: (e) => { const w = windows(e.spec), tz = e.tz; return (c) => withinWindows(w, c.now, tz); },
  result: (e) => compileResult(e),
  result_size: (e) => { const op = e.cmp, n = e.bytes, holds = (size: number) => cmp(op, size, n); return (c) => !!c.result && sizeHolds(c.result, holds); },
  result_error: (e) => (c) => !!c.result && c.result.isError,
});
