/**
 * The condition compiler of the decision path: a condition as a closure over one call, for the
 * kinds decided by the call and its event alone (tool facts, agent, tenant, arguments, URLs, paths,
 * content, data classes, principals, the user). Content (strings, data classes) is computed lazily
 * and at most once per decision. The kinds that read more (session history, the clock, a tool's
 * result, a command line's words) are compiled by runtime/evaluate.ts, which registers them here
 * (`registerKinds`); the full runtime always loads it. Without it, compiling such a condition
 * throws (the enforcer then blocks: fail closed); the decide-only entry (runtime/decide-only.ts)
 * refuses bundles that use them when it loads them.
 */
import type { Bundle, CExpr, Cmp } from "./types.js";
import type { ResolvedCall } from "./event.js";
import type { StateSnapshot } from "./store.js";
import { cachedRegex, staticEval, toolReviewOf, type ToolFacts } from "./static-eval.js";
import { hasClass, type Detector } from "./detectors.js";
import { principalExternal } from "./principal.js";
import { argsProblem } from "./limits.js";
import { argUserHolds, userFieldHolds, userTester } from "./user.js";
import type { UserInfo } from "./types.js";
import { canonicalPath, pathUnder, type PathContext } from "./canonical-path.js";
import { urlPart } from "./canonical-url.js";
import type { ResultFacts } from "./response.js";
import { PATH_STEPS } from "./language-facts.js";

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

function argGetter(path: readonly string[]): (a: Record<string, unknown>) => unknown {
  if (path.length === 1 && indexStep(path[0]!) === undefined) {
    const k = path[0]!;
    return (a) => (own.call(a, k) ? a[k] : undefined);
  }
  return (a) => argAt(a, path);
}

/** A test of one argument value. */
export type Leaf = (v: unknown, c: EvalContext) => boolean;

/** A condition on the argument at `path`: the leaf holds for its value, or for any (`[*]`) or every (`[all]`) element. */
export function onArg(path: readonly string[], leaf: Leaf): Pred {
  if (!isWildPath(path)) {
    const get = argGetter(path);
    return (c) => !!c.call && leaf(get(c.call.args), c);
  }
  return (c) => !!c.call && holdsAt(c.call.args, path, 0, (v) => leaf(v, c));
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
export function leafOf(e: Extract<CExpr, { k: "arg" }>): Leaf {
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


/**
 * The kinds `compileExpr` compiles itself: what the decide-only entry can decide. Every other kind
 * is compiled by runtime/evaluate.ts (test/runtime/decide-only.test.ts holds the two in step).
 */
export const CALL_KINDS: ReadonlySet<string> = new Set([
  "true", "false", "and", "or", "not", "integration", "tool", "tool_glob", "label", "operation", "method", "category", "verb",
  "agent", "review", "tool_review", "call_type", "arg", "url", "under", "body", "data_class", "principal_external", "user", "arg_user",
]);

/** Compilers of the kinds this file leaves to runtime/evaluate.ts (registered there). */
const more: { [K in CExpr["k"]]?: (e: Extract<CExpr, { k: K }>) => Pred } = {};

/** Registers the compilers of kinds that read more than the call (runtime/evaluate.ts). */
export function registerKinds(fs: typeof more): void {
  Object.assign(more, fs);
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
    case "principal_external": return (c) => (c.principal ??= principalExternal(c.bundle, c.call));
    case "user": { const path = e.path, t = userTester(e); return (c) => userFieldHolds(c.user, path, t); }
    case "arg_user": { const path = e.user, op = e.op; return onArg(e.path, (v, c) => argUserHolds(v, c.user, path, op)); }
    default: {
      const f = more[e.k] as ((x: CExpr) => Pred) | undefined;
      if (!f) throw new Error(`the condition kind "${e.k}" needs the full runtime (policy-toolchain/runtime)`);
      return f(e);
    }
  }
}
