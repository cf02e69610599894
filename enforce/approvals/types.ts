/**
 * Pending approvals (seed 002's review screen, seed 004's technician + manager approval): the
 * records the proxy keeps while a call waits, the ballots approvers submit, and the store
 * interface shared by the proxy and `policy approvals`, which run as separate processes (and
 * possibly as different OS users). Only the proxy writes requests, votes and outcomes, each
 * sealed with its HMAC (seal.ts); `policy approvals` only reads and submits ballots.
 */
import { sha256, canonicalJson } from "./seal.js";

/** A role named in `from [...]` (`technician`, `manager`). */
export type Role = string;

/** Who holds which role (`policy.config.json` → `"approvers"`, shipped in the bundle). */
export type Roster = Readonly<Record<Role, readonly string[]>>;

export interface ApprovalRequest {
  /** A short id a person can type (`ap-…`). */
  readonly id: string;
  /** The proxy's own id of the held call (never the agent's JSON-RPC request id). */
  readonly held_id: string;
  /** ISO time the request was created. */
  readonly created: string;
  /** ISO time after which the request is denied. */
  readonly expires: string;
  readonly session_id: string;
  readonly call_id: string;
  readonly tenant: string | null;
  readonly agent: { readonly id?: string; readonly name?: string } | null;
  readonly integration: string;
  readonly tool: string;
  /** The arguments as the agent sent them (the review screen shows them). */
  readonly args: Record<string, unknown>;
  readonly reason: string;
  readonly policy: { readonly id: string; readonly name: string } | null;
  /** Roles that must all approve; empty: any one approver. */
  readonly approvers: readonly Role[];
  /** Who may fill each role this request can use (the roster of the deciding bundle). */
  readonly eligible: Roster;
  readonly revision: string;
  /** The proxy process holding the call (a restarted proxy expires what a dead one left). */
  readonly proxy: { readonly pid: number; readonly host: string };
  /** The person behind the agent who asked (the event's `user.id`), when known. */
  readonly user?: string;
  /** A role → the only people who may fill it for this request (the decision's `approver_people`). */
  readonly approver_people?: Readonly<Record<Role, readonly string[]>>;
}

/** A request as stored: its identity hash (of everything above) and the proxy's MAC. */
export interface SealedRequest extends ApprovalRequest {
  readonly hash: string;
  readonly mac: string;
}

/** What an approver submits (`policy approvals approve|deny`); the proxy checks it and records a vote. */
export interface Ballot {
  /** The request's identity hash: a ballot counts for exactly the call the approver saw. */
  readonly hash: string;
  readonly verdict: "approve" | "deny";
  /** The role the approver fills (`--as`); may be left out when the approver holds one open role. */
  readonly as?: Role;
  /** The user name the CLI saw (the file store takes the ballot file's owner instead). */
  readonly by: string;
  readonly at: string;
  readonly note?: string;
  /**
   * Set by `policy console` only: its MAC (kind `ballot`, the proxy's key) over the rest of the
   * ballot, vouching that `by` is the person it logged in. The proxy then takes `by` as the voter
   * instead of the ballot file's owner (every ballot of the console is owned by the console's OS
   * user); a ballot with an attestation that does not verify is refused.
   */
  readonly attest?: string;
}

/** A vote the proxy accepted: who, when, which role, bound to the request's hash. */
export interface Vote {
  readonly role: Role;
  readonly verdict: "approve" | "deny";
  /** The person (OS user name). */
  readonly by: string;
  readonly at: string;
  readonly note?: string;
  readonly hash: string;
  readonly mac?: string;
}

export type ApprovalStatus = "pending" | "approved" | "denied" | "expired";

/** The final outcome, written once by the proxy (the first writer wins). */
export interface Outcome {
  readonly status: Exclude<ApprovalStatus, "pending">;
  readonly at: string;
  readonly by?: string;
  /** Why it ended this way when no vote decided: `timeout`, `cancelled`, `shutdown`, `restart`, `tampered: …`. */
  readonly why?: string;
  readonly hash: string;
  readonly mac?: string;
}

/** The proxy's answer to a ballot, which `policy approvals` waits for. */
export interface Receipt {
  readonly ok: boolean;
  readonly role?: Role;
  readonly by?: string;
  readonly error?: string;
}

/** A ballot as the store holds it, with the OS user that owns it when the store can tell. */
export interface StoredBallot {
  readonly ref: string;
  readonly ballot: Ballot | undefined;
  /** The uid of the ballot file's owner (file store): the kernel's word for who wrote it. */
  readonly uid?: number;
  /** Why the stored ballot could not be read, if so. */
  readonly problem?: string;
}

/** One approval as stored (nothing verified: only the proxy, which holds the key, can). */
export interface StoredApproval {
  readonly request: SealedRequest;
  readonly votes: readonly Vote[];
  readonly outcome?: Outcome;
}

export interface ApprovalView extends StoredApproval {
  readonly status: ApprovalStatus;
  /** Roles still to approve (empty when resolved). */
  readonly waitingFor: readonly Role[];
}

/**
 * Storage shared by the proxy and the CLI. Records are created exclusively and never rewritten.
 * The proxy calls `create`, `recordVote`, `settle`, `ballots`, `answer`; the CLI `submit`, `receipt`.
 */
export interface ApprovalStore {
  create(r: SealedRequest): Promise<void>;
  get(id: string): Promise<StoredApproval | undefined>;
  /** Every stored approval (newest last). */
  list(): Promise<StoredApproval[]>;
  submit(id: string, b: Ballot): Promise<string>;
  receipt(id: string, ref: string): Promise<Receipt | undefined>;
  /** Ballots not answered yet, oldest first. */
  ballots(id: string): Promise<StoredBallot[]>;
  answer(id: string, ref: string, r: Receipt): Promise<void>;
  /** Records a vote unless its role or its person already voted (atomically); false if either had. */
  recordVote(id: string, v: Vote): Promise<boolean>;
  /** Writes the outcome unless one exists (the first writer wins). */
  settle(id: string, o: Outcome): Promise<void>;
  close?(): Promise<void>;
}

/** The role names an `approvers` list asks for (`any` stands for "any one approver"). */
export const ANY_ROLE = "any";

/** The identity hash of a request: SHA-256 of the canonical JSON of every decided field. */
export function requestHash(r: ApprovalRequest): string {
  const { id, held_id, created, expires, session_id, call_id, tenant, agent, integration, tool, args, reason, policy, approvers, eligible, revision, proxy } = r;
  return sha256(canonicalJson({ id, held_id, created, expires, session_id, call_id, tenant, agent, integration, tool, args, reason, policy, approvers, eligible, revision, proxy }));
}

/** Derives the status from votes: one deny denies; approved when every required role approved. */
export function statusOf(r: ApprovalRequest, votes: readonly Vote[], outcome: Outcome | undefined, now: number): { status: ApprovalStatus; waitingFor: Role[] } {
  if (outcome) return { status: outcome.status, waitingFor: [] };
  if (votes.some((v) => v.verdict === "deny")) return { status: "denied", waitingFor: [] };
  const approved = new Set(votes.filter((v) => v.verdict === "approve").map((v) => v.role));
  const waitingFor = r.approvers.length ? r.approvers.filter((a) => !approved.has(a)) : approved.size ? [] : [ANY_ROLE];
  if (!waitingFor.length) return { status: "approved", waitingFor: [] };
  if (Date.parse(r.expires) <= now) return { status: "expired", waitingFor: [] };
  return { status: "pending", waitingFor };
}

export function viewOf(s: StoredApproval, now: number): ApprovalView {
  return { ...s, ...statusOf(s.request, s.votes, s.outcome, now) };
}
