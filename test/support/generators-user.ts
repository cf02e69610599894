/**
 * fast-check generators for the `user` subject: condition leaves (every field and operator, both
 * polarities, arguments compared with user fields in both directions) and the optional `user` of
 * an event (missing fields, claims of the wrong type, the requester as their own manager).
 * Mixed into the differential generators (`generators.ts`, `generators-extended.ts`).
 */
import fc from "fast-check";
import type { SessionEvent, UserInfo } from "../../runtime/types.js";

const q = (s: string) => JSON.stringify(s);
const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const sub = <T>(xs: readonly T[]) => fc.subarray([...xs], { minLength: 1, maxLength: Math.min(3, xs.length) });
const list = (xs: readonly string[]) => `[${xs.join(", ")}]`;
const CMP = [">", "<", ">=", "<="];

/** A `user …` condition, or an argument compared with a user field. */
export const userLeaf: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(pick(["is", "is not"]), pick(["u1", "u2", "carol"])).map(([o, v]) => `user ${o} ${q(v)}`),
  fc.tuple(pick(["in", "not in"]), sub(["u1", "u2", "carol"])).map(([o, v]) => `user ${o} ${list(v.map(q))}`),
  pick(["admin", "analyst", "Admin"]).map((v) => `user.roles has ${v}`),
  fc.tuple(pick(["in", "not in"]), sub(["admin", "ops", "analyst"])).map(([o, v]) => `user.roles ${o} ${list(v)}`),
  fc.tuple(pick(["in", "not in"]), sub(["eng", "sec"])).map(([o, v]) => `user.groups ${o} ${list(v)}`),
  pick(["e*", "*c", "?ng"]).map((g) => `user.groups matches ${q(g)}`),
  fc.tuple(pick(CMP), fc.integer({ min: -1, max: 4 })).map(([o, n]) => `user.claims.clearance ${o} ${n}`),
  fc.tuple(pick(["is", "is not"]), pick(["2", "\"2\"", "true", "null"])).map(([o, v]) => `user.claims.clearance ${o} ${v}`),
  fc.tuple(pick(["is", "is not"]), pick(["fin", "ops"])).map(([o, v]) => `user.claims.dept ${o} ${q(v)}`),
  pick(["f*", "o?s"]).map((g) => `user.claims.dept matches ${q(g)}`),
  pick(["p1", "p2"]).map((v) => `user.claims.projects has ${q(v)}`),
  pick(["user", "user.manager", "user.roles", "user.claims.clearance", "user.claims.projects"]).map((p) => `${p} exists`),
  fc.tuple(pick(["is", "is not"]), pick(["carol", "u1"])).map(([o, v]) => `user.manager ${o} ${q(v)}`),
  pick(CMP).map((o) => `args.count ${o} user.claims.clearance`),
  pick(CMP).map((o) => `user.claims.clearance ${o} args.count`),
  pick(["is", "is not"]).map((o) => `args.name ${o} user.id`),
  pick(["in", "not in"]).map((o) => `args.name ${o} user.groups`),
  pick(["is", "is not"]).map((o) => `args.state ${o} user.claims.dept`),
);

const scalar = fc.oneof(fc.integer({ min: -1, max: 4 }), pick(["2", "fin", "ops"]), fc.constant(1.5), fc.constant(null), fc.boolean());

/** An event's `user`: sometimes absent, with any subset of its fields. */
export const userValue: fc.Arbitrary<UserInfo | undefined> = fc.option(fc.record({
  id: pick(["u1", "u2", "carol", "eng", "open"]),
  roles: fc.array(pick(["admin", "analyst", "ops"]), { maxLength: 3 }),
  groups: fc.array(pick(["eng", "sec", "open", "closed"]), { maxLength: 2 }),
  manager: pick(["carol", "u1", "u2"]),
  claims: fc.record({
    clearance: fc.oneof(scalar, fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 })),
    dept: fc.oneof(pick(["fin", "ops", "open"]), scalar),
    projects: fc.array(pick(["p1", "p2"]), { maxLength: 2 }),
  }, { requiredKeys: [] }),
}, { requiredKeys: ["id"] }), { nil: undefined, freq: 3 });

/** Events of `events`, each given a random `user` (or none). */
export function withUsers(events: fc.Arbitrary<SessionEvent>): fc.Arbitrary<SessionEvent> {
  return fc.tuple(events, userValue).map(([e, u]) => (u ? { ...e, user: u } : e));
}
