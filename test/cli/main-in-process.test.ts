/**
 * `main(argv, io)` as a library call: it writes only to the streams it is given, reads `-` from
 * the stdin it is given, resolves paths in the directory it is given, decides colours from the
 * environment and stdout it is given, returns the exit status, and leaves nothing behind in the
 * process (exit code, working directory, colours) for the next run.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../support/cli.js";
import { colorsEnabled } from "../../cli/io.js";

const BROKEN = 'policy "x" {\n  id x\n  if integration is GitHubb\n  action block "no"\n}\n';
const GOOD = 'policy "x" {\n  id x\n  if integration is GitHub\n  action block "no"\n}\n';

function project(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "cli-main-"));
  writeFileSync(join(dir, "p.policy"), text);
  return dir;
}

afterEach(() => { vi.restoreAllMocks(); });

describe("main(argv, io)", () => {
  it("writes to the given streams only and returns the status without setting process.exitCode", async () => {
    const out = vi.spyOn(process.stdout, "write");
    const err = vi.spyOn(process.stderr, "write");
    const before = process.exitCode;
    const r = await runCli(["check"], { cwd: project(BROKEN) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[PDL2001]");
    expect(r.stdout).toMatch(/^checked 1 file, 0 policies: 1 error, 0 warnings\n$/);
    expect(out).not.toHaveBeenCalled();
    expect(err).not.toHaveBeenCalled();
    expect(process.exitCode).toBe(before);
  });

  it("runs in the given directory and gives the process's back, also after a failure", async () => {
    const cwd = process.cwd();
    const dir = project(GOOD);
    const built = await runCli(["build", "-o", "b.json", "--no-lock"], { cwd: dir });
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toContain("wrote b.json");
    expect(process.cwd()).toBe(cwd);
    const missing = await runCli(["check", "nowhere"], { cwd: dir });
    expect(missing).toMatchObject({ code: 2, stderr: 'error: cannot read "nowhere": no such file or directory\n' });
    expect(process.cwd()).toBe(cwd);
  });

  it("reads `-` from the given stdin", async () => {
    const event = { type: "tool_call_request", session_id: "s1", seq: 1, ts: "2026-11-21T10:00:00Z", agent: { id: "a1", name: "Cursor", review_status: "Approved" }, call: { id: "c1", type: "mcp", integration: "github", tool: "merge_pull_request", args: {} } };
    const r = await runCli(["explain", "-", "--format", "json"], { cwd: project(GOOD), stdin: JSON.stringify(event) });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ effect: "block", policy: { id: "x" } });
  });

  it("decides colours from the run's environment, not from the process", async () => {
    const dir = project(BROKEN);
    const coloured = await runCli(["check"], { cwd: dir, env: { NO_COLOR: "", FORCE_COLOR: "1" } });
    expect(coloured.stderr).toContain("\x1b[31m");
    const plain = await runCli(["check"], { cwd: dir });
    expect(plain.stderr).not.toContain("\x1b[");
    expect(plain.stderr).toContain("error[PDL2001]");
  });

  it("keeps overlapping runs apart: each gets its own output, directory and status", async () => {
    const [bad, good] = await Promise.all([runCli(["check"], { cwd: project(BROKEN) }), runCli(["check"], { cwd: project(GOOD) })]);
    expect([bad.code, good.code]).toEqual([1, 0]);
    expect(bad.stderr).toContain("PDL2001");
    expect(good.stderr).toBe("");
    expect(good.stdout).toBe("checked 1 file, 1 policy: 0 errors, 0 warnings\n");
  });

  it("prints help and the version to the given stdout, and a usage error to the given stderr", async () => {
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: policy [options] [command]");
    const listed = [...help.stdout.matchAll(/^  ([a-z-]+) /gm)].map((m) => m[1]);
    expect(listed).toEqual(["init", "check", "build", "test", "fmt", "explain", "replay", "catalog", "lsp", "enforce", "approvals", "version", "promote", "audit", "keygen", "export", "import", "verify", "serve-bundles", "console", "agent", "inventory", "diff", "help"]);
    const checkHelp = await runCli(["check", "--help"]);
    expect(checkHelp.code).toBe(0);
    expect(checkHelp.stdout).toContain("--no-lock");
    const version = await runCli(["--version"]);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
    const bad = await runCli(["chek"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown command 'chek'");
    expect(bad.stdout).toBe("");
  });
});

describe("colorsEnabled", () => {
  const tty = { isTTY: true } as unknown as NodeJS.WritableStream;
  const pipe = {} as NodeJS.WritableStream;
  it("follows picocolors' rule over the given environment and stream", () => {
    expect(colorsEnabled({}, pipe, "linux")).toBe(false);
    expect(colorsEnabled({}, tty, "linux")).toBe(true);
    expect(colorsEnabled({ TERM: "dumb" }, tty, "linux")).toBe(false);
    expect(colorsEnabled({ NO_COLOR: "1" }, tty, "linux")).toBe(false);
    expect(colorsEnabled({ NO_COLOR: "1", FORCE_COLOR: "1" }, pipe, "linux")).toBe(false);
    expect(colorsEnabled({ FORCE_COLOR: "1" }, pipe, "linux")).toBe(true);
    expect(colorsEnabled({ CI: "true" }, pipe, "linux")).toBe(true);
    expect(colorsEnabled({}, pipe, "win32")).toBe(true);
  });
});
