/**
 * Casting a vote from outside the proxy: what `policy approvals approve|deny` and `policy console`
 * share. The voter's rights are checked with the same rules the proxy applies when it counts the
 * ballot (`roleFor`: roles, separation of duties, the requester never approves), the ballot is
 * submitted bound to the request's identity hash, and the proxy's receipt is awaited. Neither
 * caller ever records a vote or an outcome: only the proxy does, after checking again.
 */
import { hostname } from "node:os";
import { pidAlive } from "./clerk.js";
import { roleFor } from "./identity.js";
import { viewOf, type ApprovalStore, type ApprovalView, type Ballot, type Receipt } from "./types.js";

/** A pending request whose proxy (on this host) is gone: nobody will count a vote on it. */
export function abandoned(v: ApprovalView): boolean {
  const p = v.request.proxy;
  return v.status === "pending" && p?.host === hostname() && !pidAlive(p.pid);
}

/** Polls for the proxy's receipt of a ballot. */
async function receiptOf(s: ApprovalStore, id: string, ref: string, waitMs: number): Promise<Receipt | undefined> {
  const end = Date.now() + waitMs;
  for (;;) {
    const r = await s.receipt(id, ref);
    if (r || Date.now() >= end) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
}

export type VoteOutcome = { ok: true; view: ApprovalView; role: string } | { ok: false; error: string; view?: ApprovalView; submitted?: boolean };

export interface CastOptions {
  /** The person voting (the OS user for the CLI, the logged-in person for the console). */
  readonly by: string;
  readonly as?: string;
  readonly note?: string;
  readonly waitMs: number;
  /** The hash of the request the voter saw: a request that no longer has it is not voted on. */
  readonly expectHash?: string;
  /** Adds what vouches for `by` (the console's attestation) before the ballot is submitted. */
  readonly attest?: (b: Ballot) => Ballot;
}

/** Checks the vote locally (the proxy checks again), submits the ballot, waits for the receipt. */
export async function castBallot(s: ApprovalStore, id: string, verdict: "approve" | "deny", o: CastOptions): Promise<VoteOutcome> {
  const stored = await s.get(id);
  if (!stored) return { ok: false, error: `no approval with id "${id}"` };
  const before = viewOf(stored, Date.now());
  if (before.status !== "pending") return { ok: false, error: `approval ${id} is already ${before.status}`, view: before };
  if (abandoned(before)) return { ok: false, error: `the proxy that held ${id} is gone, so the call cannot be made any more (the next start of \`policy enforce\` expires it)`, view: before };
  if (o.expectHash !== undefined && o.expectHash !== before.request.hash) return { ok: false, error: `approval ${id} is not the request you reviewed (its hash differs): look at it again`, view: before };
  const role = roleFor(before.request, before.votes, o.by, o.as);
  if ("error" in role) return { ok: false, error: role.error, view: before };
  const ballot: Ballot = { hash: before.request.hash, verdict, as: role.role, by: o.by, at: new Date().toISOString(), ...(o.note ? { note: o.note } : {}) };
  const ref = await s.submit(id, o.attest ? o.attest(ballot) : ballot);
  const receipt = await receiptOf(s, id, ref, o.waitMs);
  const after = await s.get(id);
  const view = after ? viewOf(after, Date.now()) : before;
  if (!receipt) return { ok: false, submitted: true, view, error: `your ballot was submitted, but no proxy counted it within ${Math.round(o.waitMs / 1000)}s: is the \`policy enforce\` that holds this call still running?` };
  if (!receipt.ok) return { ok: false, error: receipt.error ?? "the proxy refused the ballot", view };
  return { ok: true, view, role: receipt.role ?? role.role };
}
