/**
 * `policy inventory`: the documented tables on the example recordings, the JSON form validated by
 * its published schema, recordings and decision logs merged (a call counts once, the logged
 * decision wins, a changed definition makes a tool Unreviewed and raises its risk), bad lines
 * named, and the HTML report loaded in headless Chromium: the tables read back, sorted by a click,
 * the chart drawn, nothing fetched.
 */
import { describe, expect, test } from "vitest";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { runCli } from "../support/cli.js";
import { schemaValidator } from "../../compiler/json/validate.js";
import { riskOf } from "../../inventory/index.js";

const dir = mkdtempSync(path.join(tmpdir(), "inventory-"));
const examples = path.resolve("examples");
const RECORDINGS = ["sessions-recorded/triage-github.jsonl", "sessions-recorded/triage-release-day.jsonl"];

const agent = { id: "a1", name: "Cursor" };
const req = (seq: number, ts: string, tool: string, extra: Record<string, unknown> = {}) => ({ type: "tool_call_request", session_id: "s1", seq, ts, agent, call: { id: `c${seq}`, type: "mcp", integration: "github", tool, args: {}, ...extra } });
const logLine = (seq: number, ts: string, tool: string, effect: string, policy: string | null) => ({ type: "decision", ts, session_id: "s1", seq, call_id: `c${seq}`, tenant: null, agent, event: "tool_call_request", integration: "github", tool, effect, policy, reason: "r", revision: "0123456789abcdef", outcome: "x", decision: {} });
const jsonl = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).join("\n") + "\n";

describe("policy inventory", () => {
  test("the example recordings give the tables docs/inventory.md shows", async () => {
    const r = await runCli(["inventory", ...RECORDINGS, "--recent", "2h"], { cwd: examples });
    expect(r.code).toBe(0);
    const doc = readFileSync("docs/inventory.md", "utf8");
    const block = /## Example[\s\S]*?```\n([\s\S]*?)```/.exec(doc)![1]!;
    expect(r.stdout).toBe(block);
  });

  test("--format json is valid against the published schema and says what matters", async () => {
    const r = await runCli(["inventory", ...RECORDINGS, "--format", "json", "--recent", "2h"], { cwd: examples });
    const inv = JSON.parse(r.stdout);
    expect(schemaValidator("inventory.schema.json")(inv), JSON.stringify(schemaValidator("inventory.schema.json").errors)).toBe(true);
    const merge = inv.tools.find((t: { key: string }) => t.key === "github.merge_pull_request");
    expect(merge).toMatchObject({ calls: 2, effects: { allow: 0, require_approval: 1, block: 1 }, agents: ["triage-bot"], risk: "high", first_seen: "2026-11-21T09:00:50Z", last_seen: "2026-11-21T15:30:06Z" });
    expect(inv.undecided).toContain("github.list_issues");
    expect(inv.unexpected).toEqual([{ ts: "2026-11-21T15:30:10Z", agent: "triage-bot", tool: "github.get_pull_request_status", why: "first call of this tool by this agent" }]);
  });

  test("a recording and a decision log of the same calls: counted once, the logged decision wins; a changed definition is Unreviewed", async () => {
    writeFileSync(path.join(dir, "policy.reviews.json"), JSON.stringify({ format: "policy-reviews/1", tools: { "github.list_issues": { status: "Approved", by: "a", at: "2026-12-01T00:00:00Z" }, "github.get_issue": { status: "Approved", by: "a", at: "2026-12-01T00:00:00Z" } }, agents: {}, history: [] }));
    writeFileSync(path.join(dir, "rec.jsonl"), jsonl([req(1, "2026-12-01T10:00:00Z", "list_issues"), req(2, "2026-12-01T11:00:00Z", "get_issue", { definition_changed: ["description"] }), req(3, "2026-12-01T12:00:00Z", "evil_tool")]));
    writeFileSync(path.join(dir, "log.jsonl"), jsonl([logLine(1, "2026-12-01T10:00:00Z", "list_issues", "block", "p1"), { type: "tool_definitions", ts: "2026-12-01T10:30:00Z", integration: "github", when: "changed its tools", added: [], changed: [], removed: [] }, logLine(4, "2026-12-01T13:00:00Z", "create_issue", "allow", null)]));
    const r = await runCli(["inventory", "log.jsonl", "rec.jsonl", "--format", "json"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const inv = JSON.parse(r.stdout);
    const by = (k: string) => inv.tools.find((t: { key: string }) => t.key === k);
    expect(by("github.list_issues")).toMatchObject({ calls: 1, effects: { block: 1, allow: 0 }, policies: ["p1"], review_status: "Approved" });
    expect(by("github.get_issue")).toMatchObject({ review_status: "Unreviewed", changed: ["description"], risk: "high" });
    expect(by("github.evil_tool")).toMatchObject({ in_catalog: false, operation: "Unknown", risk: "high" });
    expect(by("github.create_issue")).toMatchObject({ calls: 1, effects: { allow: 1 } });
    expect(inv.new_or_unreviewed).toEqual([{ tool: "github.create_issue", why: "Unreviewed" }, { tool: "github.evil_tool", why: "not in the catalog" }, { tool: "github.get_issue", why: "definition changed: description" }]);
    expect(inv.sources.map((s: { kind: string }) => s.kind)).toEqual(["recording", "decision-log"]);
  });

  test("a bad line is an error naming its file and line", async () => {
    writeFileSync(path.join(dir, "bad.jsonl"), jsonl([req(1, "2026-12-01T10:00:00Z", "list_issues")]) + '{"type":"decision","ts":"x"}\n');
    expect((await runCli(["inventory", "bad.jsonl"], { cwd: dir }))).toMatchObject({ code: 2, stderr: expect.stringMatching(/bad\.jsonl:2: neither a session event nor a decision-log line: .*missing required property/) });
    expect((await runCli(["inventory", "missing.jsonl"], { cwd: dir }))).toMatchObject({ code: 2, stderr: expect.stringMatching(/cannot read "missing.jsonl": ENOENT/) });
  });

  test("risk follows its stated rule", async () => {
    const base = { operation: "Read" as const, labels: [] as string[], in_catalog: true, review_status: "Approved", changed: [] as string[], effects: { block: 0, require_approval: 0 } };
    expect(riskOf(base).risk).toBe("low");
    expect(riskOf({ ...base, operation: "Write" }).risk).toBe("medium");
    expect(riskOf({ ...base, changed: ["description"] }).risk).toBe("high");
    expect(riskOf({ ...base, operation: "Delete", labels: ["private_data"], effects: { block: 2, require_approval: 0 } })).toEqual({ risk: "critical", reasons: ["deletes", "reads private data", "2 calls blocked"] });
  });

  test("the HTML report in headless Chromium: tables read back, sortable, a chart, no request", async () => {
    const file = path.join(dir, "report.html");
    const r = await runCli(["inventory", ...RECORDINGS.map((f) => path.join(examples, f)), "--project", examples, "--html", file, "--recent", "2h"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    if (!existsSync("/usr/bin/chromium")) {
      if (process.env["CI"] === "true") throw new Error("chromium is not installed (/usr/bin/chromium)");
      return;
    }
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on("request", (q) => { if (!q.url().startsWith("file:")) requests.push(q.url()); });
      await page.goto(`file://${file}`);
      const rows = () => page.$$eval("#tools tbody tr", (trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td")).map((td) => td.textContent ?? "")));
      const before = await rows();
      expect(before.map((c) => c[0])).toEqual(expect.arrayContaining(["github.merge_pull_request", "github.list_issues"]));
      expect(before.find((c) => c[0] === "github.merge_pull_request")!.slice(1, 8)).toEqual(["Write", "Unreviewed", "high", "2", "0", "1", "1"]);
      await page.click("#tools th:nth-child(5)");
      await page.click("#tools th:nth-child(5)");
      const calls = (await rows()).map((c) => Number(c[4]));
      expect(calls).toEqual([...calls].sort((a, b) => b - a));
      expect(calls[0]).toBe(3);
      expect(await page.getAttribute("#tools th:nth-child(5)", "aria-sort")).toBe("descending");
      const bars = await page.$$eval("#chart rect", (rs) => rs.map((x) => Number(x.getAttribute("data-calls"))));
      expect(bars.reduce((a, b) => a + b, 0)).toBe(18);
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
