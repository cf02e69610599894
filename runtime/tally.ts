/**
 * Tallies: what `rate(…)`, `count(session, …)` and `sum(args.x, …)` count when they name more than
 * the agent's calls in a sliding window: a scope (the tenant's agents, one integration across them,
 * the session), a calendar period in the tenant's time zone (`today`, `this hour`) or the whole
 * session, only calls that were not blocked, or the sum of an argument.
 *
 * A tally's counter is `scope owner \0 id`, where the id hashes what is counted (filter, allowed,
 * summed path), so that every enforcer and replica with the same condition shares it. Every call is
 * recorded in `begin`, atomically with the read (two replicas never both take the last place);
 * a call that is then blocked is removed again from the tallies that count only calls not blocked.
 */
import type { Bundle, CExpr, Cmp, SessionEvent, TallyScope } from "./types.js";
import type { ResolvedCall } from "./event.js";
import type { StateQuery, StateSnapshot, StateUpdate, TallyRead, TallyRecord } from "./store.js";
import { staticEval } from "./static-eval.js";
import { periodStart } from "./calendar.js";

export type RateExpr = Extract<CExpr, { k: "rate" }>;

/** Does the `rate` condition need a tally (anything beyond the agent's calls in a sliding window)? */
export function isTally(e: RateExpr): boolean {
  return e.scope !== undefined || e.period !== undefined || e.allowed === true || e.sum !== undefined;
}

/** A tally as the enforcer records and reads it. */
export interface TallySpec {
  readonly id: string;
  readonly scope: TallyScope | "agent";
  readonly filter: CExpr | undefined;
  readonly allowed: boolean;
  readonly sum: readonly string[] | undefined;
  /** The sliding window (ms), or the period. */
  readonly window: number | "day" | "hour" | "session";
}

function hash(text: string): string {
  let h1 = 0x811c9dc5, h2 = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return `t${(h1 >>> 0).toString(36)}${(h2 >>> 0).toString(36)}`;
}

const specs = new WeakMap<RateExpr, TallySpec>();

export function tallyOf(e: RateExpr): TallySpec {
  let s = specs.get(e);
  if (!s) {
    const id = hash(JSON.stringify({ f: e.filter ?? null, a: e.allowed === true, s: e.sum ?? null }));
    s = { id, scope: e.scope ?? "agent", filter: e.filter, allowed: e.allowed === true, sum: e.sum, window: e.period ?? e.windowMs };
    specs.set(e, s);
  }
  return s;
}

/** Where a tally's answer is in the snapshot (the owner is the same for every condition of one decision). */
export function readKey(t: TallySpec): string {
  return `${t.scope}|${t.id}|${t.window}`;
}

/** The tallies of a set of conditions (`rate` filters included). */
export function talliesOf(e: CExpr, out: TallySpec[] = []): TallySpec[] {
  if (e.k === "and" || e.k === "or") for (const x of e.items) talliesOf(x, out);
  else if (e.k === "not") talliesOf(e.x, out);
  else if (e.k === "rate" && isTally(e)) out.push(tallyOf(e));
  return out;
}

/** The owner of a scope's tallies for an event. */
export function ownerOf(scope: TallySpec["scope"], e: SessionEvent, integration: string): string {
  const tenant = e.tenant ?? "";
  switch (scope) {
    case "agent": return `a\u0000${tenant}\u0000${e.agent?.id ?? e.agent?.name ?? ""}`;
    case "tenant": return `t\u0000${tenant}`;
    case "integration": return `i\u0000${tenant}\u0000${integration}`;
    case "session": return `s\u0000${tenant}\u0000${e.session_id ?? ""}`;
  }
}

/** The largest amount a sum counts per call (micro-units stay exact integers in every store). */
const MAX_MICROS = 2 ** 52;

/**
 * What a call adds to a sum at `path`: a number, or a string that is a plain decimal number (servers
 * often accept either), in micro-units; a negative amount adds 0 (it never lowers the total);
 * undefined when the call has no amount there.
 */
export function amountAt(args: Record<string, unknown>, path: readonly string[]): number | undefined {
  let v: unknown = args;
  for (const p of path) {
    if (typeof v !== "object" || v === null || Array.isArray(v) || !Object.prototype.hasOwnProperty.call(v, p)) return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  const n = typeof v === "number" ? v : typeof v === "string" && /^\s*[-+]?\d+(?:\.\d+)?\s*$/.test(v) ? Number(v) : NaN;
  if (Number.isNaN(n)) return undefined;
  if (n <= 0) return 0;
  return Number.isFinite(n) ? Math.min(MAX_MICROS, Math.round(n * 1_000_000)) : MAX_MICROS;
}

/** What the call adds to a tally: 1, the amount, or 0 when it does not pass the filter. */
export function contribution(t: TallySpec, call: ResolvedCall, facts: Parameters<typeof staticEval>[1]): number {
  if (t.filter && staticEval(t.filter, facts) !== true) return 0;
  if (!t.sum) return 1;
  return amountAt(call.args, t.sum) ?? 0;
}

/** The time zone of a tenant's calendar windows. */
export function zoneOf(b: Bundle, tenant: string | undefined): string {
  const o = b.organization;
  const own = tenant !== undefined && o?.tenant_timezones && Object.prototype.hasOwnProperty.call(o.tenant_timezones, tenant) ? o.tenant_timezones[tenant] : undefined;
  return own ?? o?.timezone ?? "UTC";
}

/** How long a tally's entries must be kept: its longest window (a day in local time can last 25 hours). */
function retainOf(w: TallySpec["window"]): number {
  return w === "session" ? -1 : w === "day" ? 26 * 3_600_000 : w === "hour" ? 2 * 3_600_000 : w;
}

/** The tally part of a store query: what to read, and what to record the call in. */
export function tallyQuery(all: readonly TallySpec[], e: SessionEvent, b: Bundle, calls: readonly ResolvedCall[], facts: (c: ResolvedCall) => Parameters<typeof staticEval>[1], now: number): NonNullable<StateQuery["tallies"]> {
  const integration = calls[0]?.integration ?? "";
  const zone = zoneOf(b, e.tenant);
  const read = new Map<string, TallyRead>();
  const record = new Map<string, TallyRecord>();
  for (const t of all) {
    const counter = `${ownerOf(t.scope, e, integration)}\u0000${t.id}`;
    const key = readKey(t);
    if (!read.has(key)) {
      const w = t.window;
      // An unknown zone (a bundle not built by the compiler) counts from the start: never less than meant.
      const from = typeof w === "string" && w !== "session" ? periodStart(now, w, zone) : NaN;
      read.set(key, { key, counter, sum: t.sum !== undefined, ...(typeof w === "number" ? { windowMs: w } : Number.isFinite(from) ? { from } : {}) });
    }
    const value = Math.max(...calls.map((c) => contribution(t, c, facts(c))));
    // Nothing to add (the call does not pass the filter, or carries no positive amount).
    if (value <= 0) continue;
    const prev = record.get(counter);
    const retainMs = retainOf(t.window);
    record.set(counter, { counter, value, retainMs: prev ? (prev.retainMs < 0 || retainMs < 0 ? -1 : Math.max(prev.retainMs, retainMs)) : retainMs });
  }
  return { read: [...read.values()], record: [...record.values()] };
}

/** The counters of a blocked call to take its entries out of (those that count only calls not blocked). */
export function refundOf(all: readonly TallySpec[], q: NonNullable<StateQuery["tallies"]>, state: StateSnapshot, blocked: boolean): StateUpdate["refund"] {
  if (!blocked) return undefined;
  const ids = new Set(all.filter((t) => t.allowed).map((t) => t.id));
  const counters = q.record.map((r) => r.counter).filter((c) => ids.has(c.slice(c.lastIndexOf("\u0000") + 1)));
  return counters.length && state.ts !== undefined && state.tallyMember !== undefined ? { member: state.tallyMember, ts: state.ts, counters } : undefined;
}

/** The value of a tally condition for the call being decided: the stored tally plus the call itself. */
export function tallyHolds(e: RateExpr, state: StateSnapshot, call: ResolvedCall, facts: Parameters<typeof staticEval>[1], cmp: (op: Cmp, a: number, b: number) => boolean): boolean {
  const t = tallyOf(e);
  const have = state.tallies?.[readKey(t)] ?? 0;
  const self = contribution(t, call, facts);
  return cmp(e.cmp, have + self, t.sum ? Math.round(e.n * 1_000_000) : e.n);
}
