/**
 * The approval store contract, written once and run over the file store and the Redis store:
 * approver identity and roles, separation of duties, the requester never approving, one denial,
 * expiry winning over late ballots, the sweep of requests a dead proxy left, and tamper
 * evidence (an edited request, a hand-written outcome, a forged vote, a ballot for another call).
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { expect, test } from "vitest";
import { ApprovalClerk, recordProblem } from "../../enforce/approvals/clerk.js";
import { newApprovalId } from "../../enforce/approvals/file-store.js";
import { roleFor } from "../../enforce/approvals/identity.js";
import { viewOf, type ApprovalStore, type Ballot, type Roster, type SealedRequest } from "../../enforce/approvals/types.js";

export interface ContractStore {
  readonly store: ApprovalStore;
  /** Submits a ballot as the OS user `person` (file store: the ballot file is owned by that user). */
  submitAs(person: string, id: string, b: Omit<Ballot, "by" | "at">): Promise<string>;
  /** Names ballot owners (file store: uid → person). */
  readonly users: (uid: number) => string | undefined;
  /** Rewrites stored records directly, as someone with access to the store but not the key would. */
  readonly raw: {
    editRequest(id: string, edit: (r: Record<string, unknown>) => Record<string, unknown>): Promise<void>;
    writeOutcome(id: string, outcome: Record<string, unknown>): Promise<void>;
    writeVote(id: string, role: string, vote: Record<string, unknown>): Promise<void>;
  };
}

const ROSTER: Roster = { manager: ["carol", "dave"], technician: ["alice", "bob", "dave", "Cursor"] };

export function approvalContract(name: string, open: () => ContractStore): void {
  const setup = async (approvers: string[], o: { expiresIn?: number; pid?: number } = {}) => {
    const c = open();
    const clerk = new ApprovalClerk(c.store, randomBytes(32), c.users);
    const now = Date.now();
    const r = await clerk.create({ id: newApprovalId(), held_id: "h-1", created: new Date(now).toISOString(), expires: new Date(now + (o.expiresIn ?? 60_000)).toISOString(),
      session_id: "s1", call_id: "c1", tenant: null, agent: { name: "Cursor" }, integration: "github", tool: "delete_repo", args: { repo: "acme/web" },
      reason: "needs approval", policy: { id: "p", name: "P" }, approvers, eligible: ROSTER, revision: "r1",
      ...(o.pid ? { proxy: { pid: o.pid, host: hostname() } } : {}) });
    const vote = async (person: string, verdict: "approve" | "deny", as?: string) => {
      const ref = await c.submitAs(person, r.id, { hash: r.hash, verdict, ...(as ? { as } : {}) });
      const checked = await clerk.tally(r.id, r.hash);
      return { receipt: await c.store.receipt(r.id, ref), checked };
    };
    return { c, clerk, r, vote };
  };

  test(`${name}: technician and manager, each a different person, approve; every vote says who, when and which role`, async () => {
    const { c, clerk, r, vote } = await setup(["technician", "manager"]);
    expect((await vote("alice", "approve")).receipt).toEqual({ ok: true, role: "technician", by: "alice" });
    const mid = await clerk.read(r.id, r.hash);
    expect(mid.ok && mid.view.status).toBe("pending");
    expect(mid.ok && mid.view.waitingFor).toEqual(["manager"]);
    const last = await vote("carol", "approve");
    expect(last.receipt).toMatchObject({ ok: true, role: "manager", by: "carol" });
    expect(last.checked.ok && last.checked.view.outcome).toMatchObject({ status: "approved", by: "carol", hash: r.hash });
    const v = last.checked.ok ? last.checked.view : undefined;
    // Every record the proxy wrote is what the published schema says.
    const stored = (await c.store.get(r.id))!;
    expect([recordProblem("request", stored.request), ...stored.votes.map((x) => recordProblem("vote", x)), recordProblem("outcome", stored.outcome)]).toEqual([undefined, undefined, undefined, undefined]);
    expect(recordProblem("receipt", last.receipt)).toBeUndefined();
    expect(v?.votes.map((x) => [x.role, x.by, x.verdict])).toEqual([["technician", "alice", "approve"], ["manager", "carol", "approve"]]);
    for (const x of v?.votes ?? []) expect(Date.parse(x.at)).toBeGreaterThan(Date.now() - 60_000);
  });

  test(`${name}: one person fills one role; --as only picks a role the person holds; no role, no vote; the agent never approves`, async () => {
    const { clerk, r, vote } = await setup(["technician", "manager"]);
    expect((await vote("dave", "approve", "technician")).receipt).toMatchObject({ ok: true, role: "technician" });
    // dave also holds manager, but already filled the technician role of this request.
    expect((await vote("dave", "approve", "manager")).receipt).toMatchObject({ ok: false, error: expect.stringMatching(/one person fills one role/) });
    expect((await vote("bob", "approve", "manager")).receipt).toMatchObject({ ok: false, error: expect.stringMatching(/bob is not a manager/) });
    expect((await vote("mallory", "approve")).receipt).toMatchObject({ ok: false, error: expect.stringMatching(/mallory holds no role/) });
    expect((await vote("Cursor", "approve")).receipt).toMatchObject({ ok: false, error: expect.stringMatching(/agent that asked/) });
    const c = await clerk.read(r.id, r.hash);
    expect(c.ok && c.view.status).toBe("pending");
    expect(c.ok && c.view.votes.map((x) => x.by)).toEqual(["dave"]);
    // What the CLI checks before it submits is the same rule.
    expect(roleFor(r, c.ok ? c.view.votes : [], "carol", undefined)).toEqual({ role: "manager" });
  });

  test(`${name}: any one approver; one denial denies; expiry wins over a late ballot`, async () => {
    const any = await setup([]);
    expect((await any.vote("bob", "approve")).checked).toMatchObject({ ok: true, view: { status: "approved", votes: [{ role: "technician", by: "bob" }] } });
    const d = await setup(["technician", "manager"]);
    expect((await d.vote("carol", "deny")).checked).toMatchObject({ ok: true, view: { status: "denied", outcome: { status: "denied" } } });
    const e = await setup(["technician"]);
    await e.clerk.settle(e.r.id, e.r.hash, "expired", { why: "timeout" });
    expect((await e.vote("alice", "approve")).receipt).toMatchObject({ ok: false, error: expect.stringMatching(/already expired/) });
    const after = await e.clerk.read(e.r.id, e.r.hash);
    expect(after.ok && after.view.outcome?.status).toBe("expired");
  });

  test(`${name}: a request a dead proxy left pending is expired by the next proxy's sweep`, async () => {
    const dead = 2 ** 22 + 12345;
    const { clerk, r } = await setup(["technician"], { pid: dead });
    const live = await setup(["technician"]);
    const gone = await clerk.sweep((pid) => pid !== dead);
    expect(gone).toContain(r.id);
    expect(gone).not.toContain(live.r.id);
    const s = await clerk.read(r.id, r.hash);
    expect(s.ok && s.view.outcome).toMatchObject({ status: "expired", by: "restart" });
  });

  test(`${name}: an edited request, a hand-written outcome, a forged vote are rejected; a ballot for another call is refused`, async () => {
    const a = await setup(["technician", "manager"]);
    await a.c.raw.editRequest(a.r.id, (r) => ({ ...r, approvers: [] }));
    const ta = await a.vote("alice", "approve");
    expect(ta.checked).toMatchObject({ ok: false, problem: expect.stringMatching(/request/) });

    const b = await setup(["technician"]);
    await b.c.raw.writeOutcome(b.r.id, { status: "approved", at: new Date().toISOString(), by: "alice", hash: b.r.hash });
    expect(await b.clerk.tally(b.r.id, b.r.hash)).toMatchObject({ ok: false, problem: expect.stringMatching(/outcome/) });

    const c = await setup(["technician", "manager"]);
    await c.c.raw.writeVote(c.r.id, "manager", { role: "manager", verdict: "approve", by: "carol", at: new Date().toISOString(), hash: c.r.hash, mac: "0".repeat(64) });
    expect(await c.clerk.tally(c.r.id, c.r.hash)).toMatchObject({ ok: false, problem: expect.stringMatching(/vote/) });

    const d = await setup(["technician"]);
    const other = await setup(["technician"]);
    const ref = await d.c.submitAs("alice", d.r.id, { hash: other.r.hash, verdict: "approve" });
    await d.clerk.tally(d.r.id, d.r.hash);
    expect(await d.c.store.receipt(d.r.id, ref)).toMatchObject({ ok: false, error: expect.stringMatching(/another request/) });
    // A malformed ballot is refused with what is wrong.
    const bad = await d.c.submitAs("alice", d.r.id, { hash: d.r.hash, verdict: "maybe" as "approve" });
    await d.clerk.tally(d.r.id, d.r.hash);
    expect(await d.c.store.receipt(d.r.id, bad)).toMatchObject({ ok: false, error: expect.stringMatching(/the ballot is malformed: \/verdict: must be one of "approve", "deny"/) });
    // A proxy with another key (another state dir) cannot vouch for these records either.
    const stranger = new ApprovalClerk(d.c.store, randomBytes(32), d.c.users);
    expect(await stranger.read(d.r.id, d.r.hash)).toMatchObject({ ok: false });
    const stored = (await d.c.store.get(d.r.id))!;
    expect(viewOf(stored, Date.now()).status).toBe("pending");
    expect((stored.request as SealedRequest).hash).toBe(d.r.hash);
  });
}
