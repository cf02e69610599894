/**
 * Every registered diagnostic code has a test, in the spirit of Regal's per-rule tests: a fixture
 * `test/diagnostics/<code>.policy` (or a folder `<code>/` with its `policy.config.json` and
 * catalogs) checked as a project, or a row of `PRODUCERS` below for codes that come from other
 * inputs (a lock, an export document, inputs too large to keep as files). Each must report its
 * code, with the severity the registry gives it, and no error of another code than those a
 * `# also: <code>` line of the fixture names (error recovery). A code with neither fails the last test.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CODE_INDEX, CODES } from "../../compiler/diagnostics/codes.js";
import { loadProject } from "../../compiler/project.js";
import { loadCatalog } from "../../compiler/catalog/load.js";
import { checkProject } from "../../compiler/check/index.js";
import { parse } from "../../grammar/index.js";
import { checkLock, EMPTY_LOCK, nextLock, readLock, type Lock } from "../../lifecycle/lock.js";
import { importDocument } from "../../importers/import-json.js";
import { MAX_DETECTORS, MAX_POLICIES } from "../../compiler/limits.js";
import { MAX_SOURCE_CHARS } from "../../grammar/limits.js";
import type { Diagnostic } from "../../grammar/diagnostic.js";
import { decodeUtf8, textDiagnostic } from "../../compiler/text-input.js";
import { analyzeProject } from "../../compiler/analysis/check.js";

const DIR = "test/diagnostics";
const catalog = loadCatalog().catalog;

const check = (text: string): Diagnostic[] => [...checkProject([{ file: "input.policy", text }], catalog).diagnostics];

const ACTIVE = `policy "p" {\n  id p\n  status active\n  version 2\n  if operation is Delete\n  action block\n}\n`;

/** The lock `policy build` writes for `text`. */
function lockOf(text: string): Lock {
  return nextLock(checkProject([{ file: "input.policy", text }], catalog), EMPTY_LOCK, undefined);
}

/** The diagnostic for bytes that are not text (kept out of the repository's files). */
function bytesDiagnostic(bytes: Uint8Array): Diagnostic[] {
  const d = decodeUtf8(bytes);
  return "problem" in d ? [textDiagnostic("input.policy", d.problem, bytes)] : [];
}

/** Codes produced from inputs other than a `.policy` fixture. */
const PRODUCERS: Record<string, () => readonly Diagnostic[]> = {
  PDL1006: () => bytesDiagnostic(Buffer.from('policy "r\xE9sum\xE9" {\n  action alert\n}\n', "latin1")),
  PDL1007: () => bytesDiagnostic(Buffer.from("policy\u0000\n", "latin1")),
  PDL1004: () => parse(" ".repeat(MAX_SOURCE_CHARS + 1), "big.policy").diagnostics,
  PDL2045: () => check(Array.from({ length: MAX_DETECTORS + 1 }, (_, i) => `detector D${i} /X${i}/ class INTERNAL`).join("\n")),
  PDL5002: () => check(Array.from({ length: MAX_POLICIES + 1 }, (_, i) => `policy "p${i}" {\n  id p${i}\n  action alert\n}`).join("\n")),
  PDL5010: () => {
    const edited = ACTIVE.replace("Delete", "Write");
    return checkLock(checkProject([{ file: "input.policy", text: edited }], catalog), lockOf(ACTIVE), "policy.lock");
  },
  PDL5011: () => {
    const lower = ACTIVE.replace("version 2", "version 1");
    return checkLock(checkProject([{ file: "input.policy", text: lower }], catalog), lockOf(ACTIVE), "policy.lock");
  },
  PDL5013: () => {
    const rescoped = ACTIVE.replace("  status active", "  scope tenant \"acme\"\n  status active").replace("version 2", "version 3");
    return checkLock(checkProject([{ file: "input.policy", text: rescoped }], catalog), lockOf(ACTIVE), "policy.lock");
  },
  PDL5014: () => checkLock(checkProject([{ file: "input.policy", text: `policy "q" {\n  id q\n  action alert\n}\n` }], catalog), lockOf(ACTIVE), "policy.lock"),
  // The analyses of the whole set (policy check runs them once a project has no errors).
  PDL4020: () => analyzeProject(checkProject([{ file: "input.policy", text: [
    `policy "block-a" {\n  id block-a\n  if integration is GitHub\n  if agent is "A"\n  action block\n}\n`,
    `policy "block-others" {\n  id block-others\n  if integration is GitHub\n  if agent is not "A"\n  action block\n}\n`,
    `policy "merge" {\n  id merge\n  if tool is github.merge_pull_request\n  action allow\n}\n`,
    "default allow\n",
  ].join("\n") }], catalog)),
  PDL4021: () => analyzeProject(checkProject([{ file: "input.policy", text: `policy "m" {\n  id m\n  if tool is github.merge_pull_request\n  action block\n}\n` }], catalog)),
  PDL4022: () => analyzeProject(checkProject([{ file: "input.policy", text: [
    `policy "a" {\n  id a\n  if tool is github.merge_pull_request\n  action require_approval "one reason" from [technician]\n}\n`,
    `policy "b" {\n  id b\n  if tool is github.merge_pull_request\n  if agent is "A"\n  action require_approval "another reason" from [manager]\n}\n`,
    "default allow\n",
  ].join("\n") }], catalog)),
  PDL5012: () => readLock(JSON.stringify({ format: "policy-lock/1", policies: { p: { version: "two" } } }), "policy.lock").diagnostics,
  PDL5030: () => importDocument(JSON.stringify({ format: "policy-export/1", files: [{ file: "a.policy" }, { file: "a.policy" }] }), "export.json").diagnostics,
};

/** Codes whose only path is a fault the tests inject (a mocked parser or regex analysis). */
const INJECTED: Record<string, string> = {
  PDL1000: "test/diagnostics/injected-faults.test.ts",
  PDL2046: "test/diagnostics/injected-faults.test.ts",
};

/** The fixtures: `<code>.policy` files and `<code>/` folders. */
function fixtures(): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(DIR)) {
    const m = /^(PDL\d{4})(\.policy)?$/.exec(f);
    if (m) out.set(m[1]!, join(DIR, f));
  }
  return out;
}

/** The fixture or producer reports `code` with the registry's severity, and no error of another code. */
function expectReports(code: string, ds: readonly Diagnostic[], also: readonly string[] = []): void {
  expect(ds.map((d) => d.code)).toContain(code);
  for (const d of ds) expect(`${d.code} ${d.severity}`).toBe(`${d.code} ${CODE_INDEX.get(d.code)?.severity}`);
  const others = ds.filter((d) => d.severity === "error" && d.code !== code && !also.includes(d.code)).map((d) => `${d.code} ${d.span.line}:${d.span.column} ${d.message}`);
  expect(others).toEqual([]);
}

describe("every diagnostic code has a fixture", () => {
  for (const [code, path] of fixtures()) {
    it(`${code}: ${CODE_INDEX.get(code)?.title ?? "(not registered)"} (${path})`, () => {
      expect(CODE_INDEX.has(code)).toBe(true);
      const ds = loadProject([path]).project.diagnostics;
      const text = readFileSync(path.endsWith(".policy") ? path : join(path, "input.policy"), "utf8");
      expectReports(code, ds, [...text.matchAll(/^# also: (PDL\d{4})/gm)].map((m) => m[1]!));
    });
  }

  for (const [code, produce] of Object.entries(PRODUCERS)) {
    it(`${code}: ${CODE_INDEX.get(code)?.title ?? "(not registered)"} (table)`, () => {
      expect(CODE_INDEX.has(code)).toBe(true);
      expectReports(code, produce());
    });
  }

  it("no registered code is without one", () => {
    const have = new Set([...fixtures().keys(), ...Object.keys(PRODUCERS)]);
    for (const [code, file] of Object.entries(INJECTED)) if (existsSync(file) && readFileSync(file, "utf8").includes(`"${code}"`)) have.add(code);
    expect(CODES.map((c) => c.code).filter((c) => !have.has(c))).toEqual([]);
  });
});
