/**
 * Approvals in Redis (used when the proxy runs with `--store redis://…`, so that approvers and
 * several proxy replicas share them). Same records and rules as the file store: the proxy seals
 * requests, votes and outcomes (seal.ts); approvers push ballots; nothing is rewritten. A vote is
 * recorded by one Lua script that refuses it when its role or its person already voted (atomic
 * separation of duties); the outcome is `SET NX` (the first writer wins).
 * Keys: `<prefix>ap:<id>` (request), `…:votes` (hash role → vote), `…:voters` (set of persons),
 * `…:outcome`, `…:ballots` (list), `…:receipts` (hash ref → receipt), and `<prefix>ap:index`.
 * A ballot's author is the user name the CLI reports: Redis access control is what stands behind it.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import type { ApprovalStore, Ballot, Outcome, Receipt, SealedRequest, StoredApproval, StoredBallot, Vote } from "./types.js";

const TTL_S = 7 * 86_400;

/** KEYS: votes, voters. ARGV: role, person, vote JSON, ttl. */
const RECORD_VOTE = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 or redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 1`;

const parse = <T>(s: string | null | undefined): T | undefined => {
  if (!s) return undefined;
  try { return JSON.parse(s) as T; } catch { return undefined; }
};

export class RedisApprovalStore implements ApprovalStore {
  readonly client: Redis;
  private readonly own: boolean;
  private readonly prefix: string;

  constructor(o: { url?: string; client?: Redis; prefix?: string }) {
    this.own = !o.client;
    this.prefix = o.prefix ?? "policy:";
    this.client = o.client ?? new Redis(o.url ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 1, connectTimeout: 2000, enableOfflineQueue: true });
    this.client.on("error", () => undefined);
  }

  private key(id: string, part = ""): string {
    return `${this.prefix}ap:${id}${part}`;
  }

  async create(r: SealedRequest): Promise<void> {
    const [[err, ok] = [null, null]] = (await this.client.multi()
      .set(this.key(r.id), JSON.stringify(r), "EX", TTL_S, "NX")
      .zadd(`${this.prefix}ap:index`, Date.parse(r.created), r.id)
      .exec()) ?? [];
    if (err) throw err;
    if (ok !== "OK") throw new Error(`approval ${r.id} exists already`);
  }

  async get(id: string): Promise<StoredApproval | undefined> {
    const [req, votes, outcome] = await Promise.all([
      this.client.get(this.key(id)),
      this.client.hgetall(this.key(id, ":votes")),
      this.client.get(this.key(id, ":outcome")),
    ]);
    const request = parse<SealedRequest>(req);
    if (!request) return undefined;
    const vs = Object.values(votes).map((v) => parse<Vote>(v)).filter((v): v is Vote => v !== undefined).sort((a, b) => String(a.at).localeCompare(String(b.at)));
    const o = parse<Outcome>(outcome);
    return { request, votes: vs, ...(o ? { outcome: o } : {}) };
  }

  async list(): Promise<StoredApproval[]> {
    const ids = await this.client.zrange(`${this.prefix}ap:index`, 0, -1);
    const out: StoredApproval[] = [];
    const gone: string[] = [];
    for (const id of ids) {
      const v = await this.get(id);
      if (v) out.push(v); else gone.push(id);
    }
    if (gone.length) await this.client.zrem(`${this.prefix}ap:index`, ...gone);
    return out;
  }

  async submit(id: string, b: Ballot): Promise<string> {
    if (!(await this.client.exists(this.key(id)))) throw new Error(`no approval with id "${id}"`);
    const ref = `${Date.now().toString(36)}${randomBytes(6).toString("hex")}`;
    await this.client.multi().rpush(this.key(id, ":ballots"), JSON.stringify({ ref, ballot: b })).expire(this.key(id, ":ballots"), TTL_S).exec();
    return ref;
  }

  async receipt(id: string, ref: string): Promise<Receipt | undefined> {
    return parse<Receipt>(await this.client.hget(this.key(id, ":receipts"), ref));
  }

  async ballots(id: string): Promise<StoredBallot[]> {
    const [all, answered] = await Promise.all([this.client.lrange(this.key(id, ":ballots"), 0, 999), this.client.hkeys(this.key(id, ":receipts"))]);
    const done = new Set(answered);
    const out: StoredBallot[] = [];
    for (const [i, s] of all.entries()) {
      const x = parse<{ ref?: unknown; ballot?: Ballot }>(s);
      const ref = typeof x?.ref === "string" && /^[a-z0-9]{8,40}$/.test(x.ref) ? x.ref : `bad${i}`;
      if (done.has(ref)) continue;
      out.push(x?.ballot && typeof x.ballot === "object" ? { ref, ballot: x.ballot } : { ref, ballot: undefined, problem: "the ballot is not JSON" });
    }
    return out;
  }

  async answer(id: string, ref: string, r: Receipt): Promise<void> {
    await this.client.multi().hsetnx(this.key(id, ":receipts"), ref, JSON.stringify(r)).expire(this.key(id, ":receipts"), TTL_S).exec();
  }

  async recordVote(id: string, v: Vote): Promise<boolean> {
    const r = await this.client.eval(RECORD_VOTE, 2, this.key(id, ":votes"), this.key(id, ":voters"), v.role, v.by, JSON.stringify(v), TTL_S);
    return r === 1;
  }

  async settle(id: string, o: Outcome): Promise<void> {
    await this.client.set(this.key(id, ":outcome"), JSON.stringify(o), "EX", TTL_S, "NX");
  }

  async close(): Promise<void> {
    if (!this.own) return;
    try { await this.client.quit(); } catch { this.client.disconnect(); }
  }
}
