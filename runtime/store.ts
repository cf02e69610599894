/**
 * Session state behind a small interface, so that many enforcement replicas can share it
 * (the Redis adapter lives in `adapters/redis/`, outside `runtime/`). The in-memory store is the
 * default. The semantics every store must follow are written down in `docs/sessions.md`.
 *
 * A decision is `begin` (one atomic step: clamp the event time to the session's last time, pin
 * the session to a revision, read what the session conditions need, record the call for rate and
 * burst and its call id for responses) and, when the decision lets something new through,
 * `finish` (labels, tools called, resource touched; or mark the call id blocked).
 * A store may let `finish` land after the decision returned (Redis sends it without waiting, so a
 * decision waits for one round trip) only if its `begin` records what the call adds as *pending*
 * and shows pending calls to later `begin`s, which then decide under every outcome (fail closed).
 * `respond` records a `tool_call_response`: its cost, and the labels of a call whose request was
 * not seen.
 */

/** A count to read: this agent's calls recorded in `counter` with `ts - windowMs < t <= ts`. */
export interface CountQuery {
  readonly counter: string;
  readonly windowMs: number;
}

/** The key of a count in `StateSnapshot.counts`. */
export function countKey(counter: string, windowMs: number): string {
  return `${counter}@${windowMs}`;
}

/**
 * A tally to record the call in (runtime/tally.ts): `counter` names its owner (an agent, a tenant, an
 * integration across a tenant's agents, a session) and what it counts; `value` is 1, or the summed
 * argument in micro-units. Entries older than `retainMs` may be dropped (`-1`: kept for the session).
 */
export interface TallyRecord {
  readonly counter: string;
  readonly value: number;
  readonly retainMs: number;
}

/**
 * A tally to read (before the call is recorded): the number (or the sum of the values) of the
 * entries of `counter` in `(ts - windowMs, ts]`, in `[from, ts]`, or up to `ts` when neither is set.
 */
export interface TallyRead {
  /** Where the answer goes in `StateSnapshot.tallies`. */
  readonly key: string;
  readonly counter: string;
  readonly windowMs?: number;
  readonly from?: number;
  readonly sum: boolean;
}

export interface StateQuery {
  /** `tenant \0 session_id` */
  readonly session: string;
  /** `tenant \0 agent id (or name)` */
  readonly agent: string;
  /** The event time (ms). The store clamps it to the session's last time. */
  readonly ts: number;
  /** The call being decided: its id is remembered for its response. */
  readonly call?: { readonly id?: string; readonly key: string; readonly op: string };
  /**
   * The counters the call is recorded in at the clamped time (`*` = every call, others = ids of
   * the `rate` filters it passes), for `rate` and `burst`.
   */
  readonly record: readonly string[];
  /** The counts to read (before recording the call). */
  readonly counts: readonly CountQuery[];
  /** How long recorded calls must be kept (ms): the longest window. */
  readonly lookbackMs: number;
  /** `integration:value` of the tool's resource argument, when it has one. */
  readonly resource?: string;
  /** The revision a new session is pinned to. */
  readonly revision: string;
  /** Tallies to read, then to record the call in, at the clamped time. */
  readonly tallies?: { readonly read: readonly TallyRead[]; readonly record: readonly TallyRecord[] };
  /**
   * What the call adds to the session if it is not blocked (its parts' labels and tools; the
   * resource is `resource`). A store whose `finish` may land after the decision returned (Redis)
   * records it as *pending* in `begin`, and shows it to every later `begin` until `finish`
   * settles it (see `StateSnapshot.pending`).
   */
  readonly adds?: { readonly labels: readonly string[]; readonly called: readonly string[] };
}

/** A call `begin` recorded whose `finish` has not settled it yet: what it adds if it was not blocked. */
export interface PendingCall {
  readonly labels: readonly string[];
  readonly called: readonly string[];
  /** It touches the query's resource. */
  readonly resource: boolean;
}

export interface StateSnapshot {
  /** The event time after clamping: `max(query.ts, lastTs)` (every store sets it; optional for hand-made snapshots). */
  readonly ts?: number;
  /** The session's last event time before this one (`null` for a new session). */
  readonly lastTs: number | null;
  readonly labels: readonly string[];
  readonly called: readonly string[];
  /** The revision the session is pinned to (the query's, when the session is new). */
  readonly revision: string;
  /** Answers to `counts`, by `countKey(counter, windowMs)`, excluding the current call (missing = 0). */
  readonly counts?: Readonly<Record<string, number>>;
  /** Whether a call that was not blocked touched the resource before. */
  readonly resourceSeen: boolean;
  /** This agent's spend on the UTC day of `ts`, by currency, in micro-units (1e-6). */
  readonly spend: Readonly<Record<string, number>>;
  /** Answers to `tallies.read`, by key, excluding the current call (missing = 0). */
  readonly tallies?: Readonly<Record<string, number>>;
  /** The store's id of the call's tally entries (for a refund), when it recorded any. */
  readonly tallyMember?: string;
  /**
   * Other calls (of this session, or touching this resource) that `begin` recorded and no `finish`
   * has settled: they may or may not have been blocked. The enforcer decides under each outcome
   * and keeps the strictest (runtime/store-protocol.ts `pendingWorlds`). Absent: none.
   */
  readonly pending?: readonly PendingCall[];
  /** The store's id of this call's pending entry, which its `finish` settles (absent: none was recorded). */
  readonly pendingId?: string;
}

export interface StateUpdate {
  readonly session: string;
  readonly agent: string;
  /** Labels and tools of a call that was not blocked. */
  readonly labels: readonly string[];
  readonly called: readonly string[];
  /** The resource a call that was not blocked touched. */
  readonly resource?: string;
  /** The call id of a blocked call: its response will not record labels. */
  readonly blockedCallId?: string;
  /** A blocked call's entries (`member` of its snapshot, recorded at `ts`) removed from tallies that count only calls not blocked. */
  readonly refund?: { readonly member: string; readonly ts: number; readonly counters: readonly string[] };
  /**
   * The call's pending entry (`StateSnapshot.pendingId`) this update settles, with the resource the
   * call's query named (its adds are `labels`, `called`, `resource`, empty when it was blocked).
   */
  readonly settles?: { readonly id: string; readonly resource?: string };
}

export interface ResponseUpdate {
  readonly session: string;
  /** Empty when the response names no agent: the session's agent is used. */
  readonly agent: string;
  readonly ts: number;
  readonly callId?: string;
  /** What the response's own `call` field names: recorded when the call id is unknown. */
  readonly fallback?: { readonly key: string; readonly labels: readonly string[] };
  /** Cost in micro-units (1e-6) of an ISO currency code. */
  readonly cost?: { readonly currency: string; readonly micros: number };
  /** Session labels the response's content records (`seen:SECRETS`, `untrusted_content`; runtime/seen.ts). */
  readonly labels?: readonly string[];
}

export interface ResponseResult {
  /** The response time after clamping. */
  readonly ts: number;
  /** `known`: the request was decided and not blocked; `blocked`; `unknown`: never seen. */
  readonly call: "known" | "blocked" | "unknown" | "none";
}

/**
 * What a message from the user changes in its session (runtime/session-changes.ts): session labels
 * added (`mark:<name>`) and taken out (`seen:<CLASS>`, `mark:<name>`, a catalog label). A label is
 * in at most one of the two lists.
 */
export interface MarkUpdate {
  readonly session: string;
  readonly add: readonly string[];
  readonly remove: readonly string[];
}

type MaybePromise<T> = T | Promise<T>;

export interface SessionStore {
  /** True when every method returns synchronously (required by `decide`; `decideAsync` takes either). */
  readonly sync: boolean;
  begin(q: StateQuery): MaybePromise<StateSnapshot>;
  finish(u: StateUpdate): MaybePromise<void>;
  respond(u: ResponseUpdate): MaybePromise<ResponseResult>;
  /**
   * Applies a message's session changes to that session only (one atomic step). Optional: a store
   * without it cannot record them, and a message whose policies change the session is then
   * withheld (fail closed).
   */
  mark?(u: MarkUpdate): MaybePromise<void>;
}

/** The UTC day number of a time: the spend bucket. */
export function utcDay(ts: number): number {
  return Math.floor(ts / 86_400_000);
}

/** A cost as integer micro-units, so that every store sums exactly the same way. */
export function toMicros(amount: number): number {
  return Math.round(amount * 1_000_000);
}

interface MemTally { ts: number[]; v: number[]; m: string[] }

interface MemSession { labels: Set<string>; called: Set<string>; revision: string; lastTs: number | null; agent: string; ids: Map<string, boolean> }
interface MemAgent { counters: Map<string, number[]>; resources: Set<string>; spend: Map<number, Record<string, number>> }

/** Index of the first element greater than `x` in a sorted array. */
function upper(a: readonly number[], x: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) { const m = (lo + hi) >> 1; if (a[m]! <= x) lo = m + 1; else hi = m; }
  return lo;
}

/** `m.get(k)`, first set to `make()` when absent. */
function getOr<K, V>(m: Map<K, V>, k: K, make: () => NoInfer<V>): V {
  let v = m.get(k);
  if (v === undefined) m.set(k, (v = make()));
  return v;
}

/** Clamps `ts` to the session's last time and makes it the last time. */
function clamp(s: MemSession, ts: number): number {
  return (s.lastTs = s.lastTs !== null && ts < s.lastTs ? s.lastTs : ts);
}

const MAX_IDS = 10_000;

/** The default store: one process, state in maps. Old calls are pruned as windows pass. */
export class MemoryStore implements SessionStore {
  readonly sync = true;
  private readonly sessions = new Map<string, MemSession>();
  private readonly agents = new Map<string, MemAgent>();
  private readonly tallies = new Map<string, MemTally>();
  private members = 0;

  private agentOf(id: string): MemAgent {
    return getOr(this.agents, id, () => ({ counters: new Map(), resources: new Set(), spend: new Map() }));
  }

  private sessionOf(id: string, revision: string, agent: string): MemSession {
    const s = getOr(this.sessions, id, () => ({ labels: new Set<string>(), called: new Set<string>(), revision, lastTs: null, agent, ids: new Map() }));
    s.revision ||= revision;
    s.agent ||= agent;
    return s;
  }

  begin(q: StateQuery): StateSnapshot {
    const s = this.sessionOf(q.session, q.revision, q.agent);
    const lastTs = s.lastTs;
    const ts = clamp(s, q.ts);
    const a = this.agentOf(q.agent);
    const counts: Record<string, number> = {};
    for (const c of q.counts) {
      const l = a.counters.get(c.counter);
      counts[countKey(c.counter, c.windowMs)] = l ? upper(l, ts) - upper(l, ts - c.windowMs) : 0;
    }
    for (const name of q.record) {
      const l = getOr(a.counters, name, () => []);
      // Old entries are dropped in batches (counts look only inside their windows).
      if (l.length > 64 && l[31]! <= ts - q.lookbackMs) l.splice(0, upper(l, ts - q.lookbackMs));
      // Sorted by time (sessions of one agent may interleave with different clocks).
      const i = upper(l, ts);
      if (i === l.length) l.push(ts); else l.splice(i, 0, ts);
    }
    if (q.call?.id !== undefined) {
      if (s.ids.size >= MAX_IDS) s.ids.delete(s.ids.keys().next().value!);
      s.ids.set(q.call.id, false);
    }
    const resourceSeen = q.resource !== undefined && a.resources.has(q.resource);
    const member = `m${(this.members++).toString(36)}`;
    const tallies = q.tallies ? this.tally(q.tallies, ts, member) : undefined;
    return { ts, lastTs, labels: [...s.labels], called: [...s.called], revision: s.revision, counts, resourceSeen, spend: { ...a.spend.get(utcDay(ts)) }, ...(tallies ? { tallies, tallyMember: member } : {}) };
  }

  /** Reads the tallies, then records the call in them (entries sorted by time). */
  private tally(q: NonNullable<StateQuery["tallies"]>, ts: number, member: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of q.read) {
      const t = this.tallies.get(r.counter);
      if (!t) continue;
      const hi = upper(t.ts, ts);
      const lo = r.windowMs !== undefined ? upper(t.ts, ts - r.windowMs) : r.from !== undefined ? upper(t.ts, r.from - 1) : 0;
      let n = 0;
      if (r.sum) for (let i = lo; i < hi; i++) n += t.v[i]!;
      else n = hi - lo;
      out[r.key] = n;
    }
    for (const rec of q.record) {
      const t = getOr(this.tallies, rec.counter, () => ({ ts: [], v: [], m: [] }));
      if (rec.retainMs >= 0 && t.ts.length > 64 && t.ts[31]! <= ts - rec.retainMs) {
        const k = upper(t.ts, ts - rec.retainMs);
        t.ts.splice(0, k); t.v.splice(0, k); t.m.splice(0, k);
      }
      const i = upper(t.ts, ts);
      t.ts.splice(i, 0, ts); t.v.splice(i, 0, rec.value); t.m.splice(i, 0, member);
    }
    return out;
  }

  finish(u: StateUpdate): void {
    const s = this.sessions.get(u.session);
    if (!s) return;
    for (const l of u.labels) s.labels.add(l);
    for (const c of u.called) s.called.add(c);
    if (u.resource !== undefined) this.agentOf(u.agent).resources.add(u.resource);
    if (u.blockedCallId !== undefined) s.ids.set(u.blockedCallId, true);
    if (u.refund) for (const c of u.refund.counters) {
      const t = this.tallies.get(c);
      const i = t ? t.m.lastIndexOf(u.refund.member) : -1;
      if (t && i >= 0) { t.ts.splice(i, 1); t.v.splice(i, 1); t.m.splice(i, 1); }
    }
  }

  mark(u: MarkUpdate): void {
    const s = this.sessionOf(u.session, "", "");
    for (const l of u.remove) s.labels.delete(l);
    for (const l of u.add) s.labels.add(l);
  }

  respond(u: ResponseUpdate): ResponseResult {
    const s = this.sessionOf(u.session, "", u.agent);
    const ts = clamp(s, u.ts);
    const blocked = u.callId === undefined ? null : s.ids.get(u.callId);
    const call: ResponseResult["call"] = blocked === null ? "none" : blocked === undefined ? "unknown" : blocked ? "blocked" : "known";
    if (blocked == null && u.fallback) {
      for (const l of u.fallback.labels) s.labels.add(l);
      s.called.add(u.fallback.key);
    }
    for (const l of u.labels ?? []) s.labels.add(l);
    const agent = u.agent || s.agent;
    if (u.cost && agent) {
      const spend = this.agentOf(agent).spend;
      const day = utcDay(ts);
      const d = getOr(spend, day, () => ({}));
      d[u.cost.currency] = (d[u.cost.currency] ?? 0) + u.cost.micros;
      for (const k of spend.keys()) if (k < day - 1) spend.delete(k);
    }
    return { ts, call };
  }
}
