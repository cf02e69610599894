/**
 * The runtime's `trace` hook (the state snapshot a decision used) and `explain` with and without
 * that state: the trace of a session condition agrees with the decision.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadShellParser } from "../../../compiler/shell/shell-parser.js";
import { createEnforcer, type DecisionTrace } from "../../../runtime/index.js";
import { EMPTY_STATE, explain, formatExplanation, NEEDS_HISTORY } from "../../../compiler/explain.js";
import { compile, request, response } from "./helpers.js";

// `run "…"` steps and command strings are shell lines: the hosts load the parser first, as the CLI does.
beforeAll(() => loadShellParser());

const BUNDLE = compile(`policy "Daily budget" {
  id budget
  if spend today > 1 USD
  action block "over budget"
}
policy "Read after search" {
  id after-search
  if tool is linear.delete_issue
  if session has called github.search_code
  action require_approval
}
policy "GitHub writes" {
  id gh-writes
  if integration is GitHub
  if operation is Delete
  action block
}
`);

describe("EnforcerOptions.trace", () => {
  it("reports the state snapshot, the clamped time and the revision of each decision", async () => {
    const traces: DecisionTrace[] = [];
    const e = createEnforcer(BUNDLE, { trace: (t) => traces.push(t) });
    const first = e.decide(request("2026-03-02T10:00:00Z", "github.search_code", {}, {}, "c1"));
    expect(e.observe(response("2026-03-02T10:00:01Z", "c1", { amount: 1.5, currency: "USD" }))).toEqual({ ok: true });
    // earlier than the last event: clamped
    const second = await e.decideAsync(request("2026-03-02T09:00:00Z", "linear.delete_issue", { id: "L-1" }, {}, "c2"));
    expect(second.effect).toBe("block");
    expect(traces.map((t) => t.decision)).toEqual([first, second]);
    expect(traces[0]!.state).toMatchObject({ labels: [], called: [], spend: {}, lastTs: null });
    expect(traces[1]!.state).toMatchObject({ called: ["github.search_code"], spend: { USD: 1_500_000 } });
    expect(traces[1]!.now).toBe(Date.parse("2026-03-02T10:00:01Z"));
    expect(traces[1]!.revision).toBe(BUNDLE.revision);
    expect(traces[1]!.event.call?.id).toBe("c2");
  });

  it("is not called for a rejected event, and a hook that throws changes nothing", () => {
    let calls = 0;
    const e = createEnforcer(BUNDLE, { trace: () => { calls++; throw new Error("boom"); } });
    expect(e.decide({ type: "tool_call_request" }).reason).toMatch(/^invalid event/);
    expect(calls).toBe(0);
    const d = e.decide(request("2026-03-02T10:00:00Z", "github.search_code"));
    expect(calls).toBe(1);
    expect(d.effect).toBe("allow");
    expect(d.reason).not.toMatch(/internal error/);
  });
});

describe("explain and session state", () => {
  const traced = () => {
    const traces: DecisionTrace[] = [];
    const e = createEnforcer(BUNDLE, { trace: (t) => traces.push(t) });
    e.decide(request("2026-03-02T10:00:00Z", "github.search_code", {}, {}, "c1"));
    void e.observe(response("2026-03-02T10:00:01Z", "c1", { amount: 2, currency: "USD" }));
    const ev = request("2026-03-02T10:00:02Z", "linear.delete_issue", { id: "L-1" }, {}, "c2");
    const d = e.decide(ev);
    return { ev, d, t: traces[1]! };
  };

  it("with the decision's state, the trace agrees with the decision", () => {
    const { ev, d, t } = traced();
    expect(d.effect).toBe("block");
    const x = explain(BUNDLE, ev, t.state, d);
    const by = new Map(x.policies.map((p) => [p.id, p]));
    expect(by.get("budget")).toMatchObject({ outcome: "matched" });
    expect(by.get("after-search")).toMatchObject({ outcome: "matched" });
    expect(x.policies.some((p) => p.needsHistory)).toBe(false);
    expect(formatExplanation(x)).not.toContain(NEEDS_HISTORY);
  });

  it("without a state (one event, no history), failed session conditions say they need the history", () => {
    const { ev } = traced();
    const x = explain(BUNDLE, ev);
    const by = new Map(x.policies.map((p) => [p.id, p]));
    expect(by.get("budget")).toMatchObject({ outcome: "condition failed", failed: "if spend today > 1 USD", needsHistory: true });
    expect(by.get("after-search")).toMatchObject({ outcome: "condition failed", failed: "if session has called github.search_code", needsHistory: true });
    // a plain condition stays a plain failure
    expect(by.get("gh-writes")).toMatchObject({ outcome: "condition failed", failed: "if integration is GitHub" });
    expect(by.get("gh-writes")!.needsHistory).toBeUndefined();
    const text = formatExplanation(x);
    expect(text).toContain(`? budget [block, priority 100] ${NEEDS_HISTORY}: if spend today > 1 USD`);
    expect(text).toContain("✗ gh-writes [block, priority 100] condition failed: if integration is GitHub");
    // an explicitly empty history is a history: plain failures
    expect(explain(BUNDLE, ev, EMPTY_STATE).policies.some((p) => p.needsHistory)).toBe(false);
  });
});
