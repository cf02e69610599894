/**
 * CI formats: `policy check --format sarif` for every example with a planted error, validated
 * against the published SARIF 2.1.0 JSON Schema (vendored in test/fixtures/sarif/, draft-07, ajv);
 * the rules are the diagnostic registry with help links to docs/diagnostics.md entries;
 * `--format github` annotations for check diagnostics and failed tests, which nothing in a
 * source file can turn into a workflow command of its own.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { runCli } from "../support/cli.js";
import { CODES, codeDocUrl } from "../../compiler/diagnostics/codes.js";
import { annotation } from "../../ops/github-annotations.js";

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => void;
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validateSarif = ajv.compile(JSON.parse(readFileSync("test/fixtures/sarif/sarif-schema-2.1.0.json", "utf8")) as object);

const work = mkdtempSync(path.join(tmpdir(), "ops-ci-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const PLANTED = `
policy "Planted mistake" {
  if integraton is GitHub
  action block "no"
}
`;

/** The example folders that hold .policy files. */
function exampleDirs(root: string): string[] {
  return readdirSync(root).filter((d) => statSync(path.join(root, d)).isDirectory() && readdirSync(path.join(root, d)).some((f) => f.endsWith(".policy")));
}

interface SarifResult { ruleId: string; ruleIndex?: number; level: string; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: { startLine: number; startColumn: number } } }[] }
interface SarifLog { version: string; runs: { tool: { driver: { rules: { id: string; helpUri: string; defaultConfiguration: { level: string } }[] } }; results: SarifResult[] }[] }

describe("policy check --format sarif", () => {
  const examples = path.join(work, "examples");
  cpSync("examples", examples, { recursive: true });
  const dirs = exampleDirs(examples);

  test("there are examples to plant errors in", () => {
    expect(dirs.length).toBeGreaterThanOrEqual(6);
  });

  test("every example with a planted error: one valid SARIF 2.1.0 log that points at each", async () => {
    const planted = dirs.map((dir) => {
      const file = readdirSync(path.join(examples, dir)).filter((f) => f.endsWith(".policy")).sort()[0]!;
      const target = path.join(examples, dir, file);
      const line = readFileSync(target, "utf8").split("\n").length + 2; // the `if integraton` line of PLANTED
      appendFileSync(target, PLANTED);
      return { uri: `${dir}/${file}`, line };
    });
    const r = await runCli(["check", "--format", "sarif", ...dirs], { cwd: examples });
    expect(r.code, r.stderr).toBe(1);
    const log = JSON.parse(r.stdout) as SarifLog;
    const ok = validateSarif(log);
    expect(ok ? [] : validateSarif.errors).toEqual([]);
    expect(log.version).toBe("2.1.0");
    const run = log.runs[0]!;
    expect(run.tool.driver.rules.map((x) => x.id)).toEqual(CODES.map((c) => c.code));
    for (const { uri, line } of planted) {
      const hit = run.results.find((x) => x.ruleId === "PDL2005" && x.locations[0]!.physicalLocation.artifactLocation.uri === uri);
      expect(hit, uri).toMatchObject({ level: "error", locations: [{ physicalLocation: { artifactLocation: { uri, uriBaseId: "%SRCROOT%" }, region: { startLine: line, startColumn: 6 } } }] });
      expect(hit!.message.text).toContain("integraton");
    }
    for (const res of run.results) expect(run.tool.driver.rules[res.ruleIndex!]!.id).toBe(res.ruleId);
  });

  test("every rule links to its entry in docs/diagnostics.md", async () => {
    const doc = readFileSync("docs/diagnostics.md", "utf8");
    const r = await runCli(["check", "--format", "sarif", "seed-000-tool-calls"], { cwd: "examples" });
    expect(r.code).toBe(0);
    const log = JSON.parse(r.stdout) as SarifLog;
    expect(validateSarif(log)).toBe(true);
    // Seed 000 has no default: the whole-set analyses name the tools nothing decides (PDL4021).
    expect(log.runs[0]!.results.filter((x) => !/^PDL402[0-2]$/.test(x.ruleId))).toEqual([]);
    for (const rule of log.runs[0]!.tool.driver.rules) {
      expect(rule.helpUri).toBe(codeDocUrl(rule.id));
      expect(doc).toContain(`### ${rule.id}\n`);
      expect(rule.helpUri.endsWith(`#${rule.id.toLowerCase()}`)).toBe(true);
    }
  });
});

describe("--format github", () => {
  test("policy check: one annotation per diagnostic, then the summary", async () => {
    const dir = mkdtempSync(path.join(work, "gh-"));
    writeFileSync(path.join(dir, "p.policy"), `policy "x" {\n  id x\n  if integration is Githb\n  action block "no"\n}\n`);
    const r = await runCli(["check", "--format", "github", "p.policy"], { cwd: dir });
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^::error file=p\.policy,line=3,col=21,endColumn=26,title=PDL2001::unknown integration "Githb".*GitHub/);
    expect(lines.at(-1)).toMatch(/^checked 1 file, \d+ polic(y|ies): 1 error/);
  });

  test("policy test: failed expectations become annotations, the text report and the summary follow", async () => {
    const dir = mkdtempSync(path.join(work, "gh-test-"));
    writeFileSync(path.join(dir, "p.policy"), [
      'policy "No GitHub writes" {', "  id gh", "  if integration is GitHub", "  if operation in [Write, Delete]", '  action block "read-only"', "}",
      'test "creating an issue, wrongly expected to pass" {', "  call github.create_issue { owner: \"a\", repo: \"b\", title: \"t\" }", "  expect allow", "}",
      'test "listing issues" {', "  call github.list_issues { owner: \"a\", repo: \"b\" }", "  expect allow", "}", "",
    ].join("\n"));
    const r = await runCli(["test", "--format", "github", "p.policy"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error file=p\.policy,line=9,col=\d+,title=policy test%3A creating an issue%2C wrongly expected to pass::.*block/m);
    expect(r.stdout.match(/^::error /gm)).toHaveLength(1);
    expect(r.stdout.trim().split("\n").at(-1)).toBe("1 passed, 1 failed");
    // As the example workflow runs it: JUnit to a file, annotations on stdout.
    const j = await runCli(["test", "--reporter", "junit", "-o", "junit.xml", "--format", "github", "p.policy"], { cwd: dir });
    expect(j.code).toBe(1);
    expect(j.stdout.match(/^::error /gm)).toHaveLength(1);
    expect(readFileSync(path.join(dir, "junit.xml"), "utf8")).toContain("<testsuite");
  });

  test("nothing in a message or a file name can start a workflow command", () => {
    const out = annotation({ level: "error", file: "a,b:c.policy", line: 1, title: "t", message: "bad\n::add-mask::secret\r\n::stop-commands::x 100%" });
    expect(out.split("\n")).toEqual([expect.stringMatching(/^::error file=a%2Cb%3Ac\.policy,line=1,title=t::bad/), ""]);
    expect(out).not.toMatch(/\n::(add-mask|stop-commands)/);
    expect(out).toContain("100%25");
  });
});
