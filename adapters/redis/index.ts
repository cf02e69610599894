/**
 * A Redis session store, so that several enforcer processes share one session state:
 * `createEnforcer(bundle, { store: createRedisStore({ url: "redis://127.0.0.1:6379" }) })` and
 * `await enforcer.decideAsync(event)`.
 *
 * Each store step is one Lua script (atomic; see scripts.ts), and a decision waits for one round
 * trip: `begin` reads what the decision needs, records the call, and records what the call adds to
 * the session (labels, tools, resource) as *pending*; `finish` is sent without being waited for and
 * settles the pending entry (recorded, or dropped when the call was blocked). Until it lands, every
 * replica's `begin` returns the pending entry and the enforcer decides under both outcomes, keeping
 * the strictest; an entry never settled (a replica that crashed, a lost `finish`) stays undecided
 * for the session's lifetime, so it can only make decisions stricter. Every awaited command has a
 * deadline (`timeoutMs`, 200 ms by default) and commands are not queued while disconnected, so
 * an unreachable or slow Redis makes `decideAsync` block with "session store unavailable: …"
 * (fail closed); the client reconnects on its own and decisions recover when Redis is back.
 */
import { createHash, randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { countKey, type MarkUpdate, type PendingCall, type ResponseResult, type ResponseUpdate, type SessionStore, type StateQuery, type StateSnapshot, type StateUpdate } from "../../runtime/store.js";
import { BEGIN, FINISH, MARK, RESPOND } from "./scripts.js";

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
  /** ioredis auto-pipelining of the store's own client (commands of one tick in one write), default true. */
  readonly autoPipelining?: boolean;
}

interface Script {
  readonly lua: string;
  readonly sha: string;
}

function script(lua: string): Script {
  return { lua, sha: createHash("sha1").update(lua).digest("hex") };
}

const SCRIPTS = { begin: script(BEGIN), finish: script(FINISH), respond: script(RESPOND), mark: script(MARK) };

type BeginReply = [string, string, string, string[], string[], number[], number, string[], string[], string[], string[], string];

/** The other pending calls `begin` returned: the session's (member, JSON) pairs, and the members pending on the resource. */
function pendingOf(pend: readonly string[], rpend: readonly string[]): PendingCall[] | undefined {
  if (!pend.length && !rpend.length) return undefined;
  const onResource = new Set(rpend);
  const out: PendingCall[] = [];
  const list = (x: unknown): string[] => (Array.isArray(x) ? x.filter((v): v is string => typeof v === "string") : []);
  for (let i = 0; i + 1 < pend.length; i += 2) {
    const v = JSON.parse(pend[i + 1]!) as { l?: unknown; c?: unknown };
    out.push({ labels: list(v.l), called: list(v.c), resource: onResource.delete(pend[i]!) });
  }
  // Calls of the agent's other sessions pending on the same resource.
  for (const _ of onResource) out.push({ labels: [], called: [], resource: true });
  return out;
}

/** `tenant \0 id` → `tenant:id`, each part URI-encoded (so no two keys collide). */
function enc(key: string): string {
  return key.split("\u0000").map(encodeURIComponent).join(":");
}

export class RedisStore implements SessionStore {
  readonly sync = false;
  readonly client: Redis;
  /** Round trips a caller waited for so far (`begin`, `respond`): the bench and tests report them per decision. */
  roundTrips = 0;
  /** `finish` scripts sent (not waited for), and how many of them Redis did not confirm. */
  finishes = 0;
  finishFailures = 0;
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
  /** `finish` scripts not yet answered (`close` and `settled` wait for them). */
  private readonly inFlight = new Set<Promise<unknown>>();

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
      enableAutoPipelining: opts.autoPipelining ?? true,
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

  /** Resolves when every `finish` sent so far has been answered (or failed). */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.all(this.inFlight);
  }

  /** Waits for the `finish` scripts in flight, then closes the client if the store created it. */
  async close(): Promise<void> {
    await this.settled();
    if (!this.own) return;
    try { await this.client.quit(); } catch { this.client.disconnect(); }
  }

  private sessionKeys(session: string): [string, string, string, string] {
    const s = `${this.prefix}s:${enc(session)}`;
    return [s, `${s}:labels`, `${s}:called`, `${s}:ids`];
  }

  /** The set of the members of pending calls touching a resource ('' = none: a key never written). */
  private resourcePending(agent: string, resource: string | undefined): string {
    return `${this.agentBase(agent)}:rp:${resource ? encodeURIComponent(resource) : ""}`;
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
    const r = (await this.run(SCRIPTS.begin, [s, labels, called, ids, `${a}:res`, `${s}:pend`, this.resourcePending(q.agent, q.resource)], [
      q.ts, q.revision, Math.max(q.lookbackMs, this.retain), member,
      q.call?.id !== undefined ? "1" : "0", q.call?.id ?? "", q.call?.key ?? "",
      q.resource ?? "", this.sessionTtl, enc(q.agent), `${a}:spend:`, `${a}:n:`,
      q.record.length, ...q.record, q.counts.length, ...q.counts.flatMap((c) => [c.counter, c.windowMs]),
      ...this.tallyArgs(q),
      q.adds ? JSON.stringify({ l: q.adds.labels, c: q.adds.called, t: this.resourceTtl }) : "",
    ])) as BeginReply;
    const counts: Record<string, number> = {};
    q.counts.forEach((c, i) => { counts[countKey(c.counter, c.windowMs)] = Number(r[5][i] ?? 0); });
    const spend: Record<string, number> = {};
    for (let i = 0; i + 1 < r[7].length; i += 2) spend[r[7][i]!] = Number(r[7][i + 1]);
    const tallies: Record<string, number> = {};
    q.tallies?.read.forEach((t, i) => { tallies[t.key] = Number(r[8]?.[i] ?? 0); });
    const pending = pendingOf(r[9], r[10]);
    return {
      ts: Number(r[0]), lastTs: r[1] === "" ? null : Number(r[1]), revision: r[2], labels: r[3], called: r[4], counts, resourceSeen: r[6] === 1, spend,
      ...(q.tallies ? { tallies, tallyMember: member } : {}),
      ...(pending ? { pending } : {}),
      ...(r[11] ? { pendingId: r[11] } : {}),
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
   * Settles a decision (what it let through, or its call id blocked; its pending entry; a blocked
   * call's tally entries given back) without waiting: the decision returns after one round trip.
   * Until the script lands, `begin` shows the call as pending to every replica (decided around,
   * fail closed); a script Redis never runs leaves it pending for the session's lifetime.
   */
  finish(u: StateUpdate): void {
    const [, labels, called, ids] = this.sessionKeys(u.session);
    const s = `${this.prefix}s:${enc(u.session)}`;
    const keys = [labels, called, ids, `${this.agentBase(u.agent)}:res`, `${s}:pend`, this.resourcePending(u.agent, u.settles?.resource), ...(u.refund?.counters ?? []).map((c) => this.tallyKey(c))];
    const args = [
      this.sessionTtl, this.resourceTtl, u.resource ?? "",
      u.blockedCallId !== undefined ? "1" : "0", u.blockedCallId ?? "", u.settles?.id ?? "",
      u.refund ? u.refund.ts : "", u.refund?.member ?? "",
      u.labels.length, ...u.labels, ...u.called,
    ];
    this.finishes++;
    const sent = this.client.evalsha(SCRIPTS.finish.sha, keys.length, ...keys, ...args)
      .catch((e: Error) => (String(e?.message).includes("NOSCRIPT") ? this.client.eval(SCRIPTS.finish.lua, keys.length, ...keys, ...args) : Promise.reject(e)))
      .catch((e: Error) => { this.finishFailures++; this.lastError = `finish: ${e?.message ?? String(e)}`; })
      .finally(() => this.inFlight.delete(sent));
    this.inFlight.add(sent);
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
