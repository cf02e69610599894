/**
 * Hostile events: the runtime decides (usually `block` with a reason) without throwing, without
 * prototype pollution and within a time bound, whatever the event holds.
 * Names are compared exactly after `String.prototype.toLowerCase()`, with no Unicode
 * normalisation: a look-alike of `github` is an unknown integration (operation Unknown → the
 * default), never GitHub.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { createEnforcer } from "../../runtime/index.js";
import type { Decision } from "../../runtime/types.js";
import { MAX_ARGS_DEPTH, MAX_STRING_LENGTH, MAX_ARGS_VALUES } from "../../runtime/limits.js";
import { call, compile, POLICIES, SESSION_POLICIES, prototypeSnapshot } from "./helpers.js";
import { replaceAt } from "../fuzz/hostile.js";

const bundle = compile(POLICIES + `
policy "Reads of look-alikes" {
  id gh-sanitize
  if integration is GitHub
  action sanitize [args.body]
}
organization { domains ["acme.com"] }
policy "External mail" {
  id external-mail
  if integration is Gmail
  if principal is external
  action require_approval
}
`);
const enforcer = createEnforcer(bundle);
const sessions = createEnforcer(compile(SESSION_POLICIES));
const TOKEN = "ghp_" + "a".repeat(36);

/** Decides and checks the invariants every hostile event must keep; returns the decision. */
function decide(ev: unknown, e = enforcer): Decision {
  const t0 = performance.now();
  let d: Decision | undefined;
  expect(() => { d = e.decide(ev); }).not.toThrow();
  expect(performance.now() - t0).toBeLessThan(5_000); // generous cap: see docs/limits.md
  expect(["allow", "block", "require_approval"]).toContain(d!.effect);
  expect(typeof d!.reason).toBe("string");
  return d!;
}

let before = "";
beforeAll(() => { before = prototypeSnapshot(); });
afterAll(() => {
  expect(prototypeSnapshot()).toBe(before);
  expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
});

describe("hostile events", () => {
  it("__proto__ / constructor / prototype keys in args do not pollute and do not confuse the checks", () => {
    const raw = `{"type":"tool_call_request","session_id":"s","agent":{"name":"Cursor","__proto__":{"name":"Admin"}},
      "call":{"integration":"github","tool":"create_issue","args":{"__proto__":{"polluted":true,"owner":"x"},
      "constructor":{"prototype":{"polluted":true}},"prototype":{"polluted":true},"title":"hello","body":"${TOKEN}"}}}`;
    const ev = JSON.parse(raw) as unknown;
    const d = decide(ev);
    expect(d.effect).toBe("block");
    expect(d.matched.map((m) => m.id).sort()).toEqual(["gh-sanitize", "github-readonly", "no-secrets"]);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    // The agent's own `name` is what counts, not one inherited through __proto__.
    const anon = JSON.parse(`{"type":"agent_discovered","agent":{"__proto__":{"name":"Cursor"}}}`) as unknown;
    expect(decide(anon).reason).toMatch(/^invalid event: agent\.name/);
    // Args built in JS with a polluted-looking prototype chain: inherited properties are not args.
    const args = Object.create({ body: TOKEN }) as Record<string, unknown>;
    expect(decide(call("slack.slack_post_message", args)).matched.map((m) => m.id)).not.toContain("no-secrets");
  });

  it("a null-prototype args object is handled like any other", () => {
    const args = Object.assign(Object.create(null) as Record<string, unknown>, { text: TOKEN });
    expect(decide(call("slack.slack_post_message", args)).policy?.id).toBe("no-secrets");
  });

  it("huge strings: up to the limit they are scanned to the end; beyond it the event is invalid (block)", () => {
    const tail = "x".repeat(MAX_STRING_LENGTH - TOKEN.length - 1) + " " + TOKEN;
    expect(tail.length).toBe(MAX_STRING_LENGTH);
    expect(decide(call("slack.slack_post_message", { text: tail })).policy?.id).toBe("no-secrets");
    const over = decide(call("slack.slack_post_message", { text: tail + "x" }));
    expect(over).toMatchObject({ effect: "block", policy: null });
    expect(over.reason).toMatch(/^invalid event: call\.args: a string longer than/);
    expect(decide({ type: "tool_call_request", call: { command: ["git", "commit", "-m", "x".repeat(MAX_STRING_LENGTH)] } }).reason).toMatch(/^invalid event: call\.command/);
  });

  it("deeply nested args: a secret at the deepest allowed level is found; deeper nesting is invalid (block), never a stack overflow", () => {
    const nest = (depth: number, leaf: unknown) => { let v: unknown = leaf; for (let i = 1; i < depth; i++) v = { x: v }; return v as Record<string, unknown>; };
    // args itself is level 1, so MAX_ARGS_DEPTH levels of objects hold the string.
    expect(decide(call("slack.slack_post_message", nest(MAX_ARGS_DEPTH, { text: TOKEN }))).policy?.id).toBe("no-secrets");
    const deeper = decide(call("slack.slack_post_message", nest(MAX_ARGS_DEPTH + 1, { text: TOKEN })));
    expect(deeper).toMatchObject({ effect: "block", policy: null });
    expect(deeper.reason).toMatch(/nested deeper than/);
    const arrays = (n: number) => { let v: unknown = TOKEN; for (let i = 0; i < n; i++) v = [v]; return v; };
    expect(decide(call("slack.slack_post_message", { text: arrays(100_000) })).reason).toMatch(/nested deeper than/);
    expect(decide(call("slack.slack_post_message", { text: arrays(MAX_ARGS_DEPTH - 1) })).policy?.id).toBe("no-secrets");
  });

  it("too many values, and cyclic args built in JS, are invalid (block)", () => {
    const many = { list: Array.from({ length: MAX_ARGS_VALUES }, (_, i) => i) };
    expect(decide(call("slack.slack_post_message", many)).reason).toMatch(/more than 10000 values/);
    const wide = Object.fromEntries(Array.from({ length: MAX_ARGS_VALUES }, (_, i) => [`k${i}`, i]));
    expect(decide(call("slack.slack_post_message", wide)).reason).toMatch(/more than 10000 values/);
    expect(decide(call("slack.slack_post_message", Object.fromEntries(Object.entries(wide).slice(0, MAX_ARGS_VALUES - 1)))).reason).not.toMatch(/invalid event/);
    // Only own keys are arguments (what JSON can carry): an inherited enumerable key is not walked,
    // as it is not looked up by `args.x` either.
    const inherited = Object.create({ text: TOKEN }) as Record<string, unknown>;
    inherited["channel"] = "#general";
    expect(decide(call("slack.slack_post_message", inherited)).policy?.id).not.toBe("no-secrets");
    expect(decide(call("slack.slack_post_message", { channel: "#general", text: TOKEN })).policy?.id).toBe("no-secrets");
    const cyclic: Record<string, unknown> = { text: "hi" };
    cyclic["self"] = cyclic;
    expect(decide(call("slack.slack_post_message", cyclic)).effect).toBe("block");
  });

  it("non-string tool and integration names are invalid events (block)", () => {
    for (const tool of [42, null, true, ["create_issue"], { name: "create_issue" }, undefined]) {
      const d = decide({ type: "tool_call_request", call: { integration: "github", tool } });
      expect(d).toMatchObject({ effect: "block", policy: null });
      expect(d.reason).toMatch(/^invalid event: call\.tool/);
      expect(decide({ type: "tool_call_request", call: { integration: tool, tool: "create_issue" } }).reason).toMatch(/^invalid event: call\.integration/);
    }
    expect(decide({ type: "tool_call_request", call: { command: ["git", 7] } }).reason).toMatch(/^invalid event: call\.command/);
  });

  it("unicode look-alikes of `github` are unknown integrations (operation Unknown → default block), never GitHub", () => {
    const lookalikes = [
      "gіthub", // Cyrillic і (U+0456)
      "ɡithub", // Latin script g (U+0261)
      "ｇｉｔｈｕｂ", // fullwidth
      "git\u200bhub", // zero-width space
      "github\u0000", "github ", " github", "githuḅ", "GİTHUB", // dotted capital I lower-cases to i + U+0307
      "g\u0069\u0307thub",
    ];
    for (const name of lookalikes) {
      for (const tool of ["create_issue", "list_issues"]) {
        const d = decide({ type: "tool_call_request", call: { integration: name, tool, args: { owner: "acme", repo: "web" } } });
        expect(d, JSON.stringify(name)).toMatchObject({ effect: "block", policy: null, operation: "Unknown" });
        expect(d.matched.map((m) => m.id)).not.toContain("github-readonly");
        expect(d.matched.map((m) => m.id)).not.toContain("gh-sanitize");
      }
      const t = decide({ type: "tool_call_request", call: { integration: "github", tool: name === "github" ? name : "lіst_issues" } });
      expect(t).toMatchObject({ effect: "block", operation: "Unknown" });
    }
    // Exactly the same letters in another case are the same name (names are case-insensitive).
    expect(decide({ type: "tool_call_request", call: { integration: "GitHub", tool: "LIST_ISSUES" } })).toMatchObject({ effect: "allow", operation: "Read" });
    // toLowerCase maps a few non-ASCII letters to ASCII (KELVIN SIGN → k): such a name IS the ASCII one.
    expect("slac\u212A".toLowerCase()).toBe("slack");
    expect(decide({ type: "tool_call_request", call: { integration: "slac\u212A", tool: "slack_list_channels" } })).toMatchObject({ operation: "Read" });
  });

  it("numbers as strings are not numbers (and the other way round)", () => {
    const b = compile(`policy "many" {\n  id many\n  if integration is Slack\n  if args.limit > 100\n  action block "too many"\n}\n`);
    const e = createEnforcer(b);
    expect(decide(call("slack.slack_list_channels", { limit: 500 }), e).policy?.id).toBe("many");
    expect(decide(call("slack.slack_list_channels", { limit: "500" }), e).policy).toBeNull();
    expect(decide({ type: "tool_call_request", seq: "3", call: { integration: "slack", tool: "x" } }).reason).toMatch(/^invalid event: seq/);
    expect(decide({ type: "tool_call_request", ts: 1_700_000_000_000, call: { integration: "slack", tool: "x" } }).reason).toMatch(/^invalid event: ts/);
    expect(decide({ type: "tool_call_request", tenant: 7, call: { integration: "slack", tool: "x" } }).reason).toMatch(/^invalid event: tenant/);
  });

  it("missing optional fields decide; extra fields are ignored", () => {
    expect(decide({ type: "tool_call_request", call: { integration: "github", tool: "list_issues" } })).toMatchObject({ effect: "allow" });
    expect(decide({ type: "tool_call_request", call: { integration: "github", tool: "list_issues" }, extra: { deep: [1, 2] }, agent: { name: "X", is_admin: true } })).toMatchObject({ effect: "allow" });
    expect(decide({ type: "agent_discovered", agent: { name: "Windsurf" }, whatever: 1 })).toMatchObject({ effect: "allow" });
    expect(decide(call("github.list_issues", {}, { session_id: undefined, tenant: undefined, agent: undefined }), sessions)).toMatchObject({ effect: "allow" });
  });

  it("random JSON-ish values as events, and random corruptions of a valid event, never throw or pollute", () => {
    const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("__proto__", "constructor", "prototype", "type", "call", "args", "tool", "integration", "toString", "valueOf", "hasOwnProperty"));
    const anything = fc.anything({ key, withNullPrototype: true, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withBoxedValues: true, maxDepth: 4 });
    const base = call("github.create_issue", { owner: "acme", repo: "web", title: "t", body: "b" });
    const corrupt = fc.tuple(fc.constantFrom("", "call", "agent", "call.args", "call.args.body", "call.tool", "call.integration", "ts", "tenant", "session_id", "call.args.__proto__"), anything).map(([path, v]) => replaceAt(base, path, v));
    fc.assert(fc.property(fc.oneof(anything, corrupt), fc.boolean(), (ev, stateful) => {
      const d = decide(ev, stateful ? sessions : enforcer);
      return d.effect !== "allow" || !String(d.reason).startsWith("invalid");
    }), { numRuns: 3_000, seed: 9 });
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("observe() and visibleTools() survive the same hostile inputs", () => {
    for (const ev of [null, 1, "x", [], {}, { type: "tool_call_response", cost: { amount: "1", currency: 5 } }, JSON.parse(`{"type":"tool_call_response","__proto__":{"x":1},"call":{"__proto__":{}}}`)]) {
      expect(() => sessions.observe(ev)).not.toThrow();
    }
    expect(() => enforcer.visibleTools({ name: "__proto__" }, ["__proto__.constructor", "constructor", "github.__proto__"])).not.toThrow();
  });
});
