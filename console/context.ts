/**
 * What one running console works with: the approval store the proxy uses (state dir or Redis),
 * the proxy's approval key (to vouch for the person behind each ballot and to sign login tokens),
 * the decision logs, the recordings, the bundles (policy source lines, `policy explain`), the
 * tool inventory built from the logs and recordings, the acknowledgement store and the browser
 * sessions. Opened once at start; every screen reads from it.
 */
import { existsSync, readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { FileApprovalStore } from "../enforce/approvals/file-store.js";
import { RedisApprovalStore } from "../enforce/approvals/redis-store.js";
import { loadOrCreateKey, macOf } from "../enforce/approvals/seal.js";
import { ApprovalClerk } from "../enforce/approvals/clerk.js";
import { viewOf, type ApprovalStore, type ApprovalView, type Ballot, type StoredApproval } from "../enforce/approvals/types.js";
import { schemaValidator } from "../compiler/json/validate.js";
import { loadBundle } from "../runtime/bundle-check.js";
import type { Bundle, BundlePolicy } from "../runtime/types.js";
import type { Authenticator } from "../enforce/http-auth.js";
import { loginKey, Sessions } from "./auth.js";
import { DecisionLogs } from "./data/decision-log.js";
import { Recordings } from "./data/recordings.js";
import { FileAckStore, RedisAckStore, type AckStore } from "./data/acks.js";
import { InventoryData } from "./data/inventory.js";

export interface ConsoleSources {
  /** The proxy's `--state-dir` (its approval key; the approvals too unless `store`). */
  readonly stateDir: string;
  /** `redis://…` when the proxy runs with `--store`. */
  readonly store?: string;
  readonly decisionLogs?: readonly string[];
  readonly records?: readonly string[];
  /** Bundles the proxy serves (or served): the policies' source lines and `explain`. */
  readonly bundles?: readonly string[];
  /**
   * The proxy's HTTP authentication (`--auth-token-file`, `--jwt-key`): its named tokens and the
   * JWTs it accepts also sign a person in (the token's name, the JWT's subject).
   */
  readonly auth?: Authenticator;
  readonly now?: () => number;
}

/** An approval as the console shows it: `tampered` says why its records are not the proxy's. */
export type ConsoleView = ApprovalView & { readonly tampered?: string };

export class ConsoleContext {
  readonly approvals: ApprovalStore;
  readonly acks: AckStore;
  readonly logs: DecisionLogs;
  readonly recordings: Recordings;
  readonly inventory: InventoryData;
  readonly bundles = new Map<string, Bundle>();
  readonly sessions: Sessions;
  readonly loginKey: Uint8Array;
  readonly auth: Authenticator | undefined;
  readonly now: () => number;
  private readonly key: Buffer;
  private readonly redis: Redis | undefined;
  /** Used only to verify records (`check`): the console never creates, counts or settles. */
  private readonly verifier: ApprovalClerk;

  constructor(o: ConsoleSources) {
    this.now = o.now ?? Date.now;
    this.auth = o.auth;
    if (!existsSync(o.stateDir)) throw new Error(`the state dir ${o.stateDir} does not exist: start \`policy enforce --state-dir ${o.stateDir}\` once first, or give the one it uses`);
    this.key = loadOrCreateKey(o.stateDir);
    this.loginKey = loginKey(this.key);
    if (o.store) {
      if (!/^rediss?:\/\//.test(o.store)) throw new Error(`--store must be a redis:// URL, not "${o.store}"`);
      this.redis = new Redis(o.store, { maxRetriesPerRequest: 1, connectTimeout: 2000 });
      this.redis.on("error", () => undefined);
      this.approvals = new RedisApprovalStore({ client: this.redis });
      this.acks = new RedisAckStore(this.redis);
    } else {
      this.approvals = new FileApprovalStore(o.stateDir);
      this.acks = new FileAckStore(o.stateDir);
    }
    this.verifier = new ApprovalClerk(this.approvals, this.key, () => undefined, this.now);
    this.logs = new DecisionLogs(o.decisionLogs ?? []);
    this.recordings = new Recordings(o.records ?? []);
    this.inventory = new InventoryData(o.decisionLogs ?? [], this.recordings);
    for (const f of o.bundles ?? []) this.addBundle(f);
    this.sessions = new Sessions(this.now);
  }

  private addBundle(file: string): void {
    let b: unknown;
    try { b = JSON.parse(readFileSync(file, "utf8")); } catch (e) { throw new Error(`cannot read the bundle ${file}: ${(e as Error).message}`); }
    if (!schemaValidator("bundle.schema.json")(b)) throw new Error(`${file} is not a policy bundle (it does not follow schemas/bundle.schema.json)`);
    const r = loadBundle(b);
    if ("problem" in r) throw new Error(`${file} is rejected by the runtime: ${r.problem}`);
    this.bundles.set(r.bundle.revision, r.bundle);
  }

  /** The policy `id` of the bundle with `revision`, when that bundle was given. */
  policy(revision: string, id: string): BundlePolicy | undefined {
    return this.bundles.get(revision)?.policies.find((p) => p.id === id);
  }

  /**
   * An approval as stored, verified with the proxy's key as the proxy verifies it: a record the
   * proxy did not seal (a vote file dropped into a request folder, an edited request) is shown as
   * tampered, never as a vote. Undefined for a record that is not a request at all.
   */
  view(s: StoredApproval): ConsoleView | undefined {
    const c = this.verifier.check(s, typeof s.request?.hash === "string" ? s.request.hash : "");
    if (c.ok) return c.view;
    if (!c.view) return undefined;
    return { ...viewOf({ request: c.view.request, votes: [] }, this.now()), tampered: c.problem };
  }

  /** Every approval as a verified view (status, roles still waiting); records that are not requests are left out. */
  async views(): Promise<ConsoleView[]> {
    return (await this.approvals.list()).map((s) => this.view(s)).filter((v): v is ConsoleView => v !== undefined);
  }

  /** Adds the console's attestation to a ballot: it logged in the person the ballot names. */
  attest = (b: Ballot): Ballot => ({ ...b, attest: macOf(this.key, "ballot", b) });

  async close(): Promise<void> {
    if (this.redis) { try { await this.redis.quit(); } catch { this.redis.disconnect(); } }
  }
}
