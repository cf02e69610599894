/**
 * Who is voting, and which role they may fill. Approvers are people (OS user names) with roles
 * from the project's roster; `--as` only picks one of the roles the person holds. The rules:
 * a person with no role this request can use cannot vote; one person fills at most one role of a
 * request (separation of duties); the requester's agent identity, and the person behind it
 * (`user`), can never approve; where the decision named the people for a role
 * (`approver_people`: the requester's manager), only they may fill it.
 */
import { execFileSync } from "node:child_process";
import { userInfo } from "node:os";
import { type ApprovalRequest, type Role, type Vote } from "./types.js";

/** Maps a uid to a user name; tests inject a map, the proxy asks the system (NSS via `getent`). */
export type UserResolver = (uid: number) => string | undefined;

export function systemUsers(): UserResolver {
  const cache = new Map<number, string | undefined>();
  return (uid) => {
    if (cache.has(uid)) return cache.get(uid);
    let name: string | undefined;
    try {
      if (typeof process.getuid === "function" && uid === process.getuid()) name = userInfo().username;
      else name = execFileSync("getent", ["passwd", String(uid)], { encoding: "utf8", timeout: 2000 }).split(":")[0] || undefined;
    } catch { name = undefined; }
    cache.set(uid, name);
    return name;
  };
}

/** The OS user running this process (what `policy approvals` votes as). */
export function currentUser(): string {
  return userInfo().username;
}

/** The roles a request can use: its `from` roles, or every role of the roster for "any one approver". */
export function rolesAsked(r: ApprovalRequest): Role[] {
  return r.approvers.length ? [...r.approvers] : Object.keys(r.eligible).sort();
}

/** The roles `person` holds among those the request can use (and, where it names people for a role, is one of them). */
export function rolesOf(r: ApprovalRequest, person: string): Role[] {
  return rolesAsked(r).filter((role) => (r.eligible[role] ?? []).includes(person) && (r.approver_people?.[role]?.includes(person) ?? true));
}

/** Whether `person` is the agent that asked or the person it asked for (by id or name, case-insensitively). */
export function isRequester(r: ApprovalRequest, person: string): boolean {
  const p = person.toLowerCase();
  return [r.agent?.id, r.agent?.name, r.user].some((x) => x !== undefined && x !== "" && x.toLowerCase() === p);
}

/**
 * The role `person` fills with this ballot, or why they may not vote. `votes` are those already
 * accepted. For "any one approver" the role recorded is the one the person holds (or `--as`).
 */
export function roleFor(r: ApprovalRequest, votes: readonly Vote[], person: string, as: Role | undefined): { role: Role } | { error: string } {
  if (isRequester(r, person)) return { error: `${person} is the agent that asked for this call, or the person it asked for, and cannot approve it` };
  const held = rolesOf(r, person);
  const asked = rolesAsked(r);
  const named = asked.find((role) => (r.eligible[role] ?? []).includes(person) && r.approver_people?.[role] && !r.approver_people[role]!.includes(person));
  if (!held.length && named) return { error: `only ${r.approver_people![named]!.join(" or ") || "nobody"} may approve as ${named} for this request (the requester's ${named})` };
  if (!held.length) return { error: asked.length ? `${person} holds no role this approval needs (${asked.join(" or ")}; see "approvers" in policy.config.json)` : `no approvers are configured for this project ("approvers" in policy.config.json), so nobody can approve this call` };
  const mine = votes.find((v) => v.by === person);
  if (mine) return { error: `${person} already voted on ${r.id} as ${mine.role}: one person fills one role` };
  if (as !== undefined && !held.includes(as)) return { error: asked.includes(as) ? `${person} is not a ${as} (roles of ${person} here: ${held.join(", ")})` : `this approval needs ${asked.join(" and ")}; "${as}" is not one of them` };
  if (!r.approvers.length) return { role: as ?? held[0]! };
  const done = new Set(votes.map((v) => v.role));
  const open = held.filter((x) => !done.has(x));
  if (as !== undefined) return done.has(as) ? { error: `the ${as} has already voted on ${r.id}` } : { role: as };
  if (open.length === 1) return { role: open[0]! };
  if (!open.length) return { error: `every role ${person} holds here has already voted on ${r.id}` };
  return { error: `${person} holds ${open.join(" and ")} here: say which one with --as ${open.join("|")}` };
}
