/**
 * The `user` of a test's events: `given user "alice" roles [admin] groups [eng]
 * claims { clearance: 2 } manager "carol"`. `user` starts a new record (the one before is
 * dropped); the other keys set a field of the current one, in the same or a later `given`.
 * The record is checked as the runtime checks an event's `user` (runtime/user.ts).
 */
import type * as A from "../grammar/ast.js";
import type { Span } from "../grammar/span.js";
import type { UserInfo } from "../runtime/types.js";
import { userProblem } from "../runtime/user.js";

/** The `given` keys that build the user. */
export const USER_GIVEN_KEYS = ["user", "roles", "groups", "claims", "manager"] as const;

type Fail = (span: Span, message: string) => void;

function word(v: A.Value): string | undefined {
  return v.kind === "String" || v.kind === "Name" ? v.value : undefined;
}

function scalar(v: A.Value): unknown {
  switch (v.kind) {
    case "String": return v.value;
    case "Number": return v.value;
    case "Name": return v.value === "true" ? true : v.value === "false" ? false : v.value === "null" ? null : v.value;
    case "List": return v.items.map(scalar);
    default: return undefined;
  }
}

function words(v: A.Value): string[] | undefined {
  if (v.kind !== "List") return undefined;
  const out = v.items.map(word);
  return out.every((x) => x !== undefined) ? (out as string[]) : undefined;
}

function claims(v: A.Value): Record<string, unknown> | undefined {
  if (v.kind !== "Object") return undefined;
  const o: Record<string, unknown> = {};
  for (const e of v.entries) Object.defineProperty(o, e.key, { value: scalar(e.value), enumerable: true, writable: true, configurable: true });
  return o;
}

/**
 * The user after one `given` pair with a user key; reports (and leaves the user as it was) when
 * the value does not fit.
 */
export function givenUser(user: UserInfo | undefined, p: A.GivenPair, fail: Fail): UserInfo | undefined {
  const key = p.key.value;
  if (key === "user") {
    const id = word(p.value);
    if (id === undefined || id === "") { fail(p.value.span, "`given user` takes the user's id, e.g. `given user \"alice\"`"); return user; }
    return { id };
  }
  if (!user) { fail(p.key.span, `\`given ${key}\` needs a user first: \`given user "alice" ${key} …\``); return user; }
  const value = key === "manager" ? word(p.value) : key === "claims" ? claims(p.value) : words(p.value);
  if (value === undefined) {
    const example = key === "manager" ? "manager \"carol\"" : key === "claims" ? "claims { clearance: 2 }" : `${key} [admin, ops]`;
    fail(p.value.span, `\`given ${key}\` expects a value like \`${example}\``);
    return user;
  }
  const next = { ...user, [key]: value } as UserInfo;
  const problem = userProblem(next);
  if (problem) { fail(p.value.span, problem); return user; }
  return next;
}
