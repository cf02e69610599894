/**
 * An agent without a review status is `Unreviewed` everywhere a decision is made: the runtime
 * (`decide`, `decideAsync`, `visibleTools`), the reference evaluator, `policy explain`,
 * `policy test` and replay. The nameless agent `""` is a valid agent, `agent_discovered` included.
 */
import { describe, expect, test } from "vitest";
import { checkProject } from "../../compiler/check/index.js";
import { buildBundle } from "../../compiler/emit/index.js";
import { referenceDecide } from "../../compiler/reference/index.js";
import { explain } from "../../compiler/explain.js";
import { replayEvents, runTests } from "../../testing/index.js";
import { createEnforcer, MemoryStore } from "../../runtime/index.js";
import type { SessionEvent } from "../../runtime/types.js";
import { smallCatalog } from "../support/small-catalog.js";
import { prepare } from "../fuzz/compare.js";

const SOURCE = `
policy "Unreviewed agents may not delete" {
  id no-unreviewed-deletes
  if tool is alpha.delete_item
  if agent.review_status is Unreviewed
  action block "Unreviewed agents may not delete"
}
policy "Unreviewed agents do not see purges" {
  id hide-purge
  if tool is beta.purge_things
  if agent.review_status is Unreviewed
  action hide
}
policy "Unreviewed agents are not admitted" {
  id no-unreviewed
  when agent_discovered
  if agent.review_status is Unreviewed
  action block "Unreviewed agents are not admitted"
}
test "an agent given without a review status is Unreviewed" {
  given agent "Nobody"
  call alpha.delete_item {}
  expect block by no-unreviewed-deletes
  call alpha.get_item {}
  expect allow
}
`;

const catalog = smallCatalog();
const call = (agent: SessionEvent["agent"]): SessionEvent => ({ type: "tool_call_request", session_id: "s", ts: "2026-12-01T10:00:00Z", agent, call: { id: "c1", type: "mcp", integration: "alpha", tool: "delete_item", args: {} } });

describe("an agent without a review status is Unreviewed", () => {
  const p = prepare(SOURCE, false, catalog);
  if (typeof p === "string") throw new Error(p);

  test("runtime decide / decideAsync and the reference evaluator agree", async () => {
    for (const agent of [{ name: "Nobody" }, { name: "" }, undefined]) {
      const e = call(agent);
      const d = createEnforcer(p.bundle).decide(e);
      expect(d).toMatchObject({ effect: "block", policy: { id: "no-unreviewed-deletes" } });
      expect((await createEnforcer(p.bundle, { store: new MemoryStore() }).decideAsync(e)).effect).toBe("block");
      expect(referenceDecide(p.model, e)).toMatchObject({ effect: "block", policy: "no-unreviewed-deletes" });
    }
    expect(createEnforcer(p.bundle).decide(call({ name: "Nobody", review_status: "Approved" })).effect).toBe("allow");
  });

  test("agent_discovered of the nameless agent is decided, and blocked", () => {
    const e: SessionEvent = { type: "agent_discovered", session_id: "s", agent: { name: "" } };
    expect(createEnforcer(p.bundle).decide(e)).toMatchObject({ effect: "block", reason: "Unreviewed agents are not admitted" });
    expect(referenceDecide(p.model, e).effect).toBe("block");
  });

  test("explain shows the review-status policy as matched", () => {
    const x = explain(p.bundle, call({ name: "Nobody" }));
    expect(x.policies.find((t) => t.id === "no-unreviewed-deletes")?.outcome).toBe("matched");
  });

  test("visibleTools hides for an agent without a status", () => {
    const e = createEnforcer(p.bundle);
    expect(e.visibleTools({ name: "Nobody" }, ["beta.purge_things", "beta.list_things"])).toEqual(["beta.list_things"]);
    expect(e.visibleTools({ name: "", review_status: "Approved" }, ["beta.purge_things"])).toEqual(["beta.purge_things"]);
  });

  test("policy test and replay decide the same", () => {
    const project = checkProject([{ file: "u.policy", text: SOURCE }], catalog);
    const r = runTests(project, buildBundle(project));
    expect(r.failed).toBe(0);
    expect(r.passed).toBe(1);
    const replayed = replayEvents(p.bundle, [{ line: 1, event: call({ name: "Nobody" }) }]);
    expect(replayed[0]!.decision.effect).toBe("block");
  });
});
