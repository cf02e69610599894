/**
 * Inputs stay inside their project: replayed session files and the catalogs of the config are read
 * only from under the project root (`--allow-outside` to widen; `--catalog` is the caller's choice), and a file that is not JSON Lines is quoted at most
 * once (its first line, truncated and escaped), so a `.policy` file cannot echo a file of the machine.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { readSessionFile } from "../../testing/session/read.js";
import { runCli } from "../support/cli.js";

const POLICY = `policy "no deletes" {\n  id no-deletes\n  if integration is GitHub\n  if operation is Delete\n  action block\n}\n`;

/** A project folder (with a config) beside an `outside/` folder holding a "secret" file. */
function layout(testBody: string, config: object = {}): { dir: string; project: string } {
  const dir = mkdtempSync(join(tmpdir(), "inside-"));
  const project = join(dir, "project");
  mkdirSync(project);
  mkdirSync(join(dir, "outside"));
  writeFileSync(join(dir, "outside", "passwd"), "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nsecret-line-3\n");
  writeFileSync(join(dir, "outside", "cat.json"), JSON.stringify({ format: "policy-catalog/1", integrations: [] }));
  writeFileSync(join(project, "policy.config.json"), JSON.stringify(config));
  writeFileSync(join(project, "p.policy"), `${POLICY}\ntest "replays" {\n${testBody}\n  expect calls to github.list_issues allow\n}\n`);
  return { dir, project };
}

describe("replay paths stay under the project root", () => {
  test.each([["an absolute path", (dir: string) => join(dir, "outside", "passwd")], ["a relative path that climbs out", () => "../outside/passwd"]])(
    "%s is refused by name, and nothing of the file is printed", async (_, path) => {
      const { dir, project } = layout("");
      writeFileSync(join(project, "p.policy"), `${POLICY}\ntest "replays" {\n  replay ${JSON.stringify(path(dir))}\n  expect no alert\n}\n`);
      const r = await runCli(["test"], { cwd: project });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain("is outside the project root");
      expect(r.stdout).toContain("--allow-outside");
      expect(r.stdout + r.stderr).not.toContain("root:x:0:0");
      expect(r.stdout + r.stderr).not.toContain("daemon");
    });

  test("--allow-outside reads it, quoting only the first bad line, truncated and escaped", async () => {
    const { project } = layout("");
    writeFileSync(join(project, "p.policy"), `${POLICY}\ntest "replays" {\n  replay "../outside/passwd"\n  expect no alert\n}\n`);
    const r = await runCli(["test", "--allow-outside"], { cwd: project });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('passwd:1: not valid JSON: "root:x:0:0:root:/root:/bin/bash"');
    expect(r.stdout).toMatch(/passwd:2: not valid JSON\n/);
    expect(r.stdout).not.toContain("daemon");
    expect(r.stdout).not.toContain("secret-line-3");
  });
});

describe("catalog paths stay under the project root", () => {
  test("a catalog of the config outside the root is PDL3004; --allow-outside accepts it", async () => {
    const { project } = layout("", { catalogs: ["../outside/cat.json"] });
    const r = await runCli(["check"], { cwd: project });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error[PDL3004]: catalog "../outside/cat.json" (named in policy.config.json) is outside the project root');
    expect(r.stderr).not.toContain("policy-catalog/1");
    expect((await runCli(["check", "--allow-outside"], { cwd: project })).code).toBe(0);
  });

  test("--catalog is the caller's own choice: read from anywhere, as the paths given are", async () => {
    const { dir, project } = layout("");
    const r = await runCli(["check", "--catalog", join(dir, "outside", "cat.json")], { cwd: project });
    expect(r.stderr).not.toContain("PDL3004");
    expect(r.code).toBe(0);
  });

  test("a catalog the config names outside the root is still refused when --catalog is also given", async () => {
    const { dir, project } = layout("", { catalogs: ["../outside/cat.json"] });
    const r = await runCli(["check", "--catalog", join(dir, "outside", "cat.json")], { cwd: project });
    expect(r.stderr).toContain("PDL3004");
    expect(r.code).toBe(1);
  });
});

describe("session lines that are not JSON", () => {
  test("only the first is quoted, at most 60 characters, as a JSON string", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lines-"));
    const f = join(dir, "s.jsonl");
    writeFileSync(f, `\x1b[31mred ${"x".repeat(100)}\nsecond secret\nthird secret\n`);
    const { bad } = readSessionFile(f);
    expect(bad.map((b) => b.line)).toEqual([1, 2, 3]);
    expect(bad[0]!.message).toBe(`not valid JSON: ${JSON.stringify(`\x1b[31mred ${"x".repeat(51)}…`)}`);
    expect(bad[0]!.message).not.toContain("\x1b");
    expect(bad.slice(1).map((b) => b.message)).toEqual(["not valid JSON", "not valid JSON"]);
  });

  test("a binary file is one error, and reading stops there", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lines-"));
    const f = join(dir, "s.jsonl");
    writeFileSync(f, Buffer.concat([Buffer.from('{"type":"message_to_user","text":"a"}\n'), Buffer.alloc(200_000, 0), Buffer.from("\n\n\n")]));
    const { events, bad } = readSessionFile(f);
    expect(events).toHaveLength(1);
    expect(bad).toEqual([{ line: 2, message: "a binary file, not JSON Lines: a NUL byte at byte 1" }]);
  });
});
