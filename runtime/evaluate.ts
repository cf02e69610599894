/**
 * Evaluates resolved conditions against one call. Content (strings, data classes) is computed
 * lazily and at most once per decision.
 */
import type { Bundle, CExpr, Cmp } from "./types.js";
import type { ResolvedCall } from "./event.js";
import type { StateSnapshot } from "./store.js";
import { cachedRegex, staticEval, type ToolFacts } from "./static-eval.js";
import { classesIn, type Detector } from "./detectors.js";
import { parseTimeSpec, withinWindows, type TimeWindow } from "./time.js";

const own = Object.prototype.hasOwnProperty;
const MAX_DEPTH = 32;
const MAX_STRINGS = 10_000;

export interface EvalContext {
  readonly bundle: Bundle;
  readonly call: ResolvedCall | undefined;
  readonly agentName: string | undefined;
  readonly review: string | undefined;
  readonly detectors: readonly Detector[];
  readonly now: number;
  readonly state: StateSnapshot | undefined;
  /** Lazily filled caches. */
  strings?: string[];
  lower?: string[];
  classes?: Map<string, boolean>;
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

const PRINCIPAL_KEYS = /^(to|cc|bcc|recipients?|emails?|email_?address(es)?|share_?with|user_?emails?|invitees?|attendees|members?|grantee|emailAddress)$/i;
const CHANNEL_KEYS = /^(channel|channel_?id|channel_?name|conversation)$/i;

/** Does the call address someone or something outside the organisation? */
export function principalExternal(ctx: EvalContext): boolean {
  const call = ctx.call;
  if (!call) return false;
  const org = ctx.bundle.organization;
  const domains = org?.domains ?? [];
  let ext = false;
  const visit = (v: unknown, key: string, d: number) => {
    if (ext || d > MAX_DEPTH) return;
    if (Array.isArray(v)) { for (const x of v) visit(x, key, d + 1); return; }
    if (typeof v === "object" && v !== null) { for (const k of Object.keys(v)) visit((v as Record<string, unknown>)[k], k, d + 1); return; }
    if (typeof v !== "string") return;
    if (PRINCIPAL_KEYS.test(key) || v.includes("@")) {
      for (const m of v.matchAll(/[^\s<>,;"']+@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g)) {
        const dom = m[1]!.toLowerCase();
        if (!domains.some((x) => dom === x || dom.endsWith("." + x))) { ext = true; return; }
      }
    }
    if (CHANNEL_KEYS.test(key) && org?.external_channels.some((g) => globRe(g).test(v))) ext = true;
    if (key === "owner" && org?.github_orgs.length && !org.github_orgs.includes(v.toLowerCase())) ext = true;
  };
  visit(call.args, "", 0);
  return ext;
}

function globRe(g: string): RegExp {
  let re = "^";
  for (const ch of g) re += ch === "*" ? "[\\s\\S]*" : ch === "?" ? "[\\s\\S]" : ch.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
  return cachedRegex(re + "$");
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
    case "principal_external": return (ctx.principal ??= principalExternal(ctx));
    case "resource_new": return !!ctx.state && !!ctx.call?.resource && argAt(ctx.call.args, [ctx.call.resource]) !== undefined && !ctx.state.resourceSeen;
    case "rate": {
      if (!ctx.state || !ctx.call) return false;
      const from = ctx.now - e.windowMs;
      let n = 1; // the call being decided counts
      for (const c of ctx.state.calls) {
        if (c.ts <= from || c.ts > ctx.now) continue;
        if (e.filter) {
          const i = c.key.indexOf(".");
          const t = ctx.bundle.tools[c.key];
          const f: ToolFacts = { integration: c.key.slice(0, i), name: c.key.slice(i + 1), operation: (t?.[0] ?? c.op) as ToolFacts["operation"], labels: t?.[1] ?? [], method: t?.[2] ?? null, category: t?.[3] ?? null, verbs: t?.[4] ?? [] };
          if (staticEval(e.filter, f) !== true) continue;
        }
        n++;
      }
      if (e.filter && staticEval(e.filter, facts(ctx.call)) !== true) n--;
      return cmp(e.cmp, n, e.n);
    }
    case "burst": {
      if (!ctx.state) return false;
      let recent = 1;
      let base = 0;
      for (const c of ctx.state.calls) {
        if (c.ts > ctx.now) continue;
        if (c.ts > ctx.now - 60_000) recent++;
        else if (c.ts > ctx.now - 3_600_000) base++;
      }
      return burstRule(recent, base / 59);
    }
    case "spend": return !!ctx.state && cmp(e.cmp, ctx.state.spend[e.currency] ?? 0, e.amount);
    case "time": return withinWindows(windows(e.spec), ctx.now, e.tz);
    default: return false;
  }
}

/** `burst`: at least 10 calls in the last minute and at least 5× the average minute of the hour before. */
export function burstRule(lastMinute: number, baselinePerMinute: number): boolean {
  return lastMinute >= 10 && lastMinute >= 5 * baselinePerMinute;
}

/** Does this condition need session state? */
export function needsState(e: CExpr): boolean {
  switch (e.k) {
    case "and": case "or": return e.items.some(needsState);
    case "not": return needsState(e.x);
    case "session_label": case "session_called": case "resource_new": case "rate": case "burst": case "spend": return true;
    default: return false;
  }
}

/** The longest window any condition looks back over. */
export function lookback(e: CExpr): number {
  switch (e.k) {
    case "and": case "or": return Math.max(0, ...e.items.map(lookback));
    case "not": return lookback(e.x);
    case "rate": return e.windowMs;
    case "burst": return 3_600_000;
    default: return 0;
  }
}
