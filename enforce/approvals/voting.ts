/**
 * The voting rules shared by every approval store: who may vote, one vote per role, and the
 * outcome written once (the first writer wins). A store supplies only its storage primitives.
 */
import { roleFor, type ApprovalView, type Outcome, type Vote, type VoteInput, type VoteResult } from "./types.js";

export interface VoteStorage {
  get(id: string): Promise<ApprovalView | undefined>;
  /** Records the vote unless this role already voted; false when it had. */
  recordVote(id: string, vote: Vote): Promise<boolean>;
  /** Writes the outcome if none exists; returns the view with the outcome that won. */
  settle(id: string, status: Outcome["status"], by?: string): Promise<ApprovalView | undefined>;
  now(): number;
}

export async function castVote(s: VoteStorage, id: string, v: VoteInput): Promise<VoteResult> {
  const before = await s.get(id);
  if (!before) return { ok: false, error: `no approval with id "${id}"` };
  if (before.outcome || before.status !== "pending") return { ok: false, error: `approval ${id} is already ${before.status}`, view: before };
  const role = roleFor(before.request, before.votes, v.as);
  if ("error" in role) return { ok: false, error: role.error, view: before };
  const vote: Vote = { role: role.role, verdict: v.verdict, by: v.by, at: new Date(s.now()).toISOString(), ...(v.note ? { note: v.note } : {}) };
  if (!(await s.recordVote(id, vote))) return { ok: false, error: `${role.role} has already voted on ${id}`, view: before };
  const after = (await s.get(id))!;
  if (after.status === "approved" || after.status === "denied") return { ok: true, view: (await s.settle(id, after.status, v.by)) ?? after };
  return { ok: true, view: after };
}

/** Resolves a pending approval at its deadline with what the votes say (a completed one still counts). */
export async function expireApproval(s: VoteStorage, id: string): Promise<ApprovalView | undefined> {
  const v = await s.get(id);
  if (!v) return undefined;
  if (v.outcome) return v;
  const status = v.status === "pending" ? "expired" : v.status;
  return s.settle(id, status, status === "expired" ? "timeout" : undefined);
}
