/**
 * A Redis session store, so that several enforcer processes share one session state:
 * `createEnforcer(bundle, { store: createRedisStore({ url: "redis://127.0.0.1:6379" }) })` and
 * `await enforcer.decideAsync(event)`.
 *
 * Each store step is one Lua script (atomic; see scripts.ts): `begin` reads what the decision
 * needs and records the call atomically, and `finish` (when the decision records something) is
 * awaited before the decision returns, so every replica's next decision sees it. Every command has a
 * deadline (`timeoutMs`, 200 ms by default) and commands are not queued while disconnected, so
 * an unreachable or slow Redis makes `decideAsync` block with "session store unavailable: …"
 * (fail closed); the client reconnects on its own and decisions recover when Redis is back.
 */
import { createHash, randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { countKey, type MarkUpdate, type ResponseResult, type ResponseUpdate, type SessionStore, type StateQuery, type StateSnapshot, type StateUpdate } from "../../runtime/store.js";
import { BEGIN, FINISH, MARK, REFUND, RESPOND } from "./scripts.js";

export interface RedisStoreOptions {
  /** `redis://host:port/db`; ignored when `client` is given. Default `redis://127.0.0.1:6379`. */
  readonly url?: string;
  /** A client of your own (its reconnection settings are yours; the deadline still applies). */
  readonly client?: Redis;
  /** Key prefix, default `policy:`. */
  readonly prefix?: string;
  /** Deadline of every store step in ms, default 200. */
  readonly timeoutMs?: number;
  /** Session keys expire this long after the session's last event, default 7 days. */
  readonly sessionTtlMs?: number;
  /** An agent's touched resources expire this long after the last touch, default 90 days. */
  readonly resourceTtlMs?: number;
  /** Calls are kept at least this long for `rate` / `burst`, default 1 hour (longer windows extend it). */
  readonly retainMs?: number;
}

interface Script {
  readonly lua: string;
  readonly sha: string;
}

function script(lua: string): Script {
  return { lua, sha: createHash("sha1").update(lua).digest("hex") };
}

const SCRIPTS = { begin: script(BEGIN), finish: script(FINISH), respond: script(RESPOND), refund: script(REFUND), mark: script(MARK) };

/** `tenant \0 id` → `tenant:id`, each part URI-encoded (so no two keys collide). */
function enc(key: string): string {
  return key.split("\u0000").map(encodeURIComponent).join(":");
}

export class RedisStore implements SessionStore {
  readonly sync = false;
  readonly client: Redis;
  /** Round trips a caller waited for so far: the bench and tests report round trips per decision. */
  roundTrips = 0;
  /** The last connection error, for diagnostics. */
  lastError: string | undefined;
  private readonly own: boolean;
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly sessionTtl: number;
  private readonly resourceTtl: number;
  private readonly retain: number;
  private readonly uniq = randomBytes(6).toString("base64url");
  private counter = 0;

  constructor(opts: RedisStoreOptions = {}) {
    this.prefix = opts.prefix ?? "policy:";
    this.timeoutMs = opts.timeoutMs ?? 200;
    this.sessionTtl = opts.sessionTtlMs ?? 7 * 86_400_000;
    this.resourceTtl = opts.resourceTtlMs ?? 90 * 86_400_000;
    this.retain = opts.retainMs ?? 3_600_000;
    this.own = !opts.client;
    this.client = opts.client ?? new Redis(opts.url ?? "redis://127.0.0.1:6379", {
      commandTimeout: this.timeoutMs,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: Math.max(1000, this.timeoutMs * 5),
      retryStrategy: (times: number) => Math.min(50 * times, 1000),
    });
    this.client.on("error", (e: Error) => { this.lastError = e.message; });
  }

  /**
   * Resolves when the client is connected (or rejects after `ms`), with the scripts loaded, so
   * that a decision's EVALSHA does not come back NOSCRIPT (a second round trip).
   */
  async ready(ms = 5000): Promise<void> {
    if (this.client.status !== "ready") {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => { this.client.off("ready", ok); reject(new Error(`redis not ready within ${ms} ms${this.lastError ? `: ${this.lastError}` : ""}`)); }, ms);
        const ok = () => { clearTimeout(t); resolve(); };
        this.client.once("ready", ok);
      });
    }
    await Promise.all(Object.values(SCRIPTS).map((s) => this.client.script("LOAD", s.lua)));
  }

  /** Closes the client if the store created it. */
  async close(): Promise<void> {
    if (!this.own) return;
    try { await this.client.quit(); } catch { this.client.disconnect(); }
  }

  private sessionKeys(session: string): [string, string, string, string] {
    const s = `${this.prefix}s:${enc(session)}`;
    return [s, `${s}:labels`, `${s}:called`, `${s}:ids`];
  }

  private agentBase(agent: string): string {
    return `${this.prefix}a:${enc(agent)}`;
  }

  /** Runs a script (EVALSHA, loading it on NOSCRIPT) within the deadline. */
  private async run(s: Script, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    this.roundTrips++;
    const call = async () => {
      try {
        return await this.client.evalsha(s.sha, keys.length, ...keys, ...args);
      } catch (e) {
        if (!String((e as Error)?.message).includes("NOSCRIPT")) throw e;
        this.roundTrips++;
        return await this.client.eval(s.lua, keys.length, ...keys, ...args);
      }
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`redis did not answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      return await Promise.race([call(), deadline]);
    } catch (e) {
      throw new Error(`redis: ${(e as Error)?.message ?? String(e)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  async begin(q: StateQuery): Promise<StateSnapshot> {
    const [s, labels, called, ids] = this.sessionKeys(q.session);
    const a = this.agentBase(q.agent);
    const member = q.call ? `${this.uniq}.${(this.counter++).toString(36)}` : "";
    const r = (await this.run(SCRIPTS.begin, [s, labels, called, ids, `${a}:res`], [
      q.ts, q.revision, Math.max(q.lookbackMs, this.retain), member,
      q.call?.id !== undefined ? "1" : "0", q.call?.id ?? "", q.call?.key ?? "",
      q.resource ?? "", this.sessionTtl, enc(q.agent), `${a}:spend:`, `${a}:n:`,
      q.record.length, ...q.record, q.counts.length, ...q.counts.flatMap((c) => [c.counter, c.windowMs]),
      ...this.tallyArgs(q),
    ])) as [string, string, string, string[], string[], number[], number, string[], string[]];
    const counts: Record<string, number> = {};
    q.counts.forEach((c, i) => { counts[countKey(c.counter, c.windowMs)] = Number(r[5][i] ?? 0); });
    const spend: Record<string, number> = {};
    for (let i = 0; i + 1 < r[7].length; i += 2) spend[r[7][i]!] = Number(r[7][i + 1]);
    const tallies: Record<string, number> = {};
    q.tallies?.read.forEach((t, i) => { tallies[t.key] = Number(r[8]?.[i] ?? 0); });
    return {
      ts: Number(r[0]), lastTs: r[1] === "" ? null : Number(r[1]), revision: r[2], labels: r[3], called: r[4], counts, resourceSeen: r[6] === 1, spend,
      ...(q.tallies ? { tallies, tallyMember: member } : {}),
    };
  }

  /** The key of a tally's sorted set. */
  private tallyKey(counter: string): string {
    return `${this.prefix}t:${enc(counter)}`;
  }

  /** The tally part of BEGIN's arguments (see scripts.ts). */
  private tallyArgs(q: StateQuery): (string | number)[] {
    const t = q.tallies;
    if (!t) return [0, 0];
    const mode = (r: (typeof t.read)[number]) => (r.windowMs !== undefined ? `w${r.windowMs}` : r.from !== undefined ? `f${r.from}` : "a");
    return [
      t.read.length, ...t.read.flatMap((r) => [this.tallyKey(r.counter), mode(r), r.sum ? "1" : "0"]),
      t.record.length, ...t.record.flatMap((r) => [this.tallyKey(r.counter), r.value, r.retainMs]),
    ];
  }

  /**
   * Records what a decision let through, and waits for Redis to confirm it: another replica's next
   * decision must see it (a label, a resource, a blocked call id). A blocked call's tally entry is
   * given back beside it. A store that does not confirm in time fails the decision closed.
   */
  async finish(u: StateUpdate): Promise<void> {
    const [, labels, called, ids] = this.sessionKeys(u.session);
    const done = this.run(SCRIPTS.finish, [labels, called, ids, `${this.agentBase(u.agent)}:res`], [
      this.sessionTtl, this.resourceTtl, u.resource ?? "",
      u.blockedCallId !== undefined ? "1" : "0", u.blockedCallId ?? "",
      u.labels.length, ...u.labels, ...u.called,
    ]);
    if (!u.refund) { await done; return; }
    const refund = this.run(SCRIPTS.refund, u.refund.counters.map((c) => this.tallyKey(c)), [u.refund.ts, u.refund.member]);
    await Promise.all([refund, done]);
  }

  /** A message's session changes, in that session's labels only; awaited (the next decision of any replica sees them). */
  async mark(u: MarkUpdate): Promise<void> {
    const [, labels] = this.sessionKeys(u.session);
    await this.run(SCRIPTS.mark, [labels], [this.sessionTtl, u.remove.length, ...u.remove, ...u.add]);
  }

  async respond(u: ResponseUpdate): Promise<ResponseResult> {
    const keys = this.sessionKeys(u.session);
    const r = (await this.run(SCRIPTS.respond, keys, [
      u.ts, u.callId !== undefined ? "1" : "0", u.callId ?? "", u.fallback?.key ?? "",
      u.cost?.currency ?? "", u.cost?.micros ?? 0, u.agent ? enc(u.agent) : "", `${this.prefix}a:`, this.sessionTtl,
      u.labels?.length ?? 0, ...(u.labels ?? []), ...(u.fallback?.labels ?? []),
    ])) as [string, ResponseResult["call"]];
    return { ts: Number(r[0]), call: r[1] };
  }
}

/** Creates a Redis session store: `createRedisStore({ url, prefix, timeoutMs })` or `{ client }`. */
export function createRedisStore(opts: RedisStoreOptions = {}): RedisStore {
  return new RedisStore(opts);
}
