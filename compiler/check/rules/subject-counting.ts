/**
 * Counting conditions: `rate(<window>[, options][, filter]) > N`, `count(session[, allowed][, filter])
 * >= N`, `sum(args.<path>, <period>[, options][, filter]) > N`, and `burst` / `burst(<scope>)`.
 *
 * | form | counts |
 * |---|---|
 * | `rate(5m)`, `rate(today)`, `rate(this hour)` | the agent's calls in a sliding window, or in the current local day / hour |
 * | option `tenant` · `integration` · `session` | every agent of the tenant · the call's integration across them · the session |
 * | option `allowed` | only calls that were not blocked (a blocked retry gives its place back) |
 * | `count(session, …)` | the session's calls, since it began |
 * | `sum(args.amount, today)` · `sum(args.amount, 1h)` | the sum of the argument over the period (`today`, `this hour`, `session`) or a sliding window |
 *
 * The call being decided is always included. A filter may only use tool-static subjects.
 */
import type * as A from "../../../grammar/ast.js";
import type { Span } from "../../../grammar/span.js";
import type { CExpr, TallyScope } from "../../../runtime/types.js";
import { isToolStatic } from "../../../runtime/static-eval.js";
import type { PolicyScope } from "../context.js";
import { checkArgs, type ArgRef } from "./subject-args.js";

export const COUNTING_SUBJECTS = ["rate", "count", "sum"];

const CMP = new Set([">", "<", ">=", "<="]);
const SCOPES = new Set(["tenant", "integration", "session", "agent"]);
const PERIODS: Readonly<Record<string, "day" | "hour" | "session">> = { today: "day", "this hour": "hour", session: "session" };

interface Parsed {
  scope?: TallyScope;
  /** `sum(args.amount, 1h)`: a sliding window among the options (ms). */
  slidingMs?: number;
  allowed?: true;
  period?: "day" | "hour" | "session";
  filter?: CExpr;
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The length of a duration word (`1h`, `30m`), undefined for any other word. */
function durationMs(word: string): number | undefined {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(word);
  return m ? Number(m[1]) * UNITS[m[2]!]! : undefined;
}

type Bad = (msg: string, hint: string, span?: Span) => undefined;

/** The options and the filter inside the parentheses; undefined after an error. */
function parseOptions(p: A.SubjectParams, s: PolicyScope, sub: (e: A.Expr) => CExpr | undefined, bad: Bad, periods: boolean): Parsed | undefined {
  const out: Parsed = {};
  for (const o of p.options ?? []) {
    if (o.value === "allowed") out.allowed = true;
    else if (periods && (PERIODS[o.value] || durationMs(o.value) !== undefined)) {
      if (out.period || out.slidingMs !== undefined) return bad("two periods", "give one of today, this hour, session or a sliding window such as 1h", o.span);
      if (PERIODS[o.value]) out.period = PERIODS[o.value]!;
      else out.slidingMs = durationMs(o.value)!;
    } else if (SCOPES.has(o.value)) {
      if (out.scope) return bad(`two scopes: \`${out.scope}\` and \`${o.value}\``, "give one of tenant, integration, session (the agent's own calls without any)", o.span);
      if (o.value !== "agent") out.scope = o.value as TallyScope;
    } else return bad(`\`${o.value}\` is not an option here`, periods ? "options: today, this hour, session, a sliding window (1h), tenant, integration, allowed" : "the window is the first parameter: `rate(today) > 100`; options: tenant, integration, session, allowed", o.span);
  }
  if (p.filter) {
    const f = sub(p.filter);
    if (!f) return undefined;
    if (!isToolStatic(f)) return bad("a counting filter may only use integration, tool, operation, method, category and verb", "e.g. `rate(1h, operation is Delete) > 5`", p.filter.span);
    out.filter = f;
  }
  return out;
}

/** PDL4006: a count or a sum is never negative. */
function degenerate(s: PolicyScope, c: A.Condition, n: number): void {
  const always = (c.op === ">" && n < 0) || (c.op === ">=" && n <= 0);
  const never = (c.op === "<" && n <= 0) || (c.op === "<=" && n < 0);
  if (!always && !never) return;
  const what = c.subject.name === "sum" ? "the sum" : "the number of calls";
  s.ctx.warn("PDL4006", c.value?.span ?? c.span, `${what} is never negative: \`${c.op} ${n}\` ${always ? "always holds" : "never holds"}`,
    always ? "remove the condition, or compare with a positive number" : "compare with a positive number, or remove the policy");
}

function rate(c: A.Condition, p: A.SubjectParams, s: PolicyScope, sub: (e: A.Expr) => CExpr | undefined, bad: Bad): CExpr | undefined {
  const w = p.window;
  const period = w?.kind === "Name" ? PERIODS[w.value] : undefined;
  const sliding = w?.kind === "Duration" ? w : undefined;
  if (!sliding && (!period || period === "session")) return bad("`rate` needs a window", "e.g. `rate(5m) > 20`, `rate(today) > 500`, `rate(this hour, tenant) > 1000`", w?.span ?? p.span);
  const o = parseOptions(p, s, sub, bad, false);
  if (!o) return undefined;
  if (sliding && sliding.ms <= 0) s.ctx.warn("PDL4007", sliding.span, `a window of ${sliding.raw} holds no calls: \`rate(${sliding.raw})\` is always 0`, "give a window of at least one second, e.g. `rate(5m) > 20`");
  return { k: "rate", windowMs: sliding ? sliding.ms : 0, cmp: c.op as ">", n: (c.value as A.NumberValue).value, ...rest(o, period) };
}

function rest(o: Parsed, period: "day" | "hour" | "session" | undefined): Partial<Extract<CExpr, { k: "rate" }>> {
  return { ...(o.filter ? { filter: o.filter } : {}), ...(o.scope ? { scope: o.scope } : {}), ...(period ? { period } : {}), ...(o.allowed ? { allowed: true as const } : {}) };
}

function count(c: A.Condition, p: A.SubjectParams, s: PolicyScope, sub: (e: A.Expr) => CExpr | undefined, bad: Bad): CExpr | undefined {
  if (p.window?.kind !== "Name" || p.window.value !== "session") return bad("`count` counts the calls of the session: `count(session, …)`", "e.g. `count(session, tool is allocate_vm) >= 3`; for a window use `rate(1h, …)`", p.window?.span ?? p.span);
  const o = parseOptions(p, s, sub, bad, false);
  if (!o) return undefined;
  if (o.scope) return bad("`count(session, …)` counts the session's calls", "for the tenant's or an integration's calls use `rate(<window>, tenant)`", p.span);
  return { k: "rate", windowMs: 0, cmp: c.op as ">", n: (c.value as A.NumberValue).value, ...rest({ ...o, scope: "session" }, "session") };
}

function sum(c: A.Condition, p: A.SubjectParams, s: PolicyScope, sub: (e: A.Expr) => CExpr | undefined, bad: Bad, refs: ArgRef[]): CExpr | undefined {
  const w = p.window;
  if (w?.kind !== "Name" || !w.value.startsWith("args.")) return bad("`sum` adds up an argument: `sum(args.<path>, <period>)`", "e.g. `sum(args.amount, today) > 500000`", w?.span ?? p.span);
  const o = parseOptions(p, s, sub, bad, true);
  if (!o) return undefined;
  if (!o.period && o.slidingMs === undefined) return bad("`sum` needs a period", "add `today`, `this hour`, `session` or a sliding window: `sum(args.amount, today) > 500000`, `sum(args.amount, 1h) > 500000`", p.span);
  if (o.slidingMs !== undefined && o.slidingMs <= 0) return bad("a sliding window of 0 holds no calls", "give a window of at least one second, e.g. `sum(args.amount, 1h)`", p.span);
  // The path is checked like `args.<path> > 0`: it must be a number in the tools the policy can match.
  const probe: A.Condition = { kind: "Condition", subject: { name: w.value, span: w.span }, op: ">", opSpan: w.span, value: { kind: "Number", value: 0, raw: "0", span: w.span }, span: w.span };
  const arg = checkArgs(probe, s, refs);
  if (!arg || arg.k !== "arg") return undefined;
  if (arg.path.some((x) => x.startsWith("["))) return bad("`sum` adds up one value per call: the path may not step into an array", "e.g. `sum(args.amount, today)`", w.span);
  const scope = o.period === "session" ? "session" : o.scope;
  if (o.period === "session" && o.scope && o.scope !== "session") return bad("`session` is already the scope of the sum", "drop the other scope", p.span);
  return { k: "rate", windowMs: o.slidingMs ?? 0, cmp: c.op as ">", n: (c.value as A.NumberValue).value, ...rest({ ...o, ...(scope ? { scope } : {}) }, o.period), sum: arg.path };
}

/** `burst` or `burst(tenant)` / `burst(integration)`. */
function burst(c: A.Condition, bad: Bad): CExpr | undefined {
  if (c.op !== "none") return bad("`burst` stands alone", "e.g. `if burst` or `if burst(tenant) and operation is Delete`", c.opSpan);
  const p = c.subject.params;
  if (!p) return { k: "burst" };
  const w = p.window;
  if (w?.kind !== "Name" || !["tenant", "integration", "agent"].includes(w.value) || p.filter || p.options?.length) return bad("`burst` takes one scope: `burst(tenant)` or `burst(integration)`", "without parentheses it watches the agent's own calls", p.span);
  return w.value === "agent" ? { k: "burst" } : { k: "burst", scope: w.value as TallyScope };
}

export function checkCounting(c: A.Condition, s: PolicyScope, sub: (e: A.Expr) => CExpr | undefined, refs: ArgRef[]): CExpr | undefined {
  const bad: Bad = (msg, hint, span = c.span) => { s.ctx.error("PDL2050", span, msg, hint); return undefined; };
  const name = c.subject.name;
  if (name === "burst") return burst(c, bad);
  const p = c.subject.params;
  if (!p) return bad(`\`${name}\` needs its parameters`, name === "sum" ? "e.g. `sum(args.amount, today) > 500000`" : name === "count" ? "e.g. `count(session, tool is allocate_vm) >= 3`" : "e.g. `rate(5m) > 20`", c.subject.span);
  if (!CMP.has(c.op) || c.value?.kind !== "Number") return bad(`compare \`${name}(…)\` with a number`, name === "sum" ? "e.g. `sum(args.amount, today) > 500000`" : `e.g. \`${name}(…) > 20\``);
  const out = name === "rate" ? rate(c, p, s, sub, bad) : name === "count" ? count(c, p, s, sub, bad) : sum(c, p, s, sub, bad, refs);
  if (out) degenerate(s, c, c.value.value);
  return out;
}
