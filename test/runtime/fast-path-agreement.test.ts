/**
 * The fast path (runtime/fast.ts: per-bucket guards, the candidate bit set, frozen decisions of
 * runtime/frozen-decisions.ts) against the general evaluator (every policy of the bucket in order,
 * every line through runtime/evaluate.ts, then SPEC §5 through `decisionOf`) on ≥ 10,000 generated
 * (policy set, event) pairs, compared on the whole decision object. Events repeat within a set, so
 * that frozen decisions are served again, and each returned decision is tampered with before the
 * next one, so that a decision shared between calls that a caller could change would show.
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

const catalog = smallCatalog();


const view = (d: Decision) => JSON.parse(JSON.stringify(d)) as unknown;

/** Tries to change a returned decision the ways a caller might (a frozen one refuses). */
function tamper(d: Decision): void {
  const tries: (() => void)[] = [
    () => { d.effect = "allow"; },
    () => { d.reason = "tampered"; },
    () => { d.matched.push({ id: "x", name: "x" }); },
    () => { d.alerts.push({ policy: "x", message: "x", to: null }); },
    () => { d.approvers.push("x"); },
    () => { if (d.sanitize[0]) d.sanitize[0].fields.push("x"); },
  ];
  for (const t of tries) try { t(); } catch { /* frozen */ }
}

const leaf = fc.oneof(
  fc.constantFrom("\"a\"", "\"b\"", "1", "2").map((v) => (/\d/.test(v) ? `args.count is ${v}` : `args.name is ${v}`)),
  fc.constantFrom("[\"a\", \"b\"]", "[1, 2]").map((v) => (v.includes("1") ? `args.count in ${v}` : `args.name in ${v}`)),
  fc.constantFrom("\"a\"", "\"b\"").map((v) => `args.tags contains ${v}`),
  fc.constantFrom("\"team-1/*\"", "\"team-*\"", "\"*\"").map((v) => `args.name matches ${v}`),
  fc.constantFrom(">", ">=", "<", "<=").chain((op) => fc.integer({ min: 0, max: 3 }).map((n) => `args.count ${op} ${n}`)),
  fc.constantFrom("\"A\"", "\"B\"").map((v) => `agent is ${v}`),
  fc.constantFrom("Approved", "Unreviewed").map((v) => `agent.review_status is ${v}`),
  fc.constant("args.name is \"a\" or args.count is 2"),
  fc.constant("not (args.name is \"a\")"),
  fc.constant("body contains any [\"secret\"]"),
  fc.constant("data_class has PII"),
);

const policy = fc.record({
  tool: fc.constantFrom("alpha.get_item", "alpha.create_item", "alpha.delete_item", "alpha.*"),
  ifs: fc.array(leaf, { minLength: 0, maxLength: 3 }),
  action: fc.constantFrom("allow", "block", "require_approval", "require_approval from [manager]", "alert \"x\"", "hide", "block, sanitize [args.name]", "sanitize [args.name]"),
  scope: fc.constantFrom("", "", "scope tenant \"t1\"", "scope agent \"B\""),
  priority: fc.integer({ min: 0, max: 3 }),
});

const DEFAULTS = [
  "default by operation { Read: allow  Write: require_approval  Delete: block  Unknown: block }\n",
  "default allow\ndefault for tenant \"t1\" block\n",
  "default by operation { Read: allow  Write: allow  Delete: require_approval  Unknown: block }\ndefault for agent \"B\" by operation { Write: block }\n",
  "default allow\ndefault for integration alpha require_approval\n",
];

const args = fc.record({
  name: fc.constantFrom("a", "b", "team-1/x", "team-2", "secret stuff", "mail x@acme.com"),
  count: fc.constantFrom(0, 1, 2, 3, -1, "2"),
  tags: fc.oneof(fc.array(fc.constantFrom("a", "b"), { maxLength: 2 }), fc.constant("a")),
}, { requiredKeys: [] });

const event = fc.record({
  args,
  tool: fc.constantFrom("get_item", "create_item", "delete_item", "GET_ITEM", "new_tool"),
  integration: fc.constantFrom("alpha", "alpha", "alpha", "other"),
  agent: fc.constantFrom("A", "B", "C"),
  review: fc.constantFrom("Approved", "Unreviewed"),
  tenant: fc.constantFrom("t1", "t2"),
  user: fc.constantFrom(undefined, { id: "u1", manager: "carol" }),
}).map((r): SessionEvent => ({
  type: "tool_call_request", session_id: "s", ts: "2026-11-23T10:00:00Z", tenant: r.tenant,
  agent: { name: r.agent, review_status: r.review }, ...(r.user ? { user: r.user } : {}),
  call: { id: "c", type: "mcp", integration: r.integration, tool: r.tool, args: r.args },
}));

function bundleOf(src: string): Bundle {
  const p = checkProject([{ file: "agree.policy", text: src }], catalog);
  const errors = p.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(`${errors[0]!.code}: ${errors[0]!.message}\n${src}`);
  return JSON.parse(JSON.stringify(buildBundle(p))) as Bundle;
}

describe("the fast path and the general evaluator", () => {
  it("agree on ≥ 10,000 generated (policy set, event) pairs, decisions served again and tampered with included", () => {
    let pairs = 0;
    const sets = 25, perSet = 420;
    fc.assert(fc.property(
      fc.array(policy, { minLength: 1, maxLength: 40 }), fc.nat(DEFAULTS.length - 1), fc.array(event, { minLength: 140, maxLength: 140 }),
      (ps, dflt, evs) => {
        const src = ps.map((p, i) => policyText(`p${i}`, [`id p${i}`, ...(p.scope ? [p.scope] : []), `priority ${p.priority}`], [p.tool.endsWith("*") ? `tool matches "${p.tool}"` : `tool is ${p.tool}`, ...p.ifs], p.action)).join("\n\n") + "\n\n" + DEFAULTS[dflt]!;
        const b = bundleOf(src);
        const enf = createEnforcer(b);
        // Each event three times: the second and third are served from what the first left behind.
        for (let k = 0; k < perSet; k++) {
          const e = evs[k % evs.length]!;
          const d = enf.decide(e);
          const want = plainDecide(b, e);
          // Compared as text first (both come from the same object literals); the diff only on a mismatch.
          if (JSON.stringify(d) !== JSON.stringify(want)) expect(view(d), `${JSON.stringify(e)}\n--- policies ---\n${src}`).toEqual(view(want));
          tamper(d);
          pairs++;
        }
      },
    ), { numRuns: sets, seed: 22, endOnFailure: true });
    expect(pairs).toBeGreaterThanOrEqual(10_000);
  });

  it("hands out decisions that cannot be changed, and the next caller gets the decision intact", () => {
    const b = bundleOf(`${policyText("p0", ["id p0"], ["tool is alpha.delete_item"], "block \"no deleting\"")}\n\ndefault allow\n`);
    const enf = createEnforcer(b);
    const e: SessionEvent = { type: "tool_call_request", session_id: "s", ts: "2026-11-23T10:00:00Z", agent: { name: "A" }, call: { id: "c", type: "mcp", integration: "alpha", tool: "delete_item", args: {} } };
    const first = enf.decide(e);
    expect(() => { first.effect = "allow"; }).toThrow(TypeError);
    expect(() => { first.matched.push({ id: "x", name: "x" }); }).toThrow(TypeError);
    const again = enf.decide(e);
    expect([again.effect, again.reason, again.matched.map((m) => m.id)]).toEqual(["block", "no deleting", ["p0"]]);
  });
});
