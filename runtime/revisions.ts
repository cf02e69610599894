/**
 * The revisions an enforcer has loaded and which session is pinned to which (SPEC §8: a session
 * keeps the revision it started on across reloads). The one revision-pinning mechanism: the
 * enforcer pins a session on its first event; a host that knows when a session opens (the MCP proxy)
 * opens it explicitly, which pins it and holds its revision loaded until the session closes.
 * Bounded: at most MAX_REVISIONS revisions that no open session holds, and MAX_PINS pins of
 * sessions that are not open (the oldest is forgotten first; a forgotten session is decided with
 * the current revision, or with the one the shared store names).
 * While one revision is all that has been loaded, every session is on it and a decision looks
 * nothing up: the sessions decided are written to a log (a ring of MAX_PINS decisions, two array
 * stores each), and pinned from it when a second revision loads. An opened session is pinned at
 * once, whatever the log keeps.
 */
import { readKey, type TallySpec } from "./tally.js";
import type { CExpr } from "./types.js";
import type { CountQuery } from "./store.js";
import type { Compiled } from "./compiled.js";

const MAX_REVISIONS = 16;
const MAX_PINS = 100_000;

export class Revisions {
  current: Compiled | undefined;
  private readonly byRevision = new Map<string, Compiled>();
  /** Revision → how many open sessions hold it. */
  private readonly holds = new Map<string, number>();
  /** Pinned sessions: tenant → session id → revision. */
  private readonly pins = new Map<string, Map<string, string>>();
  /** Open sessions (tenant NUL session id) → the revision each holds: their pins are never forgotten while open. */
  private readonly open = new Map<string, string>();
  /** The pinned sessions in pinning order (a ring of MAX_PINS): the oldest is forgotten first. */
  private readonly pinTenants: string[] = [];
  private readonly pinSessions: string[] = [];
  private pinHead = 0;
  /** Until a second revision loads: the sessions of the last MAX_PINS decisions (a ring), pinned when it does. */
  private single = true;
  private readonly logTenants: string[] = [];
  private readonly logSessions: string[] = [];
  private logHead = 0;
  /** Decisions logged so far, and when (in that count) each session closed while logging: its earlier entries are not pinned. */
  private logged = 0;
  private readonly closedAt = new Map<string, number>();
  /** Over every loaded revision: whether any has session conditions, and what the store must keep. */
  stateful = false;
  lookback = 0;
  filters = new Map<string, CExpr | undefined>();
  counts: CountQuery[] = [];
  tallies: TallySpec[] = [];

  /** Makes `c` the current revision (new sessions start on it). */
  add(c: Compiled): void {
    if (this.single && this.current && this.current.bundle.revision !== c.bundle.revision) this.pinLogged(this.current.bundle.revision);
    this.current = c;
    this.byRevision.delete(c.bundle.revision);
    this.byRevision.set(c.bundle.revision, c);
    this.evict();
  }

  /** Forgets the oldest revisions beyond MAX_REVISIONS that are neither current nor held; recounts what the store must keep. */
  private evict(): void {
    for (const r of this.byRevision.keys()) {
      if (this.byRevision.size <= MAX_REVISIONS) break;
      if (r !== this.current!.bundle.revision && !this.holds.has(r)) this.byRevision.delete(r);
    }
    const all = [...this.byRevision.values()];
    this.stateful = all.some((x) => x.stateful);
    this.lookback = Math.max(0, ...all.map((x) => x.lookback));
    this.filters = new Map(all.flatMap((x) => [...x.filters]));
    this.counts = [...new Map(all.flatMap((x) => [...x.counts])).values()];
    this.tallies = [...new Map(all.flatMap((x) => x.tallies.map((t) => [`${readKey(t)}|${t.allowed}`, t] as const))).values()];
  }

  get(revision: string): Compiled | undefined {
    return this.byRevision.get(revision);
  }

  get size(): number {
    return this.byRevision.size;
  }

  values(): IterableIterator<Compiled> {
    return this.byRevision.values();
  }

  /** The revision the session is pinned to; a session not seen before is pinned to the current one. */
  pinned(tenant: string, session: string): Compiled {
    const cur = this.current!;
    if (this.single) {
      this.log(tenant, session);
      return cur;
    }
    const r = this.pins.get(tenant)?.get(session);
    if (r === cur.bundle.revision) return cur;
    if (r !== undefined) {
      const c = this.byRevision.get(r);
      if (c) return c;
    }
    this.pin(tenant, session, cur.bundle.revision);
    return cur;
  }

  /** Writes a decided session to the log (one revision loaded so far): no lookup. */
  private log(tenant: string, session: string): void {
    const h = this.logHead;
    this.logTenants[h] = tenant;
    this.logSessions[h] = session;
    this.logHead = h + 1 === MAX_PINS ? 0 : h + 1;
    this.logged++;
  }

  /** Notes when a session closed while logging; a close older than the whole log is dropped (bounded like the log). */
  private closedWhileLogging(key: string): void {
    this.closedAt.delete(key);
    this.closedAt.set(key, this.logged);
    if (this.closedAt.size <= MAX_PINS) return;
    for (const [k, at] of this.closedAt) {
      if (at > this.logged - MAX_PINS && this.closedAt.size <= MAX_PINS) break;
      this.closedAt.delete(k);
    }
  }

  /** A second revision loads: every logged session (oldest first) not pinned yet is pinned to `revision`; the log is done with. */
  private pinLogged(revision: string): void {
    this.single = false;
    const n = this.logTenants.length;
    for (let k = 0; k < n; k++) {
      const at = (this.logHead + k) % n;
      const t = this.logTenants[at]!, s = this.logSessions[at]!;
      const closed = this.closedAt.size ? this.closedAt.get(`${t}\u0000${s}`) : undefined;
      if (closed !== undefined && closed > this.logged - n + k) continue; // logged before it closed
      if (!this.pins.get(t)?.has(s)) this.pin(t, s, revision);
    }
    this.logTenants.length = 0;
    this.logSessions.length = 0;
    this.closedAt.clear();
  }

  pin(tenant: string, session: string, revision: string): void {
    let m = this.pins.get(tenant);
    if (!m) this.pins.set(tenant, (m = new Map()));
    if (!m.has(session)) this.remember(tenant, session, m);
    m.set(session, revision);
  }

  /** Puts a new pin in the ring, forgetting the oldest one when the ring is full (open sessions stay pinned). */
  private remember(tenant: string, session: string, m: Map<string, string>): void {
    if (this.pinTenants.length < MAX_PINS) {
      this.pinTenants.push(tenant);
      this.pinSessions.push(session);
      return;
    }
    const h = this.pinHead;
    const t = this.pinTenants[h]!, s = this.pinSessions[h]!;
    if (!this.open.has(`${t}\u0000${s}`)) this.forget(t, s, m);
    this.pinTenants[h] = tenant;
    this.pinSessions[h] = session;
    this.pinHead = (h + 1) % MAX_PINS;
  }

  private forget(tenant: string, session: string, keep?: Map<string, string>): void {
    const old = this.pins.get(tenant);
    old?.delete(session);
    if (old && !old.size && old !== keep) this.pins.delete(tenant);
  }

  /**
   * Opens a session: pins it (to the current revision unless it is pinned already) and holds that
   * revision loaded until `close`. Returns the revision.
   */
  openSession(tenant: string, session: string): string {
    const c = this.pinned(tenant, session);
    if (this.single && !this.pins.get(tenant)?.has(session)) this.pin(tenant, session, c.bundle.revision);
    const key = `${tenant}\u0000${session}`;
    if (!this.open.has(key)) {
      const r = c.bundle.revision;
      this.open.set(key, r);
      this.holds.set(r, (this.holds.get(r) ?? 0) + 1);
    }
    return c.bundle.revision;
  }

  /**
   * Closes a session opened with `openSession`: the revision it held is no longer held (the one
   * `openSession` counted, even when a shared store has pinned the session elsewhere since), its
   * pin forgotten.
   */
  closeSession(tenant: string, session: string): void {
    const key = `${tenant}\u0000${session}`;
    const r = this.open.get(key);
    if (r === undefined) return;
    this.open.delete(key);
    this.forget(tenant, session);
    if (this.single) this.closedWhileLogging(key);
    const n = (this.holds.get(r) ?? 1) - 1;
    if (n > 0) this.holds.set(r, n);
    else this.holds.delete(r);
    this.evict();
  }
}
