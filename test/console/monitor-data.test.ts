/**
 * What the monitor reads and how it filters: decision-log lines read incrementally (a line being
 * written is not read half, a file that shrank is read again, a line that is not a JSON object or
 * does not follow its schema is reported), and each filter (policy id also among the matched policies, agent, integration, tool,
 * effect, session, time range) holding exactly for the lines it names.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { DecisionLogs } from "../../console/data/decision-log.js";
import { decisions, filterOf } from "../../console/data/monitor-filter.js";
import { groupAlerts } from "../../console/pages/alerts.js";

const work = mkdtempSync(path.join(tmpdir(), "console-monitor-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const decision = (seq: number, o: { effect: string; policy: string | null; tool: string; agent?: string; session?: string; matched?: string[] }) => JSON.stringify({
  type: "decision", ts: `2026-12-03T10:00:0${seq}.000Z`, session_id: o.session ?? "s1", seq, call_id: `c${seq}`, agent: { name: o.agent ?? "Cursor" }, event: "tool_call_request",
  integration: "filesystem", tool: o.tool, effect: o.effect, policy: o.policy, reason: "r", revision: "rev", outcome: o.effect === "block" ? "blocked" : "forwarded",
  decision: { effect: o.effect, matched: (o.matched ?? (o.policy ? [o.policy] : [])).map((id) => ({ id, name: id })) },
}) + "\n";

describe("the monitor's data", () => {
  test("lines are read as they are appended, whole lines only; bad lines are reported", () => {
    const f = path.join(work, "a.jsonl");
    writeFileSync(f, decision(1, { effect: "allow", policy: "reads", tool: "read_text_file" }));
    const logs = new DecisionLogs([f]);
    expect(logs.refresh()).toHaveLength(1);
    const next = decision(2, { effect: "block", policy: "no-writes", tool: "write_file" });
    appendFileSync(f, next.slice(0, 20));
    expect(logs.refresh()).toHaveLength(1);
    appendFileSync(f, next.slice(20) + "not json\n[1]\n" + JSON.stringify({ type: "decision", ts: "t", session_id: "s1", effect: "maybe", reason: "r", revision: "x" }) + "\n");
    const lines = logs.refresh();
    expect(lines.map((l) => [l.line, l.rec.seq])).toEqual([[1, 1], [2, 2]]);
    expect(logs.problems()).toEqual([`${f}: 2 lines that are not JSON objects`, `${f}: 1 line that does not follow schemas/decision-log.schema.json (not shown)`]);
    writeFileSync(f, decision(3, { effect: "allow", policy: null, tool: "list_directory" }));
    expect(logs.refresh().map((l) => l.rec.seq)).toEqual([3]);
  });

  test("every filter holds exactly for the lines it names", () => {
    const f = path.join(work, "b.jsonl");
    writeFileSync(f, [
      decision(1, { effect: "block", policy: "no-writes", tool: "write_file", matched: ["no-writes", "audit-writes"] }),
      decision(2, { effect: "allow", policy: "reads", tool: "read_text_file" }),
      decision(3, { effect: "block", policy: "no-writes", tool: "write_file", agent: "Claude Code", session: "s2" }),
      decision(4, { effect: "require_approval", policy: "mkdir", tool: "create_directory" }),
      JSON.stringify({ type: "alert", policy: "no-writes", agent: "Cursor", effect: "block", what: "w", session_id: "s1", ts: "2026-12-03T10:00:01.000Z" }) + "\n",
    ].join(""));
    const lines = new DecisionLogs([f]).refresh();
    const seqs = (q: string) => decisions(lines, filterOf(new URLSearchParams(q))).map((l) => l.rec.seq);
    expect(seqs("")).toEqual([4, 3, 2, 1]);
    expect(seqs("policy=no-writes")).toEqual([3, 1]);
    expect(seqs("policy=audit-writes")).toEqual([1]);
    expect(seqs("policy=no-writes&effect=block&session=s1")).toEqual([1]);
    expect(seqs("agent=claude+code")).toEqual([3]);
    expect(seqs("tool=filesystem.create_directory")).toEqual([4]);
    expect(seqs("tool=write_file&integration=filesystem")).toEqual([3, 1]);
    expect(seqs("effect=require_approval")).toEqual([4]);
    expect(seqs("from=2026-12-03T10:00:02&to=2026-12-03T10:00:03")).toEqual([3, 2]);
    expect(seqs("integration=github")).toEqual([]);
    const groups = groupAlerts(lines, new Map(), false);
    expect(groups.map((g) => [g.policy, g.agent, g.severity, g.alerts.length])).toEqual([["no-writes", "Cursor", "high", 1]]);
  });
});
