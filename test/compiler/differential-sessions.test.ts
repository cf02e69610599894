/**
 * INVARIANT under test: over whole sessions, the compiled runtime with its store decides every event
 * exactly as the reference session model (compiler/reference/history.ts: each session condition
 * computed from the plain list of earlier events): requests with `session has …`, `rate`, `count`,
 * `sum` and `burst` of every scope and window, responses (whose data classes become session facts)
 * and messages (whose `mark` / `clear` change the session where a policy says so), on random
 * policy sets and random event sequences.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ReferenceSessions } from "../../compiler/reference/history.js";
import { createEnforcer } from "../../runtime/index.js";
import type { Decision } from "../../runtime/types.js";
import { smallCatalog } from "../support/small-catalog.js";
import { sessionEvents, sessionSource } from "../support/generators-session.js";
import { prepare, view } from "../fuzz/compare.js";

const catalog = smallCatalog();

/** What both sides compute of a decision: SPEC §5's fields, and a message's session changes. */
const seen = (d: Decision) => ({ ...view(d), session_changes: d.session_changes, session_changed: d.session_changed });

describe("sessions decided by the runtime agree with the reference session model", () => {
  it("on random (policy set, event sequence) cases", () => {
    const outcomes = { block: 0, changed: 0, stateful: 0, events: 0 };
    fc.assert(fc.property(sessionSource, sessionEvents, (src, steps) => {
      const p = prepare(src, false, catalog);
      expect(typeof p === "string" ? p.split("\n") : []).toEqual([]);
      if (typeof p === "string") return;
      const enforcer = createEnforcer(p.bundle);
      const ref = new ReferenceSessions(p.model);
      steps.forEach(({ event, request }, i) => {
        let got: Decision;
        let want: ReturnType<typeof ref.message>;
        if (event.type === "tool_call_request") { got = enforcer.decide(event); want = ref.request(event); }
        else if (event.type === "tool_call_response") { enforcer.observe(event); got = enforcer.decideResponse(event, request); want = ref.response(event, request); }
        else { got = enforcer.decideResponse(event); want = ref.message(event); }
        const at = `event ${i}: ${JSON.stringify(event)}\n--- reason: ${got.reason}\n--- policies ---\n${src}\n--- events ---\n${steps.slice(0, i + 1).map((s) => JSON.stringify(s.event)).join("\n")}`;
        expect(seen(got), at).toEqual({ approver_people: got.approver_people, session_changes: undefined, session_changed: undefined, ...want });
        outcomes.events++;
        if (got.effect === "block") outcomes.block++;
        if (got.session_changed) outcomes.changed++;
        if (event.type === "tool_call_request" && got.matched.length) outcomes.stateful++;
      });
    }), { numRuns: Number(process.env.DIFF_RUNS ?? 40), seed: Number(process.env.DIFF_SEED ?? 20261203) });
    // The sequences reach the interesting outcomes, not only "nothing matched".
    expect(outcomes.block).toBeGreaterThan(50);
    expect(outcomes.changed).toBeGreaterThan(10);
    expect(outcomes.stateful).toBeGreaterThan(100);
  }, 120_000); // about 1 s of CPU (40 policy sets, 1,100 events)
});
