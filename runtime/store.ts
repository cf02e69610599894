/**
 * Session state behind a small interface, so that many enforcement replicas can share it
 * (the Redis adapter lives outside `runtime/`). The in-memory store is the default.
 *
 * A decision is two steps: `begin` (atomically read what the session conditions need and record
 * the call: rate, resource) and `finish` (record what the decision lets through: labels, tools
 * called). `observe` records responses (cost, labels of calls whose request was not seen).
 */

export interface CallRecord {
  readonly ts: number;
  /** `integration.tool` */
  readonly key: string;
  readonly op: string;
}

export interface StateQuery {
  readonly session: string;
  readonly agent: string;
  /** The call being decided (recorded for rate and burst). */
  readonly call?: CallRecord;
  /** Calls older than this are not returned (and may be dropped). */
  readonly since: number;
  /** `integration:value` of the tool's resource argument, when it has one. */
  readonly resource?: string;
  /** UTC day `YYYY-MM-DD` for spend. */
  readonly day: string;
  /** The revision to pin a new session to. */
  readonly revision: string;
}

export interface StateSnapshot {
  readonly labels: readonly string[];
  readonly called: readonly string[];
  /** The revision the session is pinned to (the one given when the session is new). */
  readonly revision: string;
  readonly lastTs: number;
  /** This agent's calls since `since`, excluding the current one. */
  readonly calls: readonly CallRecord[];
  /** Whether the resource had been touched before this call. */
  readonly resourceSeen: boolean;
  /** This agent's spend today, by currency. */
  readonly spend: Readonly<Record<string, number>>;
}

export interface StateUpdate {
  readonly session: string;
  readonly labels: readonly string[];
  readonly called: readonly string[];
  readonly lastTs: number;
}

export interface SpendUpdate {
  readonly agent: string;
  readonly day: string;
  readonly currency: string;
  readonly amount: number;
}

type MaybePromise<T> = T | Promise<T>;

export interface SessionStore {
  /** True when every method returns synchronously (required by `decide`; `decideAsync` takes either). */
  readonly sync: boolean;
  begin(q: StateQuery): MaybePromise<StateSnapshot>;
  finish(u: StateUpdate): MaybePromise<void>;
  addSpend(u: SpendUpdate): MaybePromise<void>;
}

interface MemSession { labels: Set<string>; called: Set<string>; revision: string; lastTs: number }
interface MemAgent { calls: CallRecord[]; resources: Set<string>; spend: Map<string, Record<string, number>> }

/** The default store: one process, state in maps. Old calls are pruned as windows pass. */
export class MemoryStore implements SessionStore {
  readonly sync = true;
  private readonly sessions = new Map<string, MemSession>();
  private readonly agents = new Map<string, MemAgent>();

  private agent(id: string): MemAgent {
    let a = this.agents.get(id);
    if (!a) { a = { calls: [], resources: new Set(), spend: new Map() }; this.agents.set(id, a); }
    return a;
  }

  begin(q: StateQuery): StateSnapshot {
    let s = this.sessions.get(q.session);
    if (!s) { s = { labels: new Set(), called: new Set(), revision: q.revision, lastTs: -Infinity }; this.sessions.set(q.session, s); }
    const a = this.agent(q.agent);
    let drop = 0;
    while (drop < a.calls.length && a.calls[drop]!.ts < q.since) drop++;
    if (drop) a.calls.splice(0, drop);
    const calls = a.calls.slice();
    if (q.call) a.calls.push(q.call);
    const resourceSeen = q.resource !== undefined && a.resources.has(q.resource);
    if (q.resource !== undefined) a.resources.add(q.resource);
    return { labels: [...s.labels], called: [...s.called], revision: s.revision, lastTs: s.lastTs, calls, resourceSeen, spend: { ...(a.spend.get(q.day) ?? {}) } };
  }

  finish(u: StateUpdate): void {
    const s = this.sessions.get(u.session);
    if (!s) return;
    for (const l of u.labels) s.labels.add(l);
    for (const c of u.called) s.called.add(c);
    if (u.lastTs > s.lastTs) s.lastTs = u.lastTs;
  }

  addSpend(u: SpendUpdate): void {
    const a = this.agent(u.agent);
    const day = a.spend.get(u.day) ?? {};
    day[u.currency] = (day[u.currency] ?? 0) + u.amount;
    a.spend.set(u.day, day);
  }
}
