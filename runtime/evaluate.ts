/**
 * Evaluates resolved conditions against one call. Content (strings, data classes) is computed
 * lazily and at most once per decision.
 */
import type { Bundle, CExpr, Cmp } from "./types.js";
import type { ResolvedCall } from "./event.js";
import { countKey, type CountQuery, type StateSnapshot } from "./store.js";
import { cachedRegex, staticEval, type ToolFacts } from "./static-eval.js";
import { classesIn, type Detector } from "./detectors.js";
import { parseTimeSpec, withinWindows, type TimeWindow } from "./time.js";
import { principalExternal } from "./principal.js";
import { toMicros } from "./store.js";

const own = Object.prototype.hasOwnProperty;
const MAX_DEPTH = 32;
const MAX_STRINGS = 10_000;

export interface EvalContext {
  readonly bundle: Bundle;
  readonly call: ResolvedCall | undefined;
  readonly agentName: string | undefined;
  readonly review: string | undefined;
  readonly detectors: readonly Detector[];
  /** The event time (clamped to the session's last time when the store was consulted). */
  readonly now: number;
  readonly state: StateSnapshot | undefined;
  /** Lazily filled caches. */
  strings?: string[];
  lower?: string[];
  classes?: Map<string, boolean>;
  /** The fast path's cache of data classes: scanned, and found among them. */
  scanned?: string[];
  found?: string[];
  principal?: boolean;
}

/** Every string in the arguments (own properties only, bounded), or the command line. */
export function stringsOf(call: ResolvedCall): string[] {
  if (call.argv) return [call.argv.join(" ")];
  const out: string[] = [];
  const walk = (v: unknown, d: number) => {
    if (out.length >= MAX_STRINGS || d > MAX_DEPTH) return;
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) for (const x of v) walk(x, d + 1);
    else if (typeof v === "object" && v !== null) for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k], d + 1);
  };
  walk(call.args, 0);
  return out;
}

export function argAt(args: unknown, path: readonly string[]): unknown {
  let v: unknown = args;
  for (const p of path) {
    if (typeof v !== "object" || v === null || !own.call(v, p)) return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
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

function facts(call: ResolvedCall): ToolFacts {
  return { integration: call.integration, name: call.name, operation: call.operation, labels: call.labels, method: call.method, category: call.category, verbs: call.verbs };
}

export function evaluate(e: CExpr, ctx: EvalContext): boolean {
  switch (e.k) {
    case "true": return true;
    case "false": return false;
    case "and": for (const x of e.items) if (!evaluate(x, ctx)) return false; return true;
    case "or": for (const x of e.items) if (evaluate(x, ctx)) return true; return false;
    case "not": return !evaluate(e.x, ctx);
    case "integration": return !!ctx.call && e.ids.includes(ctx.call.integration);
    case "tool": return !!ctx.call && e.keys.includes(ctx.call.key);
    case "tool_glob": return !!ctx.call && cachedRegex(e.re).test(e.dotted ? ctx.call.key : ctx.call.name);
    case "label": return !!ctx.call && ctx.call.labels.includes(e.label);
    case "operation": return !!ctx.call && e.ops.includes(ctx.call.operation);
    case "method": case "category": case "verb": return !!ctx.call && staticEval(e, facts(ctx.call)) === true;
    case "agent": return ctx.agentName !== undefined && e.names.includes(ctx.agentName);
    case "review": return ctx.review !== undefined && e.values.includes(ctx.review);
    case "call_type": return !!ctx.call && e.values.includes(ctx.call.callType);
    case "arg": {
      if (!ctx.call) return false;
      const v = argAt(ctx.call.args, e.path);
      switch (e.op) {
        case "exists": return v !== undefined;
        case "eq": return v === e.value;
        case "in": return e.values.some((x) => x === v);
        case "matches": return typeof v === "string" && cachedRegex(e.re).test(v);
        case "contains": return typeof v === "string" ? typeof e.value === "string" && v.includes(e.value) : Array.isArray(v) && v.some((x) => x === e.value);
        default: return typeof v === "number" && cmp(e.op, v, e.n);
      }
    }
    case "body": {
      if (!ctx.call) return false;
      const low = (ctx.lower ??= (ctx.strings ??= stringsOf(ctx.call)).map((s) => s.toLowerCase()));
      const has = (n: string) => low.some((s) => s.includes(n));
      return e.mode === "any" ? e.needles.some(has) : e.needles.every(has);
    }
    case "data_class": {
      if (!ctx.call) return false;
      const cache = (ctx.classes ??= new Map());
      const todo = e.classes.filter((c) => !cache.has(c));
      if (todo.length) {
        const found = classesIn(ctx.detectors, (ctx.strings ??= stringsOf(ctx.call)), new Set(todo));
        for (const c of todo) cache.set(c, found.has(c));
      }
      return e.classes.some((c) => cache.get(c));
    }
    case "session_label": return !!ctx.state?.labels.includes(e.label);
    case "session_called": return !!ctx.state?.called.includes(e.key);
    case "principal_external": return (ctx.principal ??= principalExternal(ctx.bundle, ctx.call));
    case "resource_new": return !!ctx.state && !!ctx.call && resourceKey(ctx.call) !== undefined && !ctx.state.resourceSeen;
    case "rate": {
      if (!ctx.state || !ctx.call) return false;
      const counter = counterOf(e.filter);
      // The call being decided counts when it passes the filter.
      const self = !e.filter || staticEval(e.filter, facts(ctx.call)) === true ? 1 : 0;
      return cmp(e.cmp, (ctx.state.counts?.[countKey(counter, e.windowMs)] ?? 0) + self, e.n);
    }
    case "burst": {
      if (!ctx.state) return false;
      const c = ctx.state.counts;
      const recent = (c?.[countKey(ALL, BURST_WINDOW_MS)] ?? 0) + 1;
      const base = (c?.[countKey(ALL, BURST_BASELINE_MS)] ?? 0) - recent + 1;
      return burstRule(recent, base / ((BURST_BASELINE_MS - BURST_WINDOW_MS) / BURST_WINDOW_MS));
    }
    case "spend": return !!ctx.state && cmp(e.cmp, ctx.state.spend[e.currency] ?? 0, toMicros(e.amount));
    case "time": return withinWindows(windows(e.spec), ctx.now, e.tz);
    default: return false;
  }
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
      const c = counterOf(e.filter);
      into.filters.set(c, e.filter);
      into.counts.set(countKey(c, e.windowMs), { counter: c, windowMs: e.windowMs });
      return;
    }
    case "burst":
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

/** Does this condition need session state? (`time` does for the clamped event time.) */
export function needsState(e: CExpr): boolean {
  switch (e.k) {
    case "and": case "or": return e.items.some(needsState);
    case "not": return needsState(e.x);
    case "session_label": case "session_called": case "resource_new": case "rate": case "burst": case "spend": case "time": return true;
    default: return false;
  }
}

/** The longest window any condition looks back over. */
export function lookback(e: CExpr): number {
  switch (e.k) {
    case "and": case "or": return Math.max(0, ...e.items.map(lookback));
    case "not": return lookback(e.x);
    case "rate": return e.windowMs;
    case "burst": return BURST_BASELINE_MS;
    default: return 0;
  }
}
