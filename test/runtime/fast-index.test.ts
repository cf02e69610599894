/**
 * The fast path's per-bucket index (runtime/fast.ts): a decision reaches a policy only through its
 * guard (an equality lookup, a `contains` element, a glob prefix, a shared conjunct), so it must
 * decide exactly as the plain loop over the bucket: every entry in scope whose lines hold, then
 * SPEC §5. Checked here on the full decision object, on crafted corner cases and on random sets
 * with many policies per bucket (where the index, not a scan, does the work).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { checkProject } from "../../compiler/check/index.js";
import { buildBundle } from "../../compiler/emit/index.js";
import { createEnforcer } from "../../runtime/index.js";
import type { Bundle, Decision, SessionEvent } from "../../runtime/types.js";
import { smallCatalog } from "../support/small-catalog.js";
import { plainDecide } from "../support/plain-decide.js";
import { policyText } from "../support/generators.js";
import { contentRevision } from "../../runtime/revision.js";

/** A hand-made bundle with the content revision of what it now holds (the runtime rejects any other). */
const restamp = (b: Bundle): Bundle => ({ ...b, revision: contentRevision(b) });

const catalog = smallCatalog();

function bundleOf(src: string): Bundle {
  const p = checkProject([{ file: "idx.policy", text: src }], catalog);
  expect(p.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.span.line}: ${d.message}`)).toEqual([]);
  return JSON.parse(JSON.stringify(buildBundle(p))) as Bundle;
}


const ev = (args: Record<string, unknown>, o: { tool?: string; agent?: string; review?: string; tenant?: string } = {}): SessionEvent => ({
  type: "tool_call_request", session_id: "s", ts: "2026-11-23T10:00:00Z", ...(o.tenant ? { tenant: o.tenant } : {}),
  agent: { name: o.agent ?? "A", ...(o.review ? { review_status: o.review } : {}) },
  call: { id: "c", type: "mcp", integration: "alpha", tool: o.tool ?? "get_item", args },
});

const view = (d: Decision) => ({ ...d, matched: d.matched.map((m) => m.id) });

function same(b: Bundle, events: readonly SessionEvent[]): void {
  const enf = createEnforcer(b);
  for (const e of events) expect(view(enf.decide(e)), JSON.stringify(e)).toEqual(view(plainDecide(b, e)));
}

const pol = (id: string, ifs: string[], action = "block", extra: string[] = []) => policyText(id, [`id ${id}`, ...extra], ifs, action) + "\n";

describe("the fast path's index decides as the plain loop", () => {
  it("on the corner cases of each kind of guard", () => {
    const src = [
      pol("eq-str", ["tool is alpha.get_item", "args.name is \"1\""]),
      pol("in-num", ["tool is alpha.get_item", "args.count in [1, 2]"], "require_approval"),
      pol("nested", ["tool is alpha.get_item", "args.nested.x is \"x\""], "allow"),
      pol("has-arr", ["tool is alpha.get_item", "args.tags contains \"a\""], "alert \"tag a\""),
      pol("has-str", ["tool is alpha.get_item", "args.name contains \"ac\""], "allow"),
      pol("glob", ["tool is alpha.get_item", "args.name matches \"team-1/*\""], "require_approval"),
      pol("glob2", ["tool is alpha.get_item", "args.name matches \"team-1?/x*\""], "require_approval"),
      pol("glob-noprefix", ["tool is alpha.get_item", "args.name matches \"*/svc\""], "allow"),
      pol("either", ["tool is alpha.get_item", "args.name is \"a\" or agent is \"B\""], "alert \"or\""),
      pol("review", ["tool is alpha.get_item", "agent.review_status in [Unreviewed, Disallowed]"], "require_approval"),
      pol("numeric", ["tool is alpha.get_item", "args.count > 1"], "require_approval"),
      pol("numeric2", ["tool is alpha.get_item", "args.count > 1", "agent.review_status is Approved"], "allow"),
      pol("numeric3", ["tool is alpha.get_item", "args.count >= 2"], "alert \"ge\""),
      pol("numeric4", ["tool is alpha.get_item", "args.count < 2"], "alert \"lt\""),
      pol("numeric5", ["tool is alpha.get_item", "args.count <= 1"], "alert \"le\""),
      pol("tenant", ["tool is alpha.get_item"], "allow", ["scope tenant \"t1\""]),
      pol("agent", ["tool is alpha.get_item", "args.count exists"], "hide", ["scope agent \"C\""]),
      pol("none", ["tool is alpha.get_item"], "alert \"every call\""),
      "default allow\n",
    ].join("\n");
    const b = bundleOf(src);
    const names = ["1", "a", "ac", "acme", "team-1/", "team-1/x", "team-12/xy", "team-1", "team-", "x/svc", ""];
    const events: SessionEvent[] = [];
    for (const name of names) for (const count of [undefined, 1, 2, "1", 1.5]) for (const tags of [undefined, ["a", "a"], "a,b", ["b"], [["a"]]]) {
      const args: Record<string, unknown> = { name };
      if (count !== undefined) args["count"] = count;
      if (tags !== undefined) args["tags"] = tags;
      events.push(ev(args), ev(args, { agent: "B", review: "Unreviewed", tenant: "t1" }), ev(args, { agent: "C", review: "Approved", tenant: "t2" }));
    }
    events.push(ev({ nested: { x: "x" } }), ev({ nested: "x" }), ev({ name: 1 }), ev({ count: 1 }, { tool: "GET_ITEM" }), ev({ name: "a" }, { tool: "get_item_v2" }));
    same(b, events);
  });

  it("on arrays of strings (any element), escaped glob prefixes, [n] and [*] paths", () => {
    const on = (id: string, cond: string, action = "block") => pol(id, ["tool is alpha.create_item", cond], action);
    const src = [
      on("has-any", "args.tags contains \"a\""),
      on("pre-any", "args.tags matches \"ab*\"", "alert \"pre\""),
      on("pre-esc", "args.tags matches \"a\\\\*b*\"", "require_approval"),
      on("pre-esc2", "args.name matches \"x\\\\?*\"", "allow"),
      on("idx", "args.tags[1] is \"b\"", "alert \"idx\""),
      on("wild", "args.tags[*] is \"c\"", "alert \"wild\""),
      on("wild-glob", "args.paths[*] matches \"s*\"", "alert \"wild glob\""),
      on("wild-num", "args.paths[*] exists", "alert \"some path\""),
      "default allow\n",
    ].join("\n");
    const b = bundleOf(src);
    const events: SessionEvent[] = [];
    for (const tags of [undefined, [], ["a"], ["xa", "b"], ["ab", 1], [1, 2], ["a*bc"], ["a*", "b"], "abc", ["c", "b"], [["a"]]]) {
      for (const name of ["x?1", "xy", "x\\?"]) for (const paths of [undefined, [], ["s1"], ["t", "s"], "s"]) {
        const args: Record<string, unknown> = { name };
        if (tags !== undefined) args["tags"] = tags;
        if (paths !== undefined) args["paths"] = paths;
        events.push(ev(args, { tool: "create_item" }));
      }
    }
    same(b, events);
    const d = createEnforcer(b).decide(ev({ name: "x?1", tags: ["zz", "a*bc"] }, { tool: "create_item" }));
    expect(d.matched.map((m) => m.id)).toEqual(["has-any", "pre-esc", "pre-esc2"]);
  });

  it("relies on this: only U+0130 and U+212A lower-case to ASCII, and no other character matches an ASCII letter case-insensitively", () => {
    const toAscii: number[] = [];
    const matches: number[] = [];
    const letters = /[a-z]/i;
    for (let cp = 128; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCodePoint(cp);
      if (/[\x00-\x7f]/.test(ch.toLowerCase())) toAscii.push(cp);
      if (letters.test(ch)) matches.push(cp);
    }
    expect(toAscii).toEqual([0x130, 0x212a]);
    expect(matches).toEqual([]);
  });

  it("on a glob whose regex is not its own (a hand-made bundle): the regex decides, the index does not skip it", () => {
    const b = bundleOf(pol("g", ["tool is alpha.get_item", "args.name matches \"team-1/*\""]));
    const p = b.policies[0]!;
    const ifs = p.ifs.map((l) => (l.expr.k === "arg" ? { ...l, expr: { ...l.expr, re: "^other[\\s\\S]*$" } } : l));
    const forged = restamp({ ...b, policies: [{ ...p, ifs }] } as Bundle);
    same(forged, [ev({ name: "team-1/a" }), ev({ name: "other/a" })]);
    expect(createEnforcer(forged).decide(ev({ name: "other/a" })).effect).toBe("block");
  });

  it("on `body contains` and `prefix*` globs, checked against what each means", () => {
    const b = bundleOf([
      pol("body", ["tool is alpha.get_item", "body contains any [\"deal #\"]"]),
      pol("kelvin", ["tool is alpha.get_item", "body contains any [\"5 kelvin\", \"ski\"]"], "alert \"kelvin\""),
      pol("all", ["tool is alpha.get_item", "body contains all [\"acme\", \"merger\"]"], "require_approval"),
      pol("pre", ["tool is alpha.get_item", "args.name matches \"team-1/*\""], "alert \"team 1\""),
      pol("special", ["tool is alpha.get_item", "body contains any [\"1+1\", \"a.b\", \"(x)\"]"], "alert \"special\""),
      "default allow\n",
    ].join("\n"));
    const enf = createEnforcer(b);
    const ids = (args: Record<string, unknown>) => enf.decide(ev(args)).matched.map((m) => m.id);
    expect(ids({ name: "about DEAL #42" })).toEqual(["body"]);
    expect(ids({ name: "it is 5 \u212Aelvin" })).toEqual(["kelvin"]);
    expect(ids({ name: "it is 5 KELVIN", tags: ["\u00E9"] })).toEqual(["kelvin"]);
    expect(ids({ name: "S\u212A\u0130" })).toEqual(["kelvin"]); // lower-cased: "ski̇"
    expect(ids({ name: "S\u212A\u0130X" })).toEqual(["kelvin"]);
    expect(ids({ name: "dea", tags: ["l #42"] })).toEqual([]); // never across two strings
    expect(ids({ name: "ACME", tags: ["x", "a Merger"] })).toEqual(["all"]); // `all`: across strings is fine
    expect(ids({ name: "team-1/" })).toEqual(["pre"]);
    expect(ids({ name: "team-1" })).toEqual([]);
    expect(ids({ name: "Team-1/x" })).toEqual([]); // argument globs are case-sensitive
    expect(ids({ name: "a-b 11 x" })).toEqual([]); // needles are text, not patterns
    expect(ids({ name: "is 1+1 two?" })).toEqual(["special"]);
    expect(ids({ name: "(X) marks" })).toEqual(["special"]);
    // Lower-casing can turn a non-ASCII character into ASCII (KELVIN SIGN → k): still found.
    expect(ids({ name: "x", tags: ["DEAL \u212A", "about \u212Aeal #"] })).toEqual([]);
    expect(ids({ name: "plain ascii", tags: ["D\u00C9AL #", "DEAL #1"] })).toEqual(["body"]);
    same(b, [ev({ name: "dea", tags: ["l #"] }), ev({ name: "team-1/x\u0000" }), ev({ name: "x", nested: { x: "DEAL #" } })]);
  });

  it("on `data_class`, built-in and custom classes, found in any string of the arguments", () => {
    const builtIn = bundleOf([
      pol("secrets", ["tool is alpha.get_item", "data_class has SECRETS"]),
      pol("pii", ["tool is alpha.get_item", "data_class in [PII]"], "require_approval"),
      "default allow\n",
    ].join("\n"));
    // A custom class: its detector has no pre-filter.
    const custom = bundleOf([
      pol("secrets", ["tool is alpha.get_item", "data_class has SECRETS"]),
      pol("emp", ["tool is alpha.get_item", "data_class has EMPLOYEE"], "alert \"employee id\""),
      "detector EmployeeId /EMP-[0-9]{6}/ class EMPLOYEE\n",
      "default allow\n",
    ].join("\n"));
    const ids = (b: Bundle, args: Record<string, unknown>) => createEnforcer(b).decide(ev(args)).matched.map((m) => m.id);
    expect(ids(builtIn, { name: "weekly notes" })).toEqual([]);
    expect(ids(builtIn, { name: "x", tags: ["key AKIAABCDEFGHIJKLMNOP"] })).toEqual(["secrets"]);
    expect(ids(builtIn, { name: "mail someone@example.org" })).toEqual(["pii"]);
    expect(ids(custom, { nested: { x: "badge EMP-123456" } })).toEqual(["emp"]);
    expect(ids(custom, { name: "AKIAABCDEFGHIJKLMNOP", tags: ["EMP-000001"] })).toEqual(["secrets", "emp"]);
    const evs = [ev({ name: "weekly notes" }), ev({ name: "ID-429 team-4/svc-13" }), ev({ name: "call +1 415 555 0100", tags: ["EMP-000001"] })];
    same(builtIn, evs);
    same(custom, evs);
  });

  it("when more policies match than the scratch space first holds (200 matches, in decision order)", () => {
    const src = Array.from({ length: 200 }, (_, i) => pol(`m${i}`, ["tool is alpha.get_item", i % 2 ? "args.name is \"a\"" : "agent is \"A\""], i % 3 ? "allow" : "alert \"x\"", [`priority ${i % 7}`])).join("\n");
    const b = bundleOf(src);
    // The first decision with this many matches grows the scratch space: checked whole.
    const d = createEnforcer(b).decide(ev({ name: "a" }));
    expect(d.matched).toHaveLength(200);
    expect(view(d)).toEqual(view(plainDecide(b, ev({ name: "a" }))));
    same(b, [ev({ name: "a" }), ev({ name: "b" }), ev({ name: "a" }, { agent: "B" })]);
  });

  it("on a hand-made bundle whose bucket is longer than a function call takes arguments (200,000 entries)", () => {
    const b = bundleOf(pol("a", ["tool is alpha.get_item", "agent is \"A\""], "alert \"x\"") + "default allow\n");
    const entries = b.index.tool_call.tools["alpha.get_item"]!;
    const big = restamp({ ...b, index: { ...b.index, tool_call: { ...b.index.tool_call, tools: { ...b.index.tool_call.tools, "alpha.get_item": Array.from({ length: 200_000 }, () => entries[0]!) } } } } as Bundle);
    const d = createEnforcer(big).decide(ev({ name: "x" }));
    expect([d.effect, d.matched.length]).toEqual(["allow", 200_000]);
  });

  it("on random sets of up to 60 policies per tool and random events", () => {
    const leaf = fc.oneof(
      fc.constantFrom("\"a\"", "\"b\"", "\"1\"", "\"team-1/x\"").map((v) => `args.name is ${v}`),
      fc.constantFrom("[\"a\", \"b\"]", "[1, 2]").map((v) => (v.includes("1") ? `args.count in ${v}` : `args.name in ${v}`)),
      fc.constantFrom("\"a\"", "\"b\"").map((v) => `args.tags contains ${v}`),
      fc.constantFrom("\"te\"", "\"a\"").map((v) => `args.name contains ${v}`),
      fc.constantFrom("\"team-1/*\"", "\"team-*\"", "\"t?am-1*\"", "\"*\"").map((v) => `args.name matches ${v}`),
      fc.constantFrom(">", ">=", "<", "<=").chain((op) => fc.integer({ min: 0, max: 3 }).map((n) => `args.count ${op} ${n}`)),
      fc.constantFrom("\"A\"", "\"B\"").map((v) => `agent is ${v}`),
      fc.constantFrom("Approved", "Unreviewed").map((v) => `agent.review_status is ${v}`),
      fc.constant("args.name is \"a\" or args.count is 2"),
      fc.constant("not (args.name is \"a\")"),
      fc.constant("body contains any [\"secret\"]"),
    );
    const policy = fc.record({
      tool: fc.constantFrom("alpha.get_item", "alpha.create_item"),
      ifs: fc.array(leaf, { minLength: 0, maxLength: 3 }),
      action: fc.constantFrom("allow", "block", "require_approval", "alert \"x\"", "hide"),
      scope: fc.constantFrom("", "", "scope tenant \"t1\"", "scope agent \"B\""),
      priority: fc.integer({ min: 0, max: 3 }),
    });
    const args = fc.record({
      name: fc.constantFrom("a", "b", "1", "team-1/x", "team-", "team-2", "tam-1", "secret stuff"),
      count: fc.constantFrom(0, 1, 1.5, 2, 3, 4, -1, "2"),
      tags: fc.oneof(fc.array(fc.constantFrom("a", "b"), { maxLength: 3 }), fc.constant("a")),
    }, { requiredKeys: [] });
    const event = fc.record({ args, tool: fc.constantFrom("get_item", "create_item", "delete_item", "new_tool"), agent: fc.constantFrom("A", "B", "C"), review: fc.constantFrom("Approved", "Unreviewed"), tenant: fc.constantFrom("t1", "t2") })
      .map((r) => ev(r.args, r));
    fc.assert(fc.property(fc.array(policy, { minLength: 1, maxLength: 120 }), fc.array(event, { minLength: 1, maxLength: 30 }), (ps, evs) => {
      const src = ps.map((p, i) => pol(`p${i}`, [`tool is ${p.tool}`, ...p.ifs], p.action, [...(p.scope ? [p.scope] : []), `priority ${p.priority}`])).join("\n") + "default by operation { Read: allow  Write: require_approval  Delete: block  Unknown: block }\n";
      same(bundleOf(src), evs);
    }), { numRuns: 150 });
  });
});
