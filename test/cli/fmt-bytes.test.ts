/** `policy fmt` keeps CRLF line endings and a BOM, refuses non-UTF-8, and `--check` shows the first difference. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { runCli } from "../support/cli.js";

const MESSY = 'policy "x" {\n  id x\n    action   block\n}\n';

test("fmt keeps CRLF and a BOM, --check names the first differing line, Latin-1 is refused", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fmt-"));
  writeFileSync(join(dir, "a.policy"), "\uFEFF" + MESSY.replace(/\n/g, "\r\n"));
  const check = await runCli(["fmt", "--check", "a.policy"], { cwd: dir });
  expect(check.code).toBe(1);
  expect(check.stdout).toContain('not formatted: a.policy (first difference at line 3: "    action   block" should be "  action block")');
  expect((await runCli(["fmt", "a.policy"], { cwd: dir })).code).toBe(0);
  expect(readFileSync(join(dir, "a.policy"), "utf8")).toBe("\uFEFF" + 'policy "x" {\r\n  id x\r\n  action block\r\n}\r\n');
  expect((await runCli(["fmt", "--check", "a.policy"], { cwd: dir })).code).toBe(0);
  writeFileSync(join(dir, "b.policy"), Buffer.from('policy "r\xe9sum\xe9" {\n  action block\n}\n', "latin1"));
  const bad = await runCli(["fmt", "b.policy"], { cwd: dir });
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain("PDL1006");
});
