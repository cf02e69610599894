/**
 * Terminal-safe output: a crafted name (newlines, ANSI escapes, a bidi override) is shown inertly
 * wherever a terminal shows it — `policy approvals list/show`, code frames of `policy check`,
 * `policy explain` and `policy replay` text, `policy catalog list/show` of an imported catalog — while
 * JSON output keeps it exactly.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { frameLine, keepLines, oneLine } from "../../compiler/terminal-safe.js";
import { FileApprovalStore } from "../../enforce/approvals/file-store.js";
import { ApprovalClerk } from "../../enforce/approvals/clerk.js";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { runCli } from "../support/cli.js";

const ESC = "\u001b";
/** What an attacker puts in `clientInfo.name`: it clears the line, draws a fake reason, hides the rest. */
export const CRAFTED = `Cursor${ESC}[2K\r  reason:    routine read-only lookup\n  parameters: {}\u202e${ESC}[8m`;
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/** No control or format character except the line feeds the output itself is made of. */
function assertInert(out: string): void {
  expect(out.replace(/\n/g, "")).not.toMatch(UNSAFE);
}

describe("oneLine / keepLines", () => {
  test("escapes C0, C1, DEL, bidi controls, line separators and tag characters; keeps text", () => {
    expect(oneLine(`a${ESC}[31mb\r\n\tc`)).toBe("a\\u{1b}[31mb\\r\\n\\tc");
    expect(oneLine("x\u009b2Jy\u007f")).toBe("x\\u{9b}2Jy\\u{7f}");
    expect(oneLine("evil\u202etxt.exe\u2066\u2069")).toBe("evil\\u{202e}txt.exe\\u{2066}\\u{2069}");
    expect(oneLine("a\u2028b\u2029c\u200bd\ufeff")).toBe("a\\u{2028}b\\u{2029}c\\u{200b}d\\u{feff}");
    expect(oneLine("hi\u{e0041}\u{e0042}")).toBe("hi\\u{e0041}\\u{e0042}");
    expect(oneLine("lone \ud800 surrogate")).toBe("lone \\u{d800} surrogate");
    for (const ok of ["Grüße, 東京 🚀 — «ok»", "C:\\path\\n (typed)", "مرحبا", ""]) expect(oneLine(ok)).toBe(ok);
  });

  test("keepLines keeps line feeds and tabs, escapes the rest", () => {
    expect(keepLines(`a\n\tb${ESC}[1m\r`)).toBe("a\n\tb\\u{1b}[1m\\r");
  });

  test("property: the result never holds a control, format or separator character", () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }), (s) => {
      expect(oneLine(s)).not.toMatch(UNSAFE);
      expect(keepLines(s).replace(/[\n\t]/g, "")).not.toMatch(UNSAFE);
    }), { numRuns: 500 });
  });

  test("property: text without such characters is left exactly as it is", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme" }), (s) => {
      fc.pre(!UNSAFE.test(s));
      expect(oneLine(s)).toBe(s);
    }), { numRuns: 1000 });
  });

  test("code frames: the caret stays under the same characters after escaping", () => {
    const line = `  action block "x${ESC}[31m" bad`;
    const from = line.indexOf("bad") + 1;
    const f = frameLine(line, from, from + 3);
    expect(f.text).toBe(`  action block "x\\u{1b}[31m" bad`);
    expect(f.text.slice(f.pad.length, f.pad.length + f.width)).toBe("bad");
    const tabbed = frameLine("\tif x", 2, 4);
    expect(tabbed.pad).toBe("\t");
    expect(tabbed.width).toBe(2);
  });
});

function work(name: string): string {
  return mkdtempSync(path.join(tmpdir(), `tty-${name}-`));
}

describe("policy approvals list/show", () => {
  test("a crafted clientInfo.name is shown inertly, cannot draw lines, and the session id is not shown", async () => {
    const dir = work("approvals");
    const store = new FileApprovalStore(dir);
    store.init();
    const now = Date.now();
    await new ApprovalClerk(store, randomBytes(32), () => undefined).create({
      id: "ap-1", held_id: "h-1", eligible: {}, proxy: { pid: process.pid, host: hostname() },
      created: new Date(now).toISOString(), expires: new Date(now + 600_000).toISOString(),
      session_id: "20261121T100003-secret42", call_id: "c2", tenant: null, agent: { name: CRAFTED },
      integration: "github", tool: "delete_repository", args: { repo: `acme/web${ESC}[8m`, note: "x\u202ey" },
      reason: "Deleting a repository needs approval", policy: { id: "p1", name: "p1" }, approvers: [], revision: "r1",
    });
    for (const cmd of [["approvals", "list"], ["approvals", "show", "ap-1"]]) {
      const r = await runCli([...cmd, "--state-dir", dir]);
      expect(r.code, r.stderr).toBe(0);
      assertInert(r.stdout);
      const lines = r.stdout.trimEnd().split("\n");
      // Exactly one reason line and one parameters line, the real ones.
      expect(lines.filter((l) => /^\s*reason:/.test(l))).toEqual(["  reason:    Deleting a repository needs approval  (policy p1)"]);
      expect(lines.filter((l) => /^\s*parameters:/.test(l))).toHaveLength(1);
      expect(lines[0]).toContain("agent Cursor\\u{1b}[2K\\r  reason:    routine read-only lookup\\n  parameters: {}\\u{202e}\\u{1b}[8m");
      expect(r.stdout).toContain("\\u{1b}[8m");
      expect(r.stdout).not.toContain("secret42");
    }
    // JSON output stays exact.
    const json = await runCli(["approvals", "show", "ap-1", "--state-dir", dir, "--format", "json"]);
    expect((JSON.parse(json.stdout) as { request: { agent: { name: string } } }).request.agent.name).toBe(CRAFTED);
  });
});

describe("policy check code frames", () => {
  test("an ESC in a string on the reported line is echoed escaped", async () => {
    const dir = work("check");
    writeFileSync(path.join(dir, "p.policy"), `policy "p" {\n  if tool is "no_such${ESC}[2K${ESC}[1Gtool\u202e"\n  action block "x"\n}\n`);
    const r = await runCli(["check", dir]);
    expect(r.code).toBe(1);
    assertInert(r.stdout + r.stderr);
    expect(r.stderr).toContain(`  if tool is "no_such\\u{1b}[2K\\u{1b}[1Gtool\\u{202e}"`);
  });
});

const POLICY = `policy "Deleting issues needs approval" {\n  if tool matches "*delete*"\n  action require_approval "Deletes need a human"\n}\n`;

function event(seq: number, tool: string, agent = CRAFTED): string {
  return JSON.stringify({ type: "tool_call_request", session_id: "s1", seq, ts: "2026-11-21T10:00:00Z", agent: { name: agent }, call: { id: `c${seq}`, type: "mcp", integration: "github", tool, args: { title: `t${ESC}[31m` } } });
}

describe("policy explain and policy replay text", () => {
  test("explain shows the crafted agent and tool inertly; --format json keeps them", async () => {
    const dir = work("explain");
    mkdirSync(path.join(dir, "p"));
    writeFileSync(path.join(dir, "p", "p.policy"), POLICY);
    const tool = `delete_issue${ESC}]0;owned\u0007\ndecision: allow`;
    writeFileSync(path.join(dir, "e.json"), event(1, tool));
    const r = await runCli(["explain", "e.json", "p"], { cwd: dir });
    assertInert(r.stdout + r.stderr);
    expect(r.stdout.split("\n").filter((l) => l.startsWith("decision:"))).toHaveLength(1);
    expect(r.stdout).toContain("\\u{1b}]0;owned\\u{7}\\ndecision: allow");
    const j = await runCli(["explain", "e.json", "p", "--format", "json"], { cwd: dir });
    expect(j.stdout).toContain(JSON.stringify(tool).slice(1, -1));
  });

  test("replay --against names the crafted tool inertly; bad lines are reported inertly", async () => {
    const dir = work("replay");
    mkdirSync(path.join(dir, "new"));
    mkdirSync(path.join(dir, "old"));
    writeFileSync(path.join(dir, "new", "p.policy"), POLICY);
    writeFileSync(path.join(dir, "old", "p.policy"), `policy "all" {\n  action allow\n}\n`);
    expect((await runCli(["build", "new", "-o", "new.json"], { cwd: dir })).code).toBe(0);
    expect((await runCli(["build", "old", "-o", "old.json"], { cwd: dir })).code).toBe(0);
    const tool = `delete_issue${ESC}[2K\nno decision changed`;
    writeFileSync(path.join(dir, "s.jsonl"), [event(1, tool), `{"type":"tool_call_request","session_id":"${ESC}[31m\u202e"}`].join("\n") + "\n");
    const r = await runCli(["replay", "s.jsonl", "--bundle", "new.json", "--against", "old.json"], { cwd: dir });
    assertInert(r.stdout + r.stderr);
    expect(r.stdout).toContain("delete_issue\\u{1b}[2K\\nno decision changed");
    expect(r.stdout.split("\n")).not.toContain("no decision changed");
    expect(r.stderr).toMatch(/s\.jsonl:2: /);
  });
});

describe("policy catalog list/show", () => {
  test("names and descriptions an MCP server chose are shown inertly", async () => {
    const dir = work("catalog");
    const desc = `Reads a file.${ESC}[2J${ESC}[H\noperation: Read (safe)\u202e`;
    writeFileSync(path.join(dir, "c.json"), JSON.stringify({ format: "policy-catalog/1", integrations: [{ id: "acme", name: `Acme${ESC}[31m`, call_type: "mcp",
      tools: [{ name: "wipe", description: desc, operation: "Delete", args: { type: "object", properties: { path: { type: "string", description: `p${ESC}[8m` } } } }] }] }));
    const show = await runCli(["catalog", "show", "acme.wipe", "--catalog", "c.json"], { cwd: dir });
    expect(show.code, show.stderr).toBe(0);
    assertInert(show.stdout);
    expect(show.stdout.split("\n").filter((l) => l.startsWith("operation:"))).toEqual(["operation: Delete"]);
    const list = await runCli(["catalog", "list", "--catalog", "c.json", "--integration", "acme"], { cwd: dir });
    assertInert(list.stdout);
    expect(list.stdout).toContain("Acme\\u{1b}[31m");
  });
});
