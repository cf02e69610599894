/**
 * Neovim (headless) as a real editor client: `test/lsp/nvim/lsp_smoke.lua` attaches the server,
 * waits for diagnostics, asks for completion, hover, code actions and formatting, and writes the
 * results to JSON. Needs `nvim` (Debian package `neovim`); under CI=true a missing nvim fails.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { REPO, serverCommand } from "./harness.js";

const hasNvim = spawnSync("nvim", ["--version"], { stdio: "ignore" }).status === 0;
const ci = process.env["CI"] === "true";

test("nvim is installed when running in CI", () => {
  if (ci) expect(hasNvim, "CI=true but nvim is missing (apt-get install -y neovim)").toBe(true);
});

test.skipIf(!hasNvim)("Neovim attaches the server and gets diagnostics, completion, hover, a quick fix and formatting", () => {
  const out = join(mkdtempSync(join(tmpdir(), "policy-nvim-")), "result.json");
  const r = spawnSync("timeout", ["90", "nvim", "--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", "luafile test/lsp/nvim/lsp_smoke.lua", "test/lsp/nvim/fixtures/sample.policy"], {
    cwd: REPO, encoding: "utf8", input: "", env: { ...process.env, OUT: out, POLICY_SERVER_CMD: JSON.stringify(serverCommand()) },
  });
  const result = JSON.parse(readFileSync(out, "utf8")) as { ok: boolean; error?: string; diagnostics: { code: string; lnum: number }[]; completion: string[]; hover: string; actions: string[]; formatted: string[]; ms: number };
  expect(result.error ?? null, r.stderr).toBeNull();
  expect(r.status, r.stderr).toBe(0);
  expect(result.diagnostics).toEqual(expect.arrayContaining([expect.objectContaining({ code: "PDL2001", lnum: 9 })]));
  expect(result.completion).toContain("merge_pull_request");
  expect(result.hover).toContain("github.merge_pull_request");
  expect(result.actions).toContain("Change to 'GitHub'");
  expect(result.formatted[4]).toBe('  action block "no merges by agents"');
});
