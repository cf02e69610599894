/**
 * `policy test --coverage --sessions <recordings…>`: the coverage of inline tests merged with that
 * of recorded traffic, and what the traffic alone exercised, per policy and per `if` line (text
 * and JSON); a bad recording is a usage error naming its line.
 */
import { describe, expect, test } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCli } from "../support/cli.js";

const dir = mkdtempSync(path.join(tmpdir(), "traffic-coverage-"));
writeFileSync(path.join(dir, "p.policy"), `policy "GitHub is read-only" {
  id github-readonly
  if integration is GitHub
  if operation in [Write, Delete]
  action block "read-only"
}
policy "No Linear deletes" {
  id linear-no-delete
  if tool is linear.delete_issue
  action block "no"
}
test "Linear deletes are blocked" {
  call linear.delete_issue { id: "LIN-1" }
  expect block by linear-no-delete
}
`);
const ev = (seq: number, tool: string) => JSON.stringify({ type: "tool_call_request", session_id: "s", seq, ts: `2026-12-01T10:00:0${seq}Z`, agent: { name: "bot" }, call: { id: `c${seq}`, type: "mcp", integration: "github", tool, args: { owner: "a", repo: "b" } } });
writeFileSync(path.join(dir, "traffic.jsonl"), [ev(1, "list_issues"), ev(2, "create_issue")].join("\n") + "\n");

describe("policy test --coverage --sessions", () => {
  test("text: the merged table, then what the recorded traffic alone exercised", async () => {
    const r = await runCli(["test", "p.policy", "--coverage", "--sessions", "traffic.jsonl"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("coverage over 3 decisions: 2/2 policies exercised, 2/2 matched");
    expect(r.stdout).toMatch(/recorded traffic: 2 decisions from 1 file\n {2}policy +matched +failed +if lines never reached by traffic\n {2}github-readonly +1 +1 +-\n {2}linear-no-delete +0 +2 +-\nnever exercised by traffic: none\nnever matched by traffic: linear-no-delete\n/);
    expect(r.stdout.trim().split("\n").at(-1)).toBe("1 passed, 0 failed");
  });

  test("JSON: coverage.traffic per policy and per if line", async () => {
    const r = await runCli(["test", "p.policy", "--coverage", "--sessions", "traffic.jsonl", "--reporter", "json"], { cwd: dir });
    const c = JSON.parse(r.stdout).coverage;
    expect(c.summary).toMatchObject({ policies: 2, exercised: 2, matched: 2 });
    expect(c.traffic).toEqual({
      files: ["traffic.jsonl"], events: 2, neverExercised: [], neverMatched: ["linear-no-delete"],
      policies: [
        { id: "github-readonly", matched: 1, failed: 1, conditions: [{ line: 3, held: 2, failed: 0 }, { line: 4, held: 1, failed: 1 }] },
        { id: "linear-no-delete", matched: 0, failed: 2, conditions: [{ line: 9, held: 0, failed: 2 }] },
      ],
    });
    const without = JSON.parse((await runCli(["test", "p.policy", "--coverage", "--reporter", "json"], { cwd: dir })).stdout).coverage;
    expect(without.neverMatched).toEqual(["github-readonly"]);
    expect(without.traffic).toBeUndefined();
  });

  test("a bad recording line is a usage error naming it", async () => {
    writeFileSync(path.join(dir, "bad.jsonl"), ev(1, "list_issues") + "\n{\"type\":\"tool_call_request\"}\n");
    expect((await runCli(["test", "p.policy", "--coverage", "--sessions", "bad.jsonl"], { cwd: dir }))).toMatchObject({ code: 2, stderr: expect.stringMatching(/bad\.jsonl:2: /) });
  });
});
