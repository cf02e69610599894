/**
 * The installed binary, `bin/policy.js` over the built `dist/`, as a separate process: what the
 * in-process tests cannot prove — the process's exit status, its real stdin and stdout, and that
 * output to a pipe has no colours.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnCli } from "../support/cli.js";

const GOOD = 'policy "x" {\n  id x\n  if integration is GitHub\n  action block "no"\n}\n';
const BROKEN = GOOD.replace("GitHub", "GitHubb");
const EVENT = { type: "tool_call_request", session_id: "s1", seq: 1, ts: "2026-11-21T10:00:00Z", agent: { id: "a1", name: "Cursor", review_status: "Approved" }, call: { id: "c1", type: "mcp", integration: "github", tool: "merge_pull_request", args: {} } };

function project(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "cli-bin-"));
  writeFileSync(join(dir, "p.policy"), text);
  return dir;
}

describe("bin/policy.js", () => {
  it("exits 0 on success, 1 on findings and 2 on bad usage", async () => {
    const ok = await spawnCli(["check"], { cwd: project(GOOD) });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe("checked 1 file, 1 policy: 0 errors, 0 warnings\n");
    const findings = await spawnCli(["check"], { cwd: project(BROKEN) });
    expect(findings.code).toBe(1);
    expect(findings.stderr).toContain("error[PDL2001]");
    const usage = await spawnCli(["check", "--format", "yaml"]);
    expect(usage).toMatchObject({ code: 2, stderr: 'error: --format must be text or json, not "yaml"\n' });
    const unknown = await spawnCli(["chek"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'chek'");
  });

  it("reads `-` from its standard input", async () => {
    const r = await spawnCli(["explain", "-", "--format", "json"], { cwd: project(GOOD), stdin: JSON.stringify(EVENT) });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ effect: "block", policy: { id: "x" } });
  });

  it("prints no colours to a pipe, and colours when FORCE_COLOR asks", async () => {
    const dir = project(BROKEN);
    const plain = await spawnCli(["check"], { cwd: dir, env: { NO_COLOR: "", FORCE_COLOR: "", CI: "" } });
    expect(plain.stderr).toContain("error[PDL2001]");
    expect(plain.stderr).not.toContain("\x1b[");
    const coloured = await spawnCli(["check"], { cwd: dir, env: { NO_COLOR: "", FORCE_COLOR: "1" } });
    expect(coloured.stderr).toContain("\x1b[31m");
  });
});
