/**
 * Pending approvals (seed 002's review screen, seed 004's technician + manager approval): what
 * the proxy stores when a call needs approval, and the store interface shared by the proxy and
 * `policy approvals`, which run as separate processes.
 */

/** Who may approve. `approvers: []` in a decision means any one approver. */
export type Role = string;

export interface ApprovalRequest {
  readonly id: string;
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
  readonly revision: string;
  /** The person behind the agent who asked (the event's `user.id`), when known. */
  readonly user?: string;
  /** A role → the only people who may fill it for this request (the decision's `approver_people`). */
  readonly approver_people?: Readonly<Record<Role, readonly string[]>>;
}

export interface Vote {
  readonly role: Role;
  readonly verdict: "approve" | "deny";
  /** Who voted (free text, e.g. the user name). */
  readonly by: string;
  readonly at: string;
  readonly note?: string;
}

/** What a voter says: `as` is the role claimed (`--as`). */
export interface VoteInput {
  readonly as?: Role;
  readonly verdict: Vote["verdict"];
  readonly by: string;
  readonly note?: string;
}

export type ApprovalStatus = "pending" | "approved" | "denied" | "expired";

/** The final outcome, written once (the first writer wins). */
export interface Outcome {
  readonly status: Exclude<ApprovalStatus, "pending">;
  readonly at: string;
  readonly by?: string;
}

export interface ApprovalView {
  readonly request: ApprovalRequest;
  readonly votes: readonly Vote[];
  readonly status: ApprovalStatus;
  /** Roles still to approve (empty when resolved). */
  readonly waitingFor: readonly Role[];
  readonly outcome?: Outcome;
}

/** Result of a vote, as `policy approvals approve|deny` reports it. */
export type VoteResult =
  | { readonly ok: true; readonly view: ApprovalView }
  | { readonly ok: false; readonly error: string; readonly view?: ApprovalView };

export interface ApprovalStore {
  create(r: ApprovalRequest): Promise<void>;
  get(id: string): Promise<ApprovalView | undefined>;
  list(opts?: { all?: boolean }): Promise<ApprovalView[]>;
  vote(id: string, v: VoteInput): Promise<VoteResult>;
  /** Marks an unresolved request expired; returns the final view (which may already be resolved). */
  expire(id: string): Promise<ApprovalView | undefined>;
  close?(): Promise<void>;
}

/** The role names an `approvers` list asks for (`any` stands for "any one approver"). */
export const ANY_ROLE = "any";

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

/** Checks the role a voter claims against what the request needs; returns the role to record. */
export function roleFor(r: ApprovalRequest, votes: readonly Vote[], as: string | undefined): { role: Role } | { error: string } {
  if (!r.approvers.length) return { role: as ?? ANY_ROLE };
  if (as !== undefined) {
    if (!r.approvers.includes(as)) return { error: `this approval needs ${r.approvers.join(" and ")}; "${as}" is not one of them` };
    return { role: as };
  }
  const done = new Set(votes.map((v) => v.role));
  const open = r.approvers.filter((a) => !done.has(a));
  if (r.approvers.length === 1) return { role: r.approvers[0]! };
  return { error: `this approval needs ${r.approvers.join(" and ")}: say which one you are with --as ${open.join("|") || r.approvers.join("|")}` };
}
