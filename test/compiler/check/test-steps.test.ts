/**
 * Test steps are checked like policies at `policy check` time: `call` tools and arguments against
 * the catalog, `expect … by X` against the project's policies; `policy test <file>` inside a
 * project uses the whole project; `policy test` fails on every error `policy check` reports.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { loadCatalog } from "../../../compiler/catalog/load.js";
import { checkProject } from "../../../compiler/check/index.js";
import { runCli } from "../../support/cli.js";

const POLICY = `policy "No merges" {\n  id no-merges\n  if tool is github.merge_pull_request\n  action block\n}\n`;

function diagnostics(testBody: string): string[] {
  const text = `${POLICY}\ntest "t" {\n${testBody}\n}\n`;
  return checkProject([{ file: "p.policy", text }], loadCatalog().catalog).diagnostics.map((d) => `${d.code} ${d.message}${d.hint ? ` | ${d.hint}` : ""}`);
}

describe("call steps against the catalog", () => {
  test("a typo in the integration is PDL6005 with did-you-mean", async () => {
    expect(diagnostics("  call githib.merge_pull_request { owner: \"a\", repo: \"b\", pullNumber: 9 }\n  expect block")).toEqual([
      'PDL6005 unknown integration "githib" in `call githib.merge_pull_request` | did you mean `github.merge_pull_request`?']);
  });

  test("a tool the integration does not have is PDL6005, ranked by distance", async () => {
    expect(diagnostics("  call github.merge_pull_requst {}\n  expect block")).toEqual([
      expect.stringMatching(/^PDL6005 unknown tool "merge_pull_requst" in integration GitHub .* did you mean `github\.merge_pull_request`\?$/)]);
  });

  test("an argument name the schema does not list is PDL6006 with did-you-mean; a wrong type too", async () => {
    expect(diagnostics("  call github.merge_pull_request { owner: \"a\", repo: \"b\", pull_number: 9 }\n  expect block")).toEqual([
      'PDL6006 github.merge_pull_request has no argument "pull_number" | did you mean `pullNumber`?']);
    expect(diagnostics("  call github.merge_pull_request { owner: \"a\", repo: \"b\", pullNumber: \"nine\" }\n  expect block")).toEqual([
      expect.stringMatching(/^PDL6006 args\.pullNumber of github\.merge_pull_request must be number/)]);
  });

  test("a tool of an integration no catalog has stays allowed (tests of the Unknown default)", async () => {
    expect(diagnostics("  call acme_internal.frobnicate { x: 1 }\n  expect allow")).toEqual([]);
  });
});

describe("expect … by", () => {
  test("a policy the project does not have is PDL6001 with did-you-mean", async () => {
    expect(diagnostics("  call github.merge_pull_request { owner: \"a\", repo: \"b\", pullNumber: 9 }\n  expect block by no-merge")).toEqual([
      'PDL6001 no policy has the id or name "no-merge" | did you mean `no-merges`?']);
    expect(diagnostics("  call github.merge_pull_request { owner: \"a\", repo: \"b\", pullNumber: 9 }\n  expect block by \"No merges\"")).toEqual([]);
  });
});

describe("policy test inside a project", () => {
  test("a test file alone is run with its project's policies", async () => {
    const r = await runCli(["test", "examples/interven/starter.test.policy"]);
    expect(r.stdout).toMatch(/^9 passed, 0 failed$/m);
    expect(r.code).toBe(0);
  });

  test("policy test fails on a lock violation that policy check reports (PDL5010)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "test-lock-"));
    writeFileSync(join(dir, "policy.config.json"), "{}");
    writeFileSync(join(dir, "p.policy"), `${POLICY}\ntest "t" {\n  call github.merge_pull_request { owner: "a", repo: "b", pullNumber: 9 }\n  expect block\n}\n`);
    expect((await runCli(["build", "-o", "b.json"], { cwd: dir })).code).toBe(0);
    writeFileSync(join(dir, "p.policy"), readFileSync(join(dir, "p.policy"), "utf8").replace("action block", "action block \"no merges\""));
    const r = await runCli(["test"], { cwd: dir });
    expect(r.stderr).toContain("PDL5010");
    expect(r.code).toBe(1);
  });
});
