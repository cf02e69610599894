/**
 * The live MCP sessions of `policy enforce --listen`, each bound to the principal (token or JWT
 * subject) that opened it. Bounded two ways, so that a flood of `initialize` requests cannot grow
 * the proxy without limit:
 * - idle eviction: a session with no request in progress for `idleMs` (`--session-idle`) is closed;
 * - a cap per principal (`--max-sessions-per-token`): a new session first evicts that principal's
 *   least recently used idle session; when every one of them is busy, the new one is refused.
 * An evicted session's id answers 404, after which an MCP client starts a new session.
 */
import type { ServerResponse } from "node:http";
import type { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { ProxySession } from "./session.js";

export interface HttpSession {
  readonly transport: StreamableHTTPServerTransport;
  readonly session: ProxySession;
  /** The principal key the session is bound to. */
  readonly owner: string;
  lastSeen: number;
  /** Requests (and SSE streams) of this session still open. */
  active: number;
}

export interface SessionLimits {
  readonly idleMs: number;
  readonly maxPerOwner: number;
  readonly now: () => number;
  readonly log: (message: string) => void;
}

export class HttpSessions {
  private readonly byId = new Map<string, HttpSession>();
  private readonly byOwner = new Map<string, Set<string>>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly o: SessionLimits) {
    this.timer = setInterval(() => this.sweep(), Math.max(100, Math.min(o.idleMs / 2, 30_000)));
    this.timer.unref();
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): HttpSession | undefined {
    return this.byId.get(id);
  }

  countOf(owner: string): number {
    return this.byOwner.get(owner)?.size ?? 0;
  }

  /** Makes room for one more session of `owner`; false when its cap is reached and none is idle. */
  makeRoom(owner: string): boolean {
    const ids = this.byOwner.get(owner);
    if (!ids || ids.size < this.o.maxPerOwner) return true;
    let lru: [string, HttpSession] | undefined;
    for (const id of ids) {
      const s = this.byId.get(id)!;
      if (s.active === 0 && (!lru || s.lastSeen < lru[1].lastSeen)) lru = [id, s];
    }
    if (!lru) return false;
    this.evict(lru[0], `its token opened more than ${this.o.maxPerOwner} sessions`);
    return true;
  }

  add(id: string, s: HttpSession): void {
    this.byId.set(id, s);
    const ids = this.byOwner.get(s.owner) ?? new Set<string>();
    ids.add(id);
    this.byOwner.set(s.owner, ids);
  }

  /** Counts a request as activity until its response is closed. */
  track(s: HttpSession, res: ServerResponse): void {
    s.active++;
    s.lastSeen = this.o.now();
    res.once("close", () => { s.active--; s.lastSeen = this.o.now(); });
  }

  /** Forgets a session (its transport closed); idempotent. */
  remove(id: string): HttpSession | undefined {
    const s = this.byId.get(id);
    if (!s) return undefined;
    this.byId.delete(id);
    const ids = this.byOwner.get(s.owner);
    ids?.delete(id);
    if (ids && !ids.size) this.byOwner.delete(s.owner);
    return s;
  }

  /** Closes a session and forgets it. */
  evict(id: string, why: string): void {
    const s = this.remove(id);
    if (!s) return;
    this.o.log(`session ${s.session.id} closed: ${why}`);
    void s.transport.close().catch(() => undefined);
    void s.session.close();
  }

  /** Closes every session idle for longer than `idleMs`. */
  sweep(): void {
    const cutoff = this.o.now() - this.o.idleMs;
    for (const [id, s] of this.byId) if (s.active === 0 && s.lastSeen <= cutoff) this.evict(id, `idle for ${Math.round(this.o.idleMs / 1000)}s`);
  }

  async closeAll(): Promise<void> {
    clearInterval(this.timer);
    for (const id of [...this.byId.keys()]) {
      const s = this.remove(id)!;
      await s.transport.close().catch(() => undefined);
      await s.session.close();
    }
  }
}
