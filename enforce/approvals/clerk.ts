/**
 * The proxy's side of approvals (the only holder of the HMAC key): it seals each request it
 * creates, counts the ballots approvers submit (identity, role, separation of duties, binding to
 * the request's hash), records the votes it accepts and writes the outcome, and verifies every
 * record it reads back. Anything it did not seal itself, or that no longer matches the hash it
 * created, is reported as tampered and refuses the call.
 */
import { hostname } from "node:os";
import { macOf, macOk } from "./seal.js";
import { ajvMessage, schemaDefValidator, usefulErrors } from "../../compiler/json/validate.js";
import { roleFor } from "./identity.js";
import type { UserResolver } from "./identity.js";
import { requestHash, statusOf, viewOf, type ApprovalRequest, type ApprovalStore, type ApprovalView, type Ballot, type Outcome, type SealedRequest, type StoredApproval, type StoredBallot, type Vote } from "./types.js";

/** What is wrong with a record against `schemas/approval-record.schema.json`, or undefined. */
export function recordProblem(kind: "request" | "ballot" | "receipt" | "vote" | "outcome", value: unknown): string | undefined {
  const v = schemaDefValidator("approval-record.schema.json", kind);
  return v(value) ? undefined : usefulErrors(v.errors ?? []).map(ajvMessage).slice(0, 3).join("; ");
}

/** A verified view, or what is wrong with the stored records. */
export type Checked = { ok: true; view: ApprovalView } | { ok: false; problem: string; view?: ApprovalView };

export class ApprovalClerk {
  private keyBuf: Buffer | undefined;

  constructor(
    readonly store: ApprovalStore,
    /** The HMAC key, or how to get it on first use (the state dir is created only when needed). */
    private readonly keySource: Buffer | (() => Buffer),
    /** Names the owner of a ballot when the store can tell (file store); else the ballot's `by` is taken. */
    private readonly users: UserResolver,
    private readonly now: () => number = Date.now,
  ) {}

  private get key(): Buffer {
    this.keyBuf ??= typeof this.keySource === "function" ? this.keySource() : this.keySource;
    return this.keyBuf;
  }

  /** Seals and stores a request; returns its identity hash. */
  async create(r: Omit<ApprovalRequest, "proxy"> & { proxy?: ApprovalRequest["proxy"] }): Promise<SealedRequest> {
    const req: ApprovalRequest = { ...r, proxy: r.proxy ?? { pid: process.pid, host: hostname() } };
    const body = { ...req, hash: requestHash(req) };
    const sealed: SealedRequest = { ...body, mac: macOf(this.key, "request", body) };
    await this.store.create(sealed);
    return sealed;
  }

  /** Checks every record of an approval against the key and the hash the proxy created it with. */
  check(s: StoredApproval | undefined, hash: string): Checked {
    if (!s) return { ok: false, problem: "the approval record is gone" };
    const malformed = recordProblem("request", s.request);
    if (malformed) return { ok: false, problem: `request.json is not a request the proxy writes (${malformed})` };
    const view = viewOf(s, this.now());
    const { mac, ...body } = s.request;
    if (!macOk(this.key, "request", body, mac)) return { ok: false, problem: "request.json was not written by this proxy or was edited", view };
    if (s.request.hash !== hash || requestHash(s.request) !== hash) return { ok: false, problem: "the request no longer matches what was decided (its hash changed)", view };
    for (const v of s.votes) {
      const { mac: vm, ...vb } = v;
      if (!macOk(this.key, "vote", vb, vm) || v.hash !== hash) return { ok: false, problem: `a vote (${String(v.role)} by ${String(v.by)}) was not recorded by this proxy`, view };
    }
    if (s.outcome) {
      const { mac: om, ...ob } = s.outcome;
      if (!macOk(this.key, "outcome", ob, om) || s.outcome.hash !== hash) return { ok: false, problem: "the outcome was not written by this proxy", view };
    }
    return { ok: true, view };
  }

  async read(id: string, hash: string): Promise<Checked> {
    return this.check(await this.store.get(id), hash);
  }

  /** Counts the ballots not yet answered, then settles the outcome when the votes decide it. */
  async tally(id: string, hash: string): Promise<Checked> {
    let c = await this.read(id, hash);
    if (!c.ok) return c;
    // Ballots on a resolved request are answered too (with a refusal), so their voters learn it.
    for (const b of await this.store.ballots(id)) {
      await this.count(id, c.view, b);
      c = await this.read(id, hash);
      if (!c.ok) return c;
    }
    if (c.view.outcome) return c;
    const { status } = statusOf(c.view.request, c.view.votes, undefined, Number.NEGATIVE_INFINITY);
    if (status === "approved" || status === "denied") return this.settle(id, hash, status, { by: c.view.votes[c.view.votes.length - 1]?.by });
    return c;
  }

  /**
   * Who cast a ballot: the person `policy console` vouches for (a valid `attest`), else the ballot
   * file's owner (file store), else the name the ballot gives (Redis). A forged attestation: an error.
   */
  voterOf(b: StoredBallot & { ballot: Ballot }): { who: string | undefined } | { error: string } {
    if (b.ballot.attest !== undefined) {
      const { attest, ...body } = b.ballot;
      return macOk(this.key, "ballot", body, attest) ? { who: b.ballot.by } : { error: "the ballot's console attestation does not verify (it was not written by a console holding this proxy's key)" };
    }
    return { who: b.uid !== undefined ? this.users(b.uid) : b.ballot.by };
  }

  private async count(id: string, view: ApprovalView, b: StoredBallot): Promise<void> {
    const refuse = (error: string) => this.store.answer(id, b.ref, { ok: false, error });
    if (b.problem || !b.ballot) return refuse(b.problem ?? "the ballot could not be read");
    const malformed = recordProblem("ballot", b.ballot);
    if (malformed) return refuse(`the ballot is malformed: ${malformed}`);
    const voter = this.voterOf({ ...b, ballot: b.ballot });
    if ("error" in voter) return refuse(voter.error);
    const { who } = voter;
    if (who === undefined) return refuse(`the ballot's owner (uid ${String(b.uid)}) is not a known user`);
    if (b.ballot.hash !== view.request.hash) return refuse(`the ballot is for another request than ${id} (its hash differs): look at the request again`);
    if (view.status !== "pending") return refuse(`approval ${id} is already ${view.status}`);
    const role = roleFor(view.request, view.votes, who, b.ballot.as);
    if ("error" in role) return refuse(role.error);
    const body: Vote = { role: role.role, verdict: b.ballot.verdict, by: who, at: new Date(this.now()).toISOString(), ...(b.ballot.note ? { note: b.ballot.note } : {}), hash: view.request.hash };
    const vote: Vote = { ...body, mac: macOf(this.key, "vote", body) };
    if (!(await this.store.recordVote(id, vote))) return refuse(`${who} or the ${role.role} has already voted on ${id}`);
    await this.store.answer(id, b.ref, { ok: true, role: role.role, by: who });
  }

  /** Writes the outcome unless one exists, then reads back the one that won. */
  async settle(id: string, hash: string, status: Outcome["status"], o: { by?: string | undefined; why?: string } = {}): Promise<Checked> {
    const body: Outcome = { status, at: new Date(this.now()).toISOString(), ...(o.by ? { by: o.by } : {}), ...(o.why ? { why: o.why } : {}), hash };
    await this.store.settle(id, { ...body, mac: macOf(this.key, "outcome", body) });
    return this.read(id, hash);
  }

  /**
   * At start: settles as expired every pending request whose proxy process is gone (a proxy
   * killed without a chance to answer). Returns the ids expired.
   */
  async sweep(alive: (pid: number) => boolean = pidAlive): Promise<string[]> {
    const out: string[] = [];
    for (const s of await this.store.list()) {
      const r = s.request;
      if (s.outcome || r.proxy?.host !== hostname() || r.proxy.pid === process.pid || alive(r.proxy.pid)) continue;
      const c = this.check(s, r.hash);
      if (!c.ok) continue;
      await this.settle(r.id, r.hash, "expired", { by: "restart", why: "restart: the proxy that held the call is gone" });
      out.push(r.id);
    }
    return out;
  }
}

/** Whether a process with this pid exists on this host (EPERM: it does, as another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
