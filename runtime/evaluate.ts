/**
 * Evaluates resolved conditions against one call. Content (strings, data classes) is computed
 * lazily and at most once per decision.
 */
import type { Bundle, CExpr, Cmp } from "./types.js";
import type { ResolvedCall } from "./event.js";
import { countKey, toMicros, type CountQuery, type StateSnapshot } from "./store.js";
import { cachedRegex, staticEval, toolReviewOf, type ToolFacts } from "./static-eval.js";
import { hasClass, type Detector } from "./detectors.js";
import { parseTimeSpec, withinWindows, type TimeWindow } from "./time.js";
import { principalExternal } from "./principal.js";
import { argsProblem } from "./limits.js";
import { argUserHolds, userFieldHolds, userTester } from "./user.js";
import type { UserInfo } from "./types.js";
import { canonicalPath, pathUnder, type PathContext } from "./canonical-path.js";
import { urlPart } from "./canonical-url.js";
import { startsWithWords } from "./argv.js";
import { markLabel, seenLabel } from "./seen.js";
import { isTally, readKey, tallyHolds, tallyOf, talliesOf, type RateExpr, type TallySpec } from "./tally.js";
import type { TallyScope } from "./types.js";
import { resultSize, resultView, type ResultFacts } from "./response.js";
import { PATH_STEPS } from "./language-facts.js";

export { needsState } from "./language-facts.js";

const own = Object.prototype.hasOwnProperty;

export interface EvalContext {
  readonly bundle: Bundle;
  readonly call: ResolvedCall | undefined;
  readonly agentName: string | undefined;
  readonly review: string | undefined;
  /** The event says the tool's live definition differs from the pinned one (`call.definition_changed`). */
  readonly toolChanged?: boolean;
  /** The event's user (the person behind the agent), when it has one. */
  readonly user?: UserInfo | undefined;
  readonly detectors: readonly Detector[];
  /** The event time (clamped to the session's last time when the store was consulted). */
  readonly now: number;
  readonly state: StateSnapshot | undefined;
  /** The event's tenant (for policy scopes on the fast path). */
  readonly tenant?: string | undefined;
  /** The call's root and home folders (`call.root`, `call.home`), for `under`. */
  readonly paths?: PathContext | undefined;
  /** Lazily filled caches. */
  strings?: string[];
  /** Every string, lower-cased, joined by U+0000 (a needle without U+0000 matches inside one string only). */
  lower?: string;
  /** The fast path's cache of data classes: scanned, and found among them. */
  scanned?: string[];
  found?: string[];
  principal?: boolean;
  /** `when tool_response`: the result (`result.…` conditions); `strings` then holds its text. */
  readonly result?: ResultFacts | undefined;
}

/**
 * Every string in the arguments (own properties only, in the order the event check walks them), or
 * the command line. The enforcer collects them during its event check; this is for the other
 * callers, with the same walk (`argsProblem`: within the limits every string is collected).
 */
export function stringsOf(call: ResolvedCall): string[] {
  if (call.argv) return [(call.rawArgv ?? call.argv).join(" ")];
  const out: string[] = [];
  argsProblem(call.args, out);
  return out;
}

/** `[3]` → 3, `[*]` → -1, `[all]` → -2, a key → undefined. */
function indexStep(p: string): number | undefined {
  if (p.charCodeAt(0) !== 91 /* [ */) return undefined;
  if (p === PATH_STEPS.any) return -1;
  if (p === PATH_STEPS.all) return -2;
  return /^\[\d+\]$/.test(p) ? Number(p.slice(1, -1)) : undefined;
}

/** Does the path step into the elements of an array somewhere (`[*]` any, `[all]` every)? */
export const isWildPath = (path: readonly string[]): boolean => path.includes(PATH_STEPS.any) || path.includes(PATH_STEPS.all);

/** The value at an argument path without `[*]` (undefined when absent; `[n]` steps only into arrays). */
export function argAt(args: unknown, path: readonly string[]): unknown {
  let v: unknown = args;
  for (const p of path) {
    const ix = indexStep(p);
    if (ix !== undefined) {
      if (!Array.isArray(v) || ix < 0 || ix >= v.length) return undefined;
      v = v[ix];
      continue;
    }
    if (typeof v !== "object" || v === null || Array.isArray(v) || !own.call(v, p)) return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

/**
 * Does `leaf` hold at the argument path from step `i`? `[*]`: for some element of the array;
 * `[all]`: for every element (an empty array included; not when it is no array); `[n]`: for that
 * element; a key: for that property. An absent value never holds.
 */
export function holdsAt(v: unknown, path: readonly string[], i: number, leaf: (x: unknown) => boolean): boolean {
  if (i === path.length) return v !== undefined && leaf(v);
  const p = path[i]!;
  const ix = indexStep(p);
  if (ix === undefined) return typeof v === "object" && v !== null && !Array.isArray(v) && own.call(v, p) && holdsAt((v as Record<string, unknown>)[p], path, i + 1, leaf);
  if (!Array.isArray(v)) return false;
  if (ix === -1) { for (const x of v) if (holdsAt(x, path, i + 1, leaf)) return true; return false; }
  if (ix === -2) { for (const x of v) if (!holdsAt(x, path, i + 1, leaf)) return false; return true; }
  return ix < v.length && holdsAt(v[ix], path, i + 1, leaf);
}

export function cmp(op: Cmp, a: number, b: number): boolean {
  return op === ">" ? a > b : op === "<" ? a < b : op === ">=" ? a >= b : a <= b;
}

const timeCache = new Map<string, TimeWindow[]>();
function windows(spec: string): TimeWindow[] {
  let w = timeCache.get(spec);
  if (!w) { const p = parseTimeSpec(spec); w = typeof p === "string" ? [] : p; timeCache.set(spec, w); }
  return w;
}

/** A resolved call's tool facts, for `staticEval`. */
export function callFacts(call: ResolvedCall): ToolFacts {
  return { integration: call.integration, name: call.name, operation: call.operation, labels: call.labels, method: call.method, category: call.category, verbs: call.verbs };
}

/** Every string of the call, lower-cased and joined by U+0000, once per decision. */
export function lowerText(c: EvalContext, strings: readonly string[]): string {
  return (c.lower ??= strings.map((s) => s.toLowerCase()).join("\u0000"));
}

/** A compiled condition. */
export type Pred = (c: EvalContext) => boolean;
const T: Pred = () => true;
const F: Pred = () => false;
/** The condition that always holds (what `allOf([])` returns; the fast path skips testing it). */
export { T as ALWAYS };

const compiled = new WeakMap<CExpr, Pred>();

/** Evaluates a condition (compiled to a closure once per condition object). */
export function evaluate(e: CExpr, ctx: EvalContext): boolean {
  let p = compiled.get(e);
  if (!p) compiled.set(e, (p = compileExpr(e)));
  return p(ctx);
}

function argGetter(path: readonly string[]): (a: Record<string, unknown>) => unknown {
  if (path.length === 1 && indexStep(path[0]!) === undefined) {
    const k = path[0]!;
    return (a) => (own.call(a, k) ? a[k] : undefined);
  }
  return (a) => argAt(a, path);
}

/** A test of one argument value. */
type Leaf = (v: unknown, c: EvalContext) => boolean;

/** A condition on the argument at `path`: the leaf holds for its value, or for any (`[*]`) or every (`[all]`) element. */
function onArg(path: readonly string[], leaf: Leaf): Pred {
  if (!isWildPath(path)) {
    const get = argGetter(path);
    return (c) => !!c.call && leaf(get(c.call.args), c);
  }
  return (c) => !!c.call && holdsAt(c.call.args, path, 0, (v) => leaf(v, c));
}

/** `result.<path> …`: the same tests as `arg`, on the result's view (runtime/response.ts). */
function compileResult(e: Extract<CExpr, { k: "result" }>): Pred {
  const leaf = leafOf({ ...e, k: "arg" } as Extract<CExpr, { k: "arg" }>);
  const path = e.path;
  return (c) => !!c.result && holdsAt(resultView(c.result), path, 0, (v) => leaf(v, c));
}

/** On an array of strings, `matches` and the URL and path tests hold when any element does (SPEC §5, second round). */
function anyString(v: unknown, test: (s: string) => boolean): boolean {
  if (typeof v === "string") return test(v);
  if (!Array.isArray(v)) return false;
  for (const x of v) if (typeof x === "string" && test(x)) return true;
  return false;
}

/** `contains`: a substring of a string, or of any string element of an array; other elements by equality. */
export function containsValue(v: unknown, x: unknown): boolean {
  if (typeof v === "string") return typeof x === "string" && v.includes(x);
  if (!Array.isArray(v)) return false;
  for (const y of v) if (typeof y === "string" ? typeof x === "string" && y.includes(x) : y === x) return true;
  return false;
}

/** The test of one value an `arg` condition makes (shared with `result` conditions). */
function leafOf(e: Extract<CExpr, { k: "arg" }>): Leaf {
  switch (e.op) {
    case "exists": return (v) => v !== undefined;
    case "eq": { const x = e.value; return (v) => v === x; }
    case "in": { const xs = e.values; return (v) => v !== undefined && xs.includes(v); }
    case "matches": { const re = cachedRegex(e.re); return (v) => anyString(v, (s) => re.test(s)); }
    case "contains": { const x = e.value; return (v) => containsValue(v, x); }
    default: { const op = e.op, n = e.n; return (v) => typeof v === "number" && cmp(op, v, n); }
  }
}

function compileArg(e: Extract<CExpr, { k: "arg" }>): Pred {
  return onArg(e.path, leafOf(e));
}

function compileUrl(e: Extract<CExpr, { k: "url" }>): Pred {
  const part = e.part;
  let test: (p: string) => boolean;
  if (e.op === "eq") { const x = e.value; test = (p) => p === x; }
  else if (e.op === "in") { const xs = e.values; test = (p) => xs.includes(p); }
  else { const re = cachedRegex(e.re); test = (p) => re.test(p); }
  return onArg(e.path, (v) => anyString(v, (s) => { const p = urlPart(s, part); return p !== undefined && test(p); }));
}

/** The anchor of `under` in the call's context, canonical (cached per root and home). */
function compileUnder(e: Extract<CExpr, { k: "under" }>): Pred {
  const anchors = new Map<string, string | null>();
  const anchorIn = (ctx: PathContext): string | null => {
    const key = `${ctx.root ?? ""}\u0000${ctx.home ?? ""}`;
    let a = anchors.get(key);
    if (a === undefined) {
      const r = canonicalPath(e.anchor, ctx);
      a = "path" in r ? r.path : null;
      if (anchors.size > 100) anchors.clear();
      anchors.set(key, a);
    }
    return a;
  };
  return onArg(e.path, (v, c) => {
    const ctx = c.paths ?? {};
    const a = anchorIn(ctx);
    return a !== null && anyString(v, (s) => { const p = canonicalPath(s, ctx); return "path" in p && pathUnder(p.path, a, ctx); });
  });
}

/** The conjunction of compiled conditions (true when there are none). */
export function allOf(xs: readonly Pred[]): Pred {
  if (xs.length === 0) return T;
  if (xs.length === 1) return xs[0]!;
  if (xs.length === 2) { const [a, b] = xs as [Pred, Pred]; return (c) => a(c) && b(c); }
  return (c) => { for (const x of xs) if (!x(c)) return false; return true; };
}

/** A condition as a closure: every kind, with what does not change between calls precomputed. */
export function compileExpr(e: CExpr): Pred {
  switch (e.k) {
    case "true": return T;
    case "false": return F;
    case "and": return allOf(e.items.map(compileExpr));
    case "or": {
      const xs = e.items.map(compileExpr);
      if (xs.length === 0) return F;
      if (xs.length === 1) return xs[0]!;
      if (xs.length === 2) { const [a, b] = xs as [Pred, Pred]; return (c) => a(c) || b(c); }
      return (c) => { for (const x of xs) if (x(c)) return true; return false; };
    }
    case "not": { const x = compileExpr(e.x); return (c) => !x(c); }
    case "integration": { const ids = e.ids; return (c) => !!c.call && ids.includes(c.call.integration); }
    case "tool": { const keys = e.keys; return (c) => !!c.call && keys.includes(c.call.key); }
    case "tool_glob": { const re = cachedRegex(e.re), dotted = e.dotted; return (c) => !!c.call && re.test(dotted ? c.call.key : c.call.name); }
    case "label": { const l = e.label; return (c) => !!c.call && c.call.labels.includes(l); }
    case "operation": { const ops = e.ops; return (c) => !!c.call && ops.includes(c.call.operation); }
    case "method": case "category": case "verb": return (c) => !!c.call && staticEval(e, callFacts(c.call)) === true;
    case "agent": {
      if (e.names.length === 1) { const n = e.names[0]; return (c) => c.agentName === n; }
      const names = e.names;
      return (c) => c.agentName !== undefined && names.includes(c.agentName);
    }
    case "review": { const vs = e.values; return (c) => vs.includes(c.review ?? "Unreviewed"); }
    case "tool_review": { const vs = e.values; return (c) => !!c.call && vs.includes(toolReviewOf(c.bundle.tool_reviews, c.call.key, c.call.known, c.toolChanged === true)); }
    case "call_type": { const vs = e.values; return (c) => !!c.call && vs.includes(c.call.callType); }
    case "arg": return compileArg(e);
    case "url": return compileUrl(e);
    case "under": return compileUnder(e);
    case "body": {
      const needles = e.needles;
      const any = e.mode === "any";
      // A needle holding U+0000 could match across two strings of the joined text: checked per string.
      const joinable = needles.every((n) => !n.includes("\u0000"));
      return (c) => {
        if (!c.call && !c.strings) return false;
        const strings = (c.strings ??= stringsOf(c.call!));
        const text = joinable ? lowerText(c, strings) : undefined;
        for (const n of needles) {
          const has = text !== undefined ? text.includes(n) : strings.some((s) => s.toLowerCase().includes(n));
          if (has === any) return any;
        }
        return !any;
      };
    }
    case "data_class": {
      const classes = e.classes;
      return (c) => {
        if (!c.call && !c.strings) return false;
        // Each class is scanned at most once per decision.
        const scanned = (c.scanned ??= []);
        const found = (c.found ??= []);
        for (const k of classes) {
          if (!scanned.includes(k)) {
            scanned.push(k);
            if (hasClass(c.detectors, (c.strings ??= stringsOf(c.call!)), k)) found.push(k);
          }
          if (found.includes(k)) return true;
        }
        return false;
      };
    }
    case "command_prefix": { const ps = e.prefixes; return (c) => { const a = c.call?.argv; return !!a && ps.some((p) => startsWithWords(a, p)); }; }
    case "session_label": { const l = e.label; return (c) => !!c.state?.labels.includes(l); }
    case "session_called": { const k = e.key; return (c) => !!c.state?.called.includes(k); }
    case "session_seen": { const l = seenLabel(e.cls); return (c) => !!c.state?.labels.includes(l); }
    case "session_mark": { const l = markLabel(e.mark); return (c) => !!c.state?.labels.includes(l); }
    case "principal_external": return (c) => (c.principal ??= principalExternal(c.bundle, c.call));
    case "resource_new": return (c) => !!c.state && !!c.call && resourceKey(c.call) !== undefined && !c.state.resourceSeen;
    case "rate": {
      if (isTally(e)) return (c) => !!c.state && !!c.call && tallyHolds(e, c.state, c.call, callFacts(c.call), cmp);
      const key = countKey(counterOf(e.filter), e.windowMs), filter = e.filter, op = e.cmp, n = e.n;
      return (c) => {
        if (!c.state || !c.call) return false;
        // The call being decided counts when it passes the filter.
        const self = !filter || staticEval(filter, callFacts(c.call)) === true ? 1 : 0;
        return cmp(op, (c.state.counts?.[key] ?? 0) + self, n);
      };
    }
    case "burst": {
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
    }
    case "spend": { const op = e.cmp, cur = e.currency, amount = toMicros(e.amount); return (c) => !!c.state && cmp(op, c.state.spend[cur] ?? 0, amount); }
    case "time": { const w = windows(e.spec), tz = e.tz; return (c) => withinWindows(w, c.now, tz); }
    case "user": { const path = e.path, t = userTester(e); return (c) => userFieldHolds(c.user, path, t); }
    case "result": return compileResult(e);
    case "result_size": { const op = e.cmp, n = e.bytes; return (c) => !!c.result && cmp(op, resultSize(c.result), n); }
    case "result_error": return (c) => !!c.result && c.result.isError;
    case "arg_user": { const path = e.user, op = e.op; return onArg(e.path, (v, c) => argUserHolds(v, c.user, path, op)); }
    default: return F;
  }
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
