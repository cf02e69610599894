/**
 * The `user` of an event: the person behind the agent (SPEC §6), set by the enforcement point.
 * Owns its validation and limits, the fields conditions read (`user.roles`, `user.claims.x`), how
 * `user` and `arg_user` conditions hold, and which people a request's approver roles name.
 *
 * Semantics (docs/language.md "The user behind the agent"):
 * - a field is read by own properties only: `id`, `roles`, `groups`, `manager`, `claims.<name>`;
 * - on a list (roles, groups, an array claim) a condition holds when one element does;
 * - an event without `user`, or a user without the field, makes every `user` condition false
 *   (and so `not …` / `is not` of it true, exactly like a missing argument);
 * - `arg_user` is false when either the argument or the user field is missing, or when the
 *   argument is not a scalar; comparisons need numbers on both sides.
 */
import type { CExpr, Cmp, UserInfo } from "./types.js";

/** Most roles + groups + claims + claim-array elements of one user. */
export const MAX_USER_VALUES = 1_000;
/** Longest string anywhere in a user record (ids, roles, claim names and values). */
export const MAX_USER_STRING = 4_096;

/** The fields of a user record a condition may read (`claims` takes a claim name after it). */
export const USER_FIELDS = ["id", "roles", "groups", "manager", "claims"] as const;
/** Fields that hold a list. */
export const USER_LIST_FIELDS: readonly string[] = ["roles", "groups"];

/**
 * Approver roles a user record can name a person for: role → the user field holding that person.
 * `require_approval from [manager]` with `user.manager` set lets only that person fill `manager`.
 */
export const USER_APPROVER_FIELDS: Readonly<Record<string, "manager">> = { manager: "manager" };

const own = Object.prototype.hasOwnProperty;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isScalar = (v: unknown) => v === null || typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));

function stringProblem(v: unknown, at: string): string | undefined {
  if (typeof v !== "string") return `${at}: must be a string`;
  return v.length > MAX_USER_STRING ? `${at}: longer than ${MAX_USER_STRING} characters` : undefined;
}

function listProblem(v: unknown, at: string, n: { values: number }): string | undefined {
  if (!Array.isArray(v)) return `${at}: must be an array of strings`;
  if ((n.values += v.length) > MAX_USER_VALUES) return `user: more than ${MAX_USER_VALUES} values`;
  for (const x of v) { const p = stringProblem(x, `${at}[]`); if (p) return p; }
  return undefined;
}

function claimsProblem(v: unknown, n: { values: number }): string | undefined {
  if (!isObj(v)) return "user.claims: must be an object";
  for (const k in v) {
    if (!own.call(v, k)) continue;
    const at = `user.claims.${k.slice(0, 40)}`;
    if (k.length > MAX_USER_STRING) return "user.claims: a claim name is too long";
    const x = v[k];
    const items = Array.isArray(x) ? x : [x];
    if ((n.values += items.length) > MAX_USER_VALUES) return `user: more than ${MAX_USER_VALUES} values`;
    for (const y of items) {
      if (!isScalar(y)) return `${at}: must be a string, finite number, boolean, null or an array of them`;
      if (typeof y === "string" && y.length > MAX_USER_STRING) return `${at}: longer than ${MAX_USER_STRING} characters`;
    }
  }
  return undefined;
}

/** What is wrong with an event's `user` (naming the field), or undefined when it is well-formed. */
export function userProblem(u: unknown): string | undefined {
  if (!isObj(u)) return "user: must be an object";
  const id = u["id"];
  if (id === undefined) return "user.id: required";
  const n = { values: 0 };
  return stringProblem(id, "user.id") ??
    (id === "" ? "user.id: must not be empty" : undefined) ??
    (u["manager"] !== undefined ? stringProblem(u["manager"], "user.manager") : undefined) ??
    (u["roles"] !== undefined ? listProblem(u["roles"], "user.roles", n) : undefined) ??
    (u["groups"] !== undefined ? listProblem(u["groups"], "user.groups", n) : undefined) ??
    (u["claims"] !== undefined ? claimsProblem(u["claims"], n) : undefined);
}

/** The user's value at `path` (own properties only); undefined when there is none. */
export function userAt(u: UserInfo | undefined, path: readonly string[]): unknown {
  let v: unknown = u;
  for (const p of path) {
    if (!isObj(v) || !own.call(v, p)) return undefined;
    v = v[p];
  }
  return v;
}

/** The values a condition tests: the elements of a list, else the value itself. */
function each(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [v];
}

function cmp(op: Cmp, a: number, b: number): boolean {
  return op === ">" ? a > b : op === "<" ? a < b : op === ">=" ? a >= b : a <= b;
}

/** Whether the user's field at `path` has a value (a list: an element) that passes `test`. */
export function userFieldHolds(u: UserInfo | undefined, path: readonly string[], test: (v: unknown) => boolean): boolean {
  const v = userAt(u, path);
  if (v === undefined) return false;
  for (const x of each(v)) if (test(x)) return true;
  return false;
}

type UserCond = Extract<CExpr, { k: "user" }>;
const testers = new WeakMap<UserCond, (v: unknown) => boolean>();

/** What one value of the field must satisfy for `e` (built once per condition). */
export function userTester(e: UserCond): (v: unknown) => boolean {
  let t = testers.get(e);
  if (t) return t;
  switch (e.op) {
    case "exists": t = (v) => v !== null; break;
    case "eq": { const x = e.value; t = (v) => v === x; break; }
    case "in": { const xs = e.values; t = (v) => xs.includes(v); break; }
    case "matches": { const re = new RegExp(e.re); t = (v) => typeof v === "string" && re.test(v); break; }
    default: { const op = e.op, n = e.n; t = (v) => typeof v === "number" && cmp(op, v, n); }
  }
  testers.set(e, t);
  return t;
}

/** Whether a `user` condition holds for a user (undefined: the event has none). */
export function userConditionHolds(e: UserCond, u: UserInfo | undefined): boolean {
  return userFieldHolds(u, e.path, userTester(e));
}

/** `args.<path> <op> user.<field>`: false when either side is missing or the argument is not a scalar. */
export function argUserHolds(arg: unknown, u: UserInfo | undefined, userPath: readonly string[], op: "eq" | Cmp): boolean {
  if (arg === undefined || (typeof arg === "object" && arg !== null)) return false;
  const v = userAt(u, userPath);
  if (v === undefined) return false;
  for (const x of each(v)) {
    if (op === "eq" ? x === arg : typeof arg === "number" && typeof x === "number" && cmp(op, arg, x)) return true;
  }
  return false;
}

/**
 * The people who alone may fill each approver role that the user record names (`manager` →
 * `[user.manager]`); undefined when none is named. The requester never approves their own
 * request: a role whose only person is the user is left with nobody (the request cannot be approved).
 */
export function approverPeople(approvers: readonly string[], u: UserInfo | undefined): Record<string, string[]> | undefined {
  if (!u || !approvers.length) return undefined;
  let out: Record<string, string[]> | undefined;
  for (const role of approvers) {
    if (!own.call(USER_APPROVER_FIELDS, role)) continue;
    const person = userAt(u, [USER_APPROVER_FIELDS[role]!]);
    if (typeof person !== "string" || person === "") continue;
    (out ??= {})[role] = person === u.id ? [] : [person];
  }
  return out;
}
