/**
 * The `user` subject end to end: each condition form compiles to its condition and decides as
 * documented (lists: any element; missing user or field: false, so `not` of it true), the
 * compiled tables agree with the reference evaluator, `approver_people` names the requester's
 * manager (never the requester), a malformed `user` blocks with a reason, export → import and
 * print → parse keep the conditions, and two properties: deciding never throws, and an event
 * without `user` never satisfies a positive user condition.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createEnforcer } from "../../runtime/index.js";
import type { CExpr, SessionEvent, UserInfo } from "../../runtime/types.js";
import { referenceDecide } from "../../compiler/reference/index.js";
import { parse, print } from "../../grammar/index.js";
import { exportDocument } from "../../importers/export-json.js";
import { importParsed } from "../../importers/import-json.js";
import { smallCatalog } from "../support/small-catalog.js";
import { checkProject } from "../../compiler/check/index.js";
import { prepare, view } from "../fuzz/compare.js";
import { userLeaf, userValue } from "../support/generators-user.js";

const catalog = smallCatalog();

/** One policy `if <cond>` → block; the bundle and the checked condition. */
function build(cond: string, action = "block") {
  const p = prepare(`policy "P" {\n  id p\n  if integration is alpha\n  if ${cond}\n  action ${action}\n}\n`, false, catalog);
  if (typeof p === "string") throw new Error(p);
  return p;
}

function call(user: UserInfo | undefined, args: Record<string, unknown> = {}): SessionEvent {
  return { type: "tool_call_request", session_id: "s", agent: { name: "A" }, ...(user ? { user } : {}), call: { id: "c", type: "mcp", integration: "alpha", tool: "get_item", args } };
}

/** Whether the condition holds for the event (the policy blocks), checked against the reference too. */
function holds(cond: string, ev: SessionEvent): boolean {
  const p = build(cond);
  const d = createEnforcer(p.bundle).decide(ev);
  expect(view(d)).toEqual(referenceDecide(p.model, ev));
  return d.effect === "block";
}

const alice: UserInfo = { id: "alice", roles: ["admin", "ops"], groups: ["eng"], claims: { clearance: 2, dept: "fin", projects: ["p1", "p2"], mfa: true, nothing: null }, manager: "carol" };
const bob: UserInfo = { id: "bob" };

describe("each user condition form compiles and decides as documented", () => {
  const cases: [string, CExpr, [UserInfo | undefined, Record<string, unknown>, boolean][]][] = [
    ["user is \"alice\"", { k: "user", path: ["id"], op: "eq", value: "alice" }, [[alice, {}, true], [bob, {}, false], [undefined, {}, false]]],
    ["user is not \"alice\"", { k: "not", x: { k: "user", path: ["id"], op: "eq", value: "alice" } }, [[alice, {}, false], [bob, {}, true], [undefined, {}, true]]],
    ["user in [\"bob\", \"carol\"]", { k: "user", path: ["id"], op: "in", values: ["bob", "carol"] }, [[alice, {}, false], [bob, {}, true]]],
    ["user exists", { k: "user", path: ["id"], op: "exists" }, [[bob, {}, true], [undefined, {}, false]]],
    ["user.roles has admin", { k: "user", path: ["roles"], op: "eq", value: "admin" }, [[alice, {}, true], [bob, {}, false], [undefined, {}, false]]],
    ["user.roles has Admin", { k: "user", path: ["roles"], op: "eq", value: "Admin" }, [[alice, {}, false]]],
    ["user.roles in [ops, sec]", { k: "user", path: ["roles"], op: "in", values: ["ops", "sec"] }, [[alice, {}, true], [bob, {}, false]]],
    ["user.roles not in [ops, sec]", { k: "not", x: { k: "user", path: ["roles"], op: "in", values: ["ops", "sec"] } }, [[alice, {}, false], [bob, {}, true]]],
    ["user.groups in [eng, sec]", { k: "user", path: ["groups"], op: "in", values: ["eng", "sec"] }, [[alice, {}, true], [{ id: "x", groups: [] }, {}, false]]],
    ["user.groups matches \"e*\"", { k: "user", path: ["groups"], op: "matches", glob: "e*", re: "^e[\\s\\S]*$" }, [[alice, {}, true], [bob, {}, false]]],
    ["user.manager is \"carol\"", { k: "user", path: ["manager"], op: "eq", value: "carol" }, [[alice, {}, true], [bob, {}, false]]],
    ["user.claims.clearance >= 2", { k: "user", path: ["claims", "clearance"], op: ">=", n: 2 }, [[alice, {}, true], [{ id: "x", claims: { clearance: 1 } }, {}, false], [{ id: "x", claims: { clearance: "2" } }, {}, false], [bob, {}, false]]],
    ["user.claims.clearance < 2", { k: "user", path: ["claims", "clearance"], op: "<", n: 2 }, [[alice, {}, false], [bob, {}, false]]],
    ["user.claims.dept is \"fin\"", { k: "user", path: ["claims", "dept"], op: "eq", value: "fin" }, [[alice, {}, true], [bob, {}, false]]],
    ["user.claims.dept in [fin, ops]", { k: "user", path: ["claims", "dept"], op: "in", values: ["fin", "ops"] }, [[alice, {}, true]]],
    ["user.claims.projects has \"p2\"", { k: "user", path: ["claims", "projects"], op: "eq", value: "p2" }, [[alice, {}, true], [{ id: "x", claims: { projects: "p2" } }, {}, true]]],
    ["user.claims.mfa is true", { k: "user", path: ["claims", "mfa"], op: "eq", value: true }, [[alice, {}, true], [{ id: "x", claims: { mfa: "true" } }, {}, false]]],
    ["user.claims.nothing exists", { k: "user", path: ["claims", "nothing"], op: "exists" }, [[alice, {}, false]]],
    ["user.claims.dept matches \"f*\"", { k: "user", path: ["claims", "dept"], op: "matches", glob: "f*", re: "^f[\\s\\S]*$" }, [[alice, {}, true]]],
    ["args.count <= user.claims.clearance", { k: "arg_user", path: ["count"], op: "<=", user: ["claims", "clearance"] }, [[alice, { count: 2 }, true], [alice, { count: 3 }, false], [alice, {}, false], [bob, { count: 0 }, false], [undefined, { count: 0 }, false], [alice, { count: "1" }, false]]],
    ["user.claims.clearance < args.count", { k: "arg_user", path: ["count"], op: ">", user: ["claims", "clearance"] }, [[alice, { count: 3 }, true], [alice, { count: 2 }, false]]],
    ["not args.count <= user.claims.clearance", { k: "not", x: { k: "arg_user", path: ["count"], op: "<=", user: ["claims", "clearance"] } }, [[alice, { count: 3 }, true], [undefined, { count: 0 }, true]]],
    ["args.name is user.id", { k: "arg_user", path: ["name"], op: "eq", user: ["id"] }, [[alice, { name: "alice" }, true], [alice, { name: "bob" }, false], [undefined, { name: "alice" }, false]]],
    ["args.name is not user.id", { k: "not", x: { k: "arg_user", path: ["name"], op: "eq", user: ["id"] } }, [[alice, { name: "bob" }, true], [alice, { name: "alice" }, false]]],
    ["args.name in user.groups", { k: "arg_user", path: ["name"], op: "eq", user: ["groups"] }, [[alice, { name: "eng" }, true], [alice, { name: "ops" }, false], [alice, { name: ["eng"] }, false]]],
  ];
  for (const [cond, expr, events] of cases) {
    it(cond, () => {
      const p = build(cond);
      expect(p.model.policies[0]!.ifs[1]!.expr).toEqual(expr);
      for (const [user, args, want] of events) expect(holds(cond, call(user, args)), `${cond} with ${JSON.stringify(user)} ${JSON.stringify(args)}`).toBe(want);
    });
  }
});

describe("approver_people", () => {
  const approval = (user: UserInfo | undefined, from = "from [technician, manager]") => {
    const p = build("operation is Read", `require_approval ${from}`);
    const ev = call(user);
    const d = createEnforcer(p.bundle).decide(ev);
    expect(view(d)).toEqual(referenceDecide(p.model, ev));
    return d;
  };
  it("names the requester's manager for the manager role only", () => {
    const d = approval(alice);
    expect(d.approvers).toEqual(["technician", "manager"]);
    expect(d.approver_people).toEqual({ manager: ["carol"] });
  });
  it("is absent without a user, without a manager, or when the policy does not ask for a manager", () => {
    expect(approval(undefined).approver_people).toBeUndefined();
    expect(approval(bob).approver_people).toBeUndefined();
    expect(approval(alice, "from [technician]").approver_people).toBeUndefined();
    expect(approval(alice, "").approver_people).toBeUndefined();
  });
  it("a requester who is their own manager leaves nobody to fill the role", () => {
    expect(approval({ id: "carol", manager: "carol" }).approver_people).toEqual({ manager: [] });
  });
});

describe("claims declared in the project config (user_claims)", () => {
  const check = (cond: string, declared = true) => checkProject([{ file: "c.policy", text: `policy "C" {\n  if integration is alpha\n  if ${cond}\n  action block\n}\n` }], catalog, [],
    declared ? { userClaims: { clearance: "number", dept: "string", projects: "string[]" } } : {}).diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}${d.hint ? ` | ${d.hint}` : ""}`);
  it("conditions that fit the declared types check", () => {
    for (const c of ["user.claims.clearance >= 2", "user.claims.dept matches \"f*\"", "user.claims.projects has \"p1\"", "user.claims.dept in [fin, ops]",
      "args.count <= user.claims.clearance", "args.name in user.claims.projects", "args.name is user.claims.dept", "user.claims.projects exists"]) expect(check(c), c).toEqual([]);
  });
  it("a misspelt claim is an error with a did-you-mean (undeclared: untyped, no error)", () => {
    expect(check("user.claims.clearence < 2")).toEqual(["PDL2070 `user.claims.clearence` is not a claim declared in policy.config.json \"user_claims\" | did you mean `user.claims.clearance`?"]);
    expect(check("user.claims.clearence < 2", false)).toEqual([]);
  });
  it("operators and literals must fit the type", () => {
    expect(check("user.claims.dept > 2")).toEqual(["PDL2072 `>` needs a number, but user.claims.dept is string | use is, in or matches"]);
    expect(check("user.claims.clearance is \"2\"")).toEqual(["PDL2072 user.claims.clearance is number, not string (\"2\") | write the number without quotes"]);
    expect(check("user.claims.projects is \"p1\"")).toEqual(["PDL2072 user.claims.projects is a list (string[]) | use `user.claims.projects has …`"]);
    expect(check("user.claims.dept has \"x\"")).toEqual(["PDL2072 `has` looks inside a list, but user.claims.dept is string | use `user.claims.dept is …`"]);
    expect(check("args.name in user.claims.dept")).toEqual(["PDL2072 user.claims.dept is one string, not a list | use `is` to compare an argument with it"]);
    expect(check("args.count <= user.claims.dept")).toEqual(["PDL2072 `<=` needs a number, but user.claims.dept is string | use is, in or matches"]);
  });
});

describe("visibleTools with a user", () => {
  it("a hide policy on a user condition decides the list when the user is known", () => {
    const p = build("not user.roles has admin", "hide");
    const e = createEnforcer(p.bundle);
    const tools = ["alpha.get_item", "beta.get_item"];
    expect(e.visibleTools({ name: "A", user: alice }, tools)).toEqual(tools);
    expect(e.visibleTools({ name: "A", user: bob }, tools)).toEqual(["beta.get_item"]);
    expect(e.visibleTools({ name: "A", user: null }, tools)).toEqual(["beta.get_item"]);
    // Unknown user (not given): the tool stays listed; a call to it is decided in full.
    expect(e.visibleTools({ name: "A" }, tools)).toEqual(tools);
  });
});

describe("a malformed user blocks with a reason", () => {
  const p = build("user exists", "allow");
  const bad: [unknown, string][] = [
    ["alice", "user: must be an object"],
    [{}, "user.id: required"],
    [{ id: "" }, "user.id: must not be empty"],
    [{ id: "a", roles: "admin" }, "user.roles: must be an array of strings"],
    [{ id: "a", groups: [1] }, "user.groups[]: must be a string"],
    [{ id: "a", manager: 3 }, "user.manager: must be a string"],
    [{ id: "a", claims: [] }, "user.claims: must be an object"],
    [{ id: "a", claims: { x: { y: 1 } } }, "user.claims.x: must be a string, finite number, boolean, null or an array of them"],
    [{ id: "a", roles: Array.from({ length: 1001 }, () => "r") }, "user: more than 1000 values"],
    [{ id: "x".repeat(5000) }, "user.id: longer than 4096 characters"],
  ];
  for (const [user, reason] of bad) {
    it(reason, () => {
      const d = createEnforcer(p.bundle).decide({ ...call(undefined), user });
      expect(d.effect).toBe("block");
      expect(d.reason).toBe(`invalid event: ${reason}`);
    });
  }
});

describe("the source forms survive printing and export → import", () => {
  const src = `policy "U" {\n  if user.roles has admin and not user.groups in [eng, "sec ops"]\n  if args.count <= user.claims.clearance or user.claims.clearance > args.count\n  if args.name is user.id\n  action allow\n}\n`;
  it("print → parse", () => {
    const ast = parse(src, "u.policy").ast;
    expect(print(parse(print(ast), "u.policy").ast)).toBe(print(ast));
    expect(print(ast)).toContain("if args.count <= user.claims.clearance or user.claims.clearance > args.count");
  });
  it("export → import", () => {
    const doc = exportDocument([{ file: "u.policy", ast: parse(src, "u.policy").ast }]);
    const back = importParsed(JSON.parse(JSON.stringify(doc)), "u.json");
    expect(back.diagnostics).toEqual([]);
    expect(print(parse(back.files[0]!.text, "u.policy").ast)).toBe(print(parse(src, "u.policy").ast));
  });
});

describe("properties", () => {
  const policies = fc.array(fc.tuple(userLeaf, fc.boolean()), { minLength: 1, maxLength: 4 }).map((xs) =>
    xs.map(([c, neg], i) => `policy "P${i}" {\n  id p${i}\n  if ${neg ? `not (${c})` : c}\n  action block\n}\n`).join("\n"));
  const anyUser = fc.oneof(userValue, fc.anything());

  it("deciding with user conditions never throws, whatever the user", () => {
    fc.assert(fc.property(policies, anyUser, fc.dictionary(fc.constantFrom("count", "name", "state"), fc.anything()), (src, user, args) => {
      const p = prepare(src, false, catalog);
      if (typeof p === "string") throw new Error(p);
      const ev = { ...call(undefined, args), user } as SessionEvent;
      const d = createEnforcer(p.bundle).decide(ev);
      expect(["allow", "block", "require_approval"]).toContain(d.effect);
    }), { numRuns: 300, seed: 17 });
  });

  it("an event without a user never satisfies a positive user condition", () => {
    fc.assert(fc.property(fc.array(userLeaf, { minLength: 1, maxLength: 4 }), fc.dictionary(fc.constantFrom("count", "name", "state"), fc.oneof(fc.integer(), fc.string())), (leaves, args) => {
      const src = leaves.map((c, i) => `policy "P${i}" {\n  id p${i}\n  if ${c}\n  action block\n}\n`).join("\n");
      const p = prepare(src, false, catalog);
      if (typeof p === "string") throw new Error(p);
      // Only the positive forms: a leaf written with `not` / `is not` / `not in` is a negation.
      const positive = p.model.policies.filter((x) => x.ifs.every((i) => i.expr.k === "user" || i.expr.k === "arg_user")).map((x) => x.id);
      const d = createEnforcer(p.bundle).decide(call(undefined, args));
      for (const id of positive) expect(d.matched.map((m) => m.id)).not.toContain(id);
    }), { numRuns: 300, seed: 18 });
  });
});
