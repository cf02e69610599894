/**
 * INVARIANT under test: responses and messages are decided by the compiled tables exactly as by the
 * reference evaluator (SPEC §5 over `when tool_response` / `message_…` policies), on random policy
 * sets and random results and messages; no default applies to them.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { referenceDecideReturn } from "../../compiler/reference/index.js";
import { createEnforcer } from "../../runtime/index.js";
import { prepare, view } from "../fuzz/compare.js";
import { responseCatalog, returnEvent, returnSource } from "../support/generators-response.js";

const catalog = responseCatalog();

describe("response and message decisions agree with the reference evaluator", () => {
  it("on random (policy set, response or message) cases", () => {
    let compared = 0;
    const seen = { block: 0, require_approval: 0, sanitize: 0, matched: 0 };
    fc.assert(fc.property(returnSource, fc.array(returnEvent, { minLength: 10, maxLength: 10 }), (src, evs) => {
      const p = prepare(src, false, catalog);
      // A result field no matchable tool returns is a compile error (PDL2091): that set is not a case.
      fc.pre(typeof p !== "string" || p.split("\n").every((l) => l.startsWith("PDL2091")));
      if (typeof p === "string") return;
      const enforcer = createEnforcer(p.bundle);
      for (const { event, request } of evs) {
        const got = enforcer.decideResponse(event, request);
        expect(view(got), `event ${JSON.stringify(event)}\nrequest ${JSON.stringify(request)}\n--- policies ---\n${src}\n${got.reason}`).toEqual({ ...referenceDecideReturn(p.model, event, request), approver_people: got.approver_people });
        expect(got.withheld).toBe(got.effect === "block");
        compared++;
        if (got.effect !== "allow") seen[got.effect]++;
        if (got.sanitize.length) seen.sanitize++;
        if (got.matched.length) seen.matched++;
      }
    }), { numRuns: Number(process.env.DIFF_RUNS ?? 200), seed: Number(process.env.DIFF_SEED ?? 20261203) });
    expect(compared).toBeGreaterThan(1000);
    // The cases exercise every outcome, not only "nothing matched".
    for (const [k, n] of Object.entries(seen)) expect(n, k).toBeGreaterThan(50);
  }, 300_000);

  it("a response no policy can match is not looked at (the bundle knows it at build time)", () => {
    const p = prepare(`policy "m" {\n  id m\n  when tool_response\n  if tool is alpha.get_item\n  if data_class has SECRETS\n  action block\n}\n`, false, catalog);
    if (typeof p === "string") throw new Error(p);
    expect(Object.keys(p.bundle.index.tool_response!.tools)).toEqual(["alpha.get_item"]);
    const enforcer = createEnforcer(p.bundle);
    // A result that cannot even be walked is not walked: no policy can match beta.list_things.
    const deep: Record<string, unknown> = {};
    let cur = deep;
    for (let i = 0; i < 200; i++) { cur.x = {}; cur = cur.x as Record<string, unknown>; }
    const base = { session_id: "s", agent: { name: "A" } };
    const req = (tool: string) => ({ type: "tool_call_request", ...base, call: { id: "c", integration: tool.split(".")[0], tool: tool.split(".")[1], args: {} } });
    const d = enforcer.decideResponse({ type: "tool_call_response", ...base, call_id: "c", result: { structuredContent: deep } }, req("beta.list_things"));
    expect(d.effect).toBe("allow");
    expect(d.reason).toMatch(/no response policy applies/);
    // The same result to a tool a policy can match cannot be inspected: withheld (fail closed).
    const w = enforcer.decideResponse({ type: "tool_call_response", ...base, call_id: "c", result: { structuredContent: deep } }, req("alpha.get_item"));
    expect(w.effect).toBe("block");
    expect(w.withheld).toBe(true);
    expect(w.reason).toMatch(/nested deeper/);
  });
});
