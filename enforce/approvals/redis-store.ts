/**
 * Approvals in Redis (used when the proxy runs with `--store redis://…`, so that approvers and
 * several proxy replicas share them). Same rules as the file store: votes are `HSETNX` per role,
 * the outcome is `SET NX` (the first writer wins), nothing is rewritten.
 * Keys: `<prefix>ap:<id>` (request JSON), `<prefix>ap:<id>:votes` (hash role → vote JSON),
 * `<prefix>ap:<id>:outcome`, and the index `<prefix>ap:index` (sorted set by creation time).
 */
import { Redis } from "ioredis";
import { statusOf, type ApprovalRequest, type ApprovalStore, type ApprovalView, type Outcome, type Vote, type VoteInput, type VoteResult } from "./types.js";
import { castVote, expireApproval, type VoteStorage } from "./voting.js";

const TTL_S = 7 * 86_400;

export class RedisApprovalStore implements ApprovalStore {
  readonly client: Redis;
  private readonly own: boolean;

  constructor(o: { url?: string; client?: Redis; prefix?: string }, private readonly now: () => number = Date.now, private readonly prefix = o.prefix ?? "policy:") {
    this.own = !o.client;
    this.client = o.client ?? new Redis(o.url ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 1, connectTimeout: 2000, enableOfflineQueue: true });
    this.client.on("error", () => undefined);
  }

  private key(id: string): string {
    return `${this.prefix}ap:${id}`;
  }

  async create(r: ApprovalRequest): Promise<void> {
    await this.client.multi()
      .set(this.key(r.id), JSON.stringify(r), "EX", TTL_S)
      .zadd(`${this.prefix}ap:index`, Date.parse(r.created), r.id)
      .exec();
  }

  async get(id: string): Promise<ApprovalView | undefined> {
    const [req, votes, outcome] = await Promise.all([
      this.client.get(this.key(id)),
      this.client.hgetall(`${this.key(id)}:votes`),
      this.client.get(`${this.key(id)}:outcome`),
    ]);
    if (!req) return undefined;
    const request = JSON.parse(req) as ApprovalRequest;
    const vs = Object.values(votes).map((v) => JSON.parse(v) as Vote).sort((a, b) => a.at.localeCompare(b.at));
    const o = outcome ? (JSON.parse(outcome) as Outcome) : undefined;
    const { status, waitingFor } = statusOf(request, vs, o, this.now());
    return { request, votes: vs, status, waitingFor, ...(o ? { outcome: o } : {}) };
  }

  async list(opts: { all?: boolean } = {}): Promise<ApprovalView[]> {
    const ids = await this.client.zrange(`${this.prefix}ap:index`, 0, -1);
    const out: ApprovalView[] = [];
    const gone: string[] = [];
    for (const id of ids) {
      const v = await this.get(id);
      if (!v) { gone.push(id); continue; }
      if (opts.all || v.status === "pending") out.push(v);
    }
    if (gone.length) await this.client.zrem(`${this.prefix}ap:index`, ...gone);
    return out;
  }

  /** The storage primitives the shared voting rules work on. */
  private readonly storage: VoteStorage = {
    get: (id) => this.get(id),
    recordVote: async (id, vote) => {
      const set = await this.client.hsetnx(`${this.key(id)}:votes`, vote.role, JSON.stringify(vote));
      await this.client.expire(`${this.key(id)}:votes`, TTL_S);
      return set === 1;
    },
    settle: (id, status, by) => this.settle(id, status, by),
    now: () => this.now(),
  };

  private async settle(id: string, status: Outcome["status"], by?: string): Promise<ApprovalView | undefined> {
    const o: Outcome = { status, at: new Date(this.now()).toISOString(), ...(by ? { by } : {}) };
    await this.client.set(`${this.key(id)}:outcome`, JSON.stringify(o), "EX", TTL_S, "NX");
    return this.get(id);
  }

  async vote(id: string, v: VoteInput): Promise<VoteResult> {
    return castVote(this.storage, id, v);
  }

  async expire(id: string): Promise<ApprovalView | undefined> {
    return expireApproval(this.storage, id);
  }


  async close(): Promise<void> {
    if (!this.own) return;
    try { await this.client.quit(); } catch { this.client.disconnect(); }
  }
}
