/**
 * The approver rules with the person behind the agent: where a decision names the people for a
 * role (`approver_people`, the requester's manager), only they may fill it, and the requesting
 * user can never approve their own request.
 */
import { describe, expect, it } from "vitest";
import { roleFor } from "../../enforce/approvals/identity.js";
import type { ApprovalRequest } from "../../enforce/approvals/types.js";

const request = (o: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  id: "ap-1", held_id: "h-1", created: "2026-01-05T10:00:00Z", expires: "2026-01-05T10:05:00Z", session_id: "s", call_id: "c1",
  tenant: null, agent: { name: "Cursor" }, integration: "okta", tool: "add_admin", args: {}, reason: "admins need two people",
  policy: { id: "p", name: "P" }, approvers: ["technician", "manager"], revision: "r",
  eligible: { technician: ["alice", "bob"], manager: ["carol", "dave", "erin"] }, proxy: { pid: 1, host: "h" }, ...o,
});

describe("approver_people", () => {
  it("only the named manager may fill the manager role", () => {
    const r = request({ user: "erin", approver_people: { manager: ["carol"] } });
    expect(roleFor(r, [], "carol", undefined)).toEqual({ role: "manager" });
    expect(roleFor(r, [], "dave", undefined)).toEqual({ error: "only carol may approve as manager for this request (the requester's manager)" });
    expect(roleFor(r, [], "alice", undefined)).toEqual({ role: "technician" });
  });

  it("an empty list means nobody may fill the role; without the field any manager may", () => {
    expect(roleFor(request({ approver_people: { manager: [] } }), [], "carol", undefined)).toEqual({ error: "only nobody may approve as manager for this request (the requester's manager)" });
    expect(roleFor(request(), [], "dave", undefined)).toEqual({ role: "manager" });
  });

  it("the person behind the agent cannot approve their own request", () => {
    const r = request({ user: "carol" });
    expect(roleFor(r, [], "carol", undefined)).toEqual({ error: "carol is the agent that asked for this call, or the person it asked for, and cannot approve it" });
  });
});
