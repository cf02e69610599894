/**
 * The test runner as a library: snapshots, JUnit, coverage, session reading and replay, on the
 * recorded-session examples and on small in-memory projects.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { loadShellParser } from "../../compiler/shell/shell-parser.js";
import { Enforcer } from "../../runtime/enforcer.js";
import { mkdtempSync, readFileSync, writeFileSync, cpSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { loadProject } from "../../compiler/project.js";
import { buildBundle } from "../../compiler/emit/index.js";
import { runTests } from "../../testing/index.js";
import { junitXml } from "../../testing/junit.js";
import { computeCoverage } from "../../testing/coverage.js";
import { diffSnapshots, snapshotText } from "../../testing/snapshots.js";
import { readSessionFile, parseEventLine } from "../../testing/session/read.js";
import { replayFiles, replayThroughput, ReplaySummary, type ReplayRecord } from "../../testing/session/replay.js";
import { writeSyntheticSession } from "./synthetic-session.js";

// `run "…"` steps and command strings are shell lines: the hosts load the parser first, as the CLI does.
beforeAll(() => loadShellParser());

const ROOT = resolve(import.meta.dirname, "../..");
const EXAMPLES = join(ROOT, "examples/sessions-recorded");

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "policy-runner-"));
}

function project(dir: string) {
  const loaded = loadProject([dir], { cwd: dir });
  expect(loaded.project.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return { project: loaded.project, bundle: buildBundle(loaded.project) };
}

/** The examples project (one default for all examples), with only this folder's tests. */
function examplesProject(root = join(ROOT, "examples")) {
  const { project: p, bundle } = project(root);
  return { project: { ...p, tests: p.tests.filter((t) => t.file.includes("sessions-recorded/")) }, bundle };
}

describe("recorded-session examples", () => {
  it("pass, and match their snapshots", () => {
    const { project: p, bundle } = examplesProject();
    const r = runTests(p, bundle, { cwd: join(ROOT, "examples") });
    expect(r.results.filter((x) => !x.passed).map((x) => x.failures)).toEqual([]);
    expect(r.passed).toBeGreaterThanOrEqual(5);
    expect(r.snapshots?.checked.length).toBe(4);
    expect(r.snapshots?.missing).toEqual([]);
  });

  it("fail with a readable snapshot diff when a policy's effect changes", () => {
    const dir = tmp();
    cpSync(join(ROOT, "examples"), dir, { recursive: true });
    const f = join(dir, "sessions-recorded/recorded.policy");
    writeFileSync(f, readFileSync(f, "utf8").replace('action require_approval "credentials and permissions change" from [technician, manager]', "action block"));
    const { project: p, bundle } = examplesProject(dir);
    const r = runTests(p, bundle, { cwd: dir });
    const msp = r.results.find((x) => x.name.startsWith("MSP"))!;
    const snap = msp.failures.find((x) => x.message.startsWith("snapshot"))!;
    expect(snap.message).toMatch(/msp-agent\.jsonl\.snap: 2 decisions changed/);
    expect(snap.detail).toContain("- msp-ct-0098 14 aws_iam.create_access_key require_approval msp-iam-two-approvers from:technician,manager");
    expect(snap.detail).toContain("+ msp-ct-0098 14 aws_iam.create_access_key block msp-iam-two-approvers");
    // --update-snapshots rewrites it, after which the snapshot part passes.
    const u = runTests(p, bundle, { cwd: dir, snapshots: "update" });
    expect(u.snapshots?.written).toEqual(["sessions-recorded/msp-agent.jsonl.snap"]);
    const again = runTests(p, bundle, { cwd: dir });
    expect(again.results.flatMap((x) => x.failures).filter((x) => x.message.startsWith("snapshot"))).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("cover every policy", () => {
    const { project: p, bundle } = project(EXAMPLES);
    const c = computeCoverage(p, bundle, runTests(p, bundle, { cwd: EXAMPLES, snapshots: "off" }));
    expect(c.neverExercised).toEqual([]);
    expect(c.neverMatched).toEqual([]);
    expect(c.summary.policies).toBe(12);
    const push = c.policies.find((x) => x.id === "codex-push-main-approval")!;
    expect(push.conditions.map((k) => [k.held > 0, k.failed > 0])).toEqual([[true, true], [true, true]]);
  });
});

describe("JUnit reporter", () => {
  it("is XML with the right counts and file:line failure messages", () => {
    const dir = tmp();
    writeFileSync(join(dir, "a.policy"), `policy "No deletes" {\n  id no-deletes\n  if operation is Delete\n  action block\n}\ntest "ok" {\n  call linear.delete_issue { id: "L-1" }\n  expect block by no-deletes\n}\ntest "wrong <&> \\"quoted\\"" {\n  call linear.delete_issue { id: "L-1" }\n  expect allow\n}\n`);
    writeFileSync(join(dir, "b.policy"), `test "replays a missing file" {\n  replay "gone.jsonl"\n}\n`);
    const { project: p, bundle } = project(dir);
    const r = runTests(p, bundle, { cwd: dir });
    const xml = junitXml(r);
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(xml);
    expect(doc.testsuites.tests).toBe("3");
    expect(doc.testsuites.failures).toBe("1");
    expect(doc.testsuites.errors).toBe("1");
    const suites = [doc.testsuites.testsuite].flat();
    expect(suites.map((s: { name: string }) => s.name)).toEqual(["a.policy", "b.policy"]);
    const cases = [suites[0].testcase].flat();
    expect(cases[1].name).toBe('wrong <&> "quoted"');
    expect(cases[1].failure.message).toMatch(/^a\.policy:12:3: line 11: expected allow, got block by "no-deletes"/);
    expect([suites[1].testcase].flat()[0].error.message).toMatch(/^b\.policy:2:10: cannot read session file "gone.jsonl"/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("snapshots", () => {
  const ev = (seq: number, tool: string) => ({ line: seq, event: { type: "tool_call_request", session_id: "s", seq }, decision: { effect: "allow" as const, policy: null, reason: "", matched: [], alerts: [], sanitize: [], approvers: [], hidden: false, revision: "r", tool } });
  it("are one line per decision and diff by session and seq", () => {
    const a = snapshotText([ev(1, "github.list_issues"), ev(2, "github.get_issue"), ev(3, "git.push")]);
    expect(a.split("\n").filter((l) => l && !l.startsWith("#"))).toEqual(["s 1 github.list_issues allow default", "s 2 github.get_issue allow default", "s 3 git.push allow default"]);
    const b = a.replace("s 2 github.get_issue allow default", "s 2 github.get_issue block p1").replace("s 3 git.push allow default\n", "") + "s 4 git.status allow default\n";
    expect(diffSnapshots(a, a)).toEqual({ changed: 0, lines: [] });
    expect(diffSnapshots(a, b)).toEqual({ changed: 3, lines: ["- s 2 github.get_issue allow default", "+ s 2 github.get_issue block p1", "+ s 4 git.status allow default", "- s 3 git.push allow default"] });
  });
});

describe("session files", () => {
  it("read CRLF, a missing final newline and lines across chunk boundaries", () => {
    const dir = tmp();
    const f = join(dir, "s.jsonl");
    const long = "x".repeat(70_000);
    writeFileSync(f, `{"type":"message_from_user","text":"${long}"}\r\n\r\n{"type":"message_to_user","text":"é"}`);
    const r = readSessionFile(f);
    expect(r.bad).toEqual([]);
    expect(r.events.map((e) => e.line)).toEqual([1, 3]);
    expect(r.events.map((e) => (e.event as { text: string }).text)).toEqual([long, "é"]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("report what is wrong with a bad line", () => {
    expect(parseEventLine("{oops")).toEqual({ error: 'not valid JSON: "{oops"', json: false });
    expect(parseEventLine('{"type":"tool_call_request","call":{"type":"mcp","tool":"x"}}')).toEqual({ error: expect.stringContaining("integration") });
    expect(parseEventLine('{"type":"party"}')).toEqual({ error: expect.stringContaining("type") });
  });
});

describe("replay", () => {
  it("resolves unknown tools to operation Unknown and the default, and CLI calls through command patterns", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "p.policy"), "default by operation { Read: allow  Write: require_approval  Delete: require_approval  Unknown: block }\n");
    writeFileSync(join(dir, "s.jsonl"), [
      '{"type":"tool_call_request","session_id":"s","seq":1,"call":{"id":"1","type":"mcp","integration":"acme_wiki","tool":"summon","args":{}}}',
      '{"type":"tool_call_request","session_id":"s","seq":2,"call":{"id":"2","type":"cli","command":["git","push","origin","main"]}}',
      '{"type":"tool_call_request","session_id":"s","seq":3,"call":{"id":"3","type":"cli","command":["git","log"]}}',
    ].join("\n"));
    const { bundle } = project(dir);
    const got: ReplayRecord[] = [];
    await replayFiles([join(dir, "s.jsonl")], bundle, (r) => { if (r.kind === "decision") got.push(r); });
    expect(got.map((r) => [r.decision.tool, r.decision.operation, r.decision.effect])).toEqual([
      ["acme_wiki.summon", "Unknown", "block"], ["git.push", "Write", "require_approval"], ["git.log", "Read", "allow"],
    ]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("summarises changes per tool and per deciding policy", () => {
    const d = (effect: "allow" | "block", id?: string) => ({ effect, policy: id ? { id, name: id, file: "f", line: 1 } : null, reason: "", matched: [], alerts: [], sanitize: [], approvers: [], hidden: false, revision: "r", tool: "github.merge_pull_request" });
    const s = new ReplaySummary();
    for (let i = 0; i < 3; i++) s.add({ kind: "decision", file: "f", line: i, event: { type: "tool_call_request" }, decision: d("block", "p"), before: d("allow"), changed: true });
    s.add({ kind: "decision", file: "f", line: 9, event: { type: "tool_call_request" }, decision: d("allow"), before: d("allow"), changed: false });
    expect(s.lines(true)).toEqual([
      "4 decisions: allow 1, block 3", "changes by tool:", "  github.merge_pull_request: allow → block ×3",
      "changes by deciding policy:", "  default (allow) → p (block) ×3", "3 decisions would change",
    ]);
  });

  it("streams a large file with memory bounded by its sessions", async () => {
    const dir = tmp();
    const f = join(dir, "big.jsonl");
    writeSyntheticSession(f, 100_000, 1000);
    const { bundle } = project(EXAMPLES);
    const t = await replayThroughput(f, bundle);
    expect(t.events).toBe(100_000);
    expect(t.bad).toBe(0);
    expect(t.peakRssMiB - t.startRssMiB).toBeLessThan(300);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("inline `respond`", () => {
  const SRC = `policy "Budget of 1 USD" {
  id budget
  if spend today > 1 USD
  action block "over budget"
}
policy "Read after a response" {
  id after-read
  if tool is linear.delete_issue
  if session has called github.search_code
  action require_approval
}
test "responses feed spend, per agent" {
  call github.search_code { query: "a" }
  respond cost 0.60 USD result { total_count: 1 }
  call github.search_code { query: "b" }
  expect allow
  respond cost 0.60 USD
  call github.search_code { query: "c" }
  expect block by budget
  respond cost 3 EUR
  given agent "other-agent"
  call github.search_code { query: "d" }
  expect allow
}
test "a response to a blocked call still costs" {
  call github.search_code { query: "a" }
  respond cost 1.50 USD
  call github.search_code { query: "b" }
  expect block by budget
  respond cost 0.10 USD
  call github.search_code { query: "c" }
  expect block by budget
}
test "the day is the UTC day of the response" {
  given time "2026-03-02T23:59:58Z"
  call github.search_code { query: "a" }
  respond cost 2 USD
  call github.search_code { query: "b" }
  expect allow
}
test "a response keeps the session history" {
  run "git status"
  respond result { clean: true }
  call github.search_code { query: "a" }
  respond
  call linear.delete_issue { id: "L-1" }
  expect require_approval by after-read
}
test "respond before any call" {
  respond cost 1 USD
}
`;
  it("sends a tool_call_response for the last call through the test's enforcer", () => {
    const dir = tmp();
    writeFileSync(join(dir, "r.policy"), SRC);
    const { project: p, bundle } = project(dir);
    const r = runTests(p, bundle, { cwd: dir });
    const byName = new Map(r.results.map((x) => [x.name, x]));
    for (const n of ["responses feed spend, per agent", "a response to a blocked call still costs", "the day is the UTC day of the response", "a response keeps the session history"]) {
      expect(byName.get(n)?.failures, n).toEqual([]);
    }
    const none = byName.get("respond before any call")!;
    expect(none.failures.map((f) => [f.message, f.span.line])).toEqual([["nothing to respond to: `respond` follows a `call` or `run`", 50]]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers the last call: its call id, session, agent and tenant, one second later", () => {
    const dir = tmp();
    writeFileSync(join(dir, "r.policy"), SRC.split("test ")[0] + `test "one" {\n  given agent "a1" tenant "acme" time "2026-03-02T10:00:00Z"\n  run "git status"\n  expect allow\n  respond cost 0.25 usd result { clean: true, n: [1] }\n}\n`);
    const { project: p, bundle } = project(dir);
    const seen: unknown[] = [];
    const spy = vi.spyOn(Enforcer.prototype, "observe").mockImplementation(function (e: unknown) { seen.push(e); return { ok: true }; });
    try {
      const r = runTests(p, bundle, { cwd: dir });
      expect(r.failed).toBe(0);
      const call = r.results[0]!.decisions[0]!.event;
      expect(seen).toEqual([{
        type: "tool_call_response", session_id: call.session_id, seq: 2, ts: "2026-03-02T10:00:01.000Z", tenant: "acme",
        agent: { id: "a1", name: "a1" }, call_id: call.call!.id, result: { clean: true, n: [1] }, cost: { amount: 0.25, currency: "usd" },
      }]);
    } finally {
      spy.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fails the step when the enforcer rejects the response", () => {
    const dir = tmp();
    writeFileSync(join(dir, "r.policy"), SRC.split("test ")[0] + `test "one" {\n  call github.search_code {}\n  respond cost 1 USD\n}\n`);
    const { project: p, bundle } = project(dir);
    const spy = vi.spyOn(Enforcer.prototype, "observe").mockReturnValue({ ok: false, note: "invalid event: cost: nope" });
    try {
      const r = runTests(p, bundle, { cwd: dir });
      expect(r.results[0]!.failures.map((f) => [f.message, f.span.line])).toEqual([["the response was rejected: invalid event: cost: nope", 14]]);
    } finally {
      spy.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("failing-test traces use the session state of the decision", () => {
  it("a session condition that held shows as held, inline and in a replay", () => {
    const dir = tmp();
    writeFileSync(join(dir, "p.policy"), `policy "Warn above 1 USD" {
  id warn
  if spend today > 1 USD
  action alert "over 1 USD"
}
policy "Read then delete" {
  id read-then-delete
  if tool is linear.delete_issue
  if session has called github.search_code
  action block
}
test "inline" {
  call github.search_code { query: "a" }
  respond cost 2 USD
  call linear.delete_issue { id: "L-1" }
  expect allow
}
test "replayed" {
  replay "s.jsonl"
  expect event 3 allow
}
`);
    const who = '"session_id":"s","tenant":"t","agent":{"id":"a","name":"A"}';
    writeFileSync(join(dir, "s.jsonl"), [
      `{"type":"tool_call_request",${who},"seq":1,"ts":"2026-03-02T10:00:00Z","call":{"id":"c1","type":"mcp","integration":"github","tool":"search_code","args":{"query":"a"}}}`,
      `{"type":"tool_call_response",${who},"seq":2,"ts":"2026-03-02T10:00:01Z","call_id":"c1","cost":{"amount":2,"currency":"USD"}}`,
      `{"type":"tool_call_request",${who},"seq":3,"ts":"2026-03-02T10:00:02Z","call":{"id":"c3","type":"mcp","integration":"linear","tool":"delete_issue","args":{"id":"L-1"}}}`,
    ].join("\n") + "\n");
    const { project: p, bundle } = project(dir);
    const r = runTests(p, bundle, { cwd: dir, snapshots: "off" });
    for (const name of ["inline", "replayed"]) {
      const t = r.results.find((x) => x.name === name)!;
      expect(t.failures.length, name).toBe(1);
      const detail = t.failures[0]!.detail!;
      expect(detail, name).toContain("got:      block by \"read-then-delete\"");
      expect(detail, name).toContain("✓ read-then-delete [block, priority 100] matched");
      expect(detail, name).toContain("✓ warn [obligations, priority 100] matched");
      expect(detail, name).not.toContain("needs session history");
      expect(t.decisions.at(-1)!.state).toMatchObject({ called: ["github.search_code"], spend: { USD: 2_000_000 } });
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
