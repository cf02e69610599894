/**
 * Golden tests of the checker: test/fixtures/check/<case>/input.policy → expected.txt (every
 * diagnostic: position, code, severity, message, hint). `UPDATE_GOLDEN=1 npx vitest run test/compiler`
 * rewrites the expected files; review them in the diff.
 */
import { describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadCatalog } from "../../../compiler/catalog/load.js";
import { checkProject } from "../../../compiler/check/index.js";
import type { Diagnostic } from "../../../grammar/diagnostic.js";

const ROOT = "test/fixtures/check";
const catalog = loadCatalog().catalog;

export function renderDiagnostics(ds: readonly Diagnostic[]): string {
  return ds.map((d) => `${d.span.file}:${d.span.line}:${d.span.column}-${d.span.endLine}:${d.span.endColumn} ${d.code} ${d.severity}: ${d.message}${d.hint ? `\n    hint: ${d.hint}` : ""}`).join("\n") + "\n";
}

describe("checker golden fixtures", () => {
  for (const name of readdirSync(ROOT).sort()) {
    it(name, () => {
      const dir = join(ROOT, name);
      const sources = readdirSync(dir).filter((f) => f.endsWith(".policy")).sort().map((f) => ({ file: f, text: readFileSync(join(dir, f), "utf8") }));
      const got = renderDiagnostics(checkProject(sources, catalog).diagnostics);
      const file = join(dir, "expected.txt");
      if (process.env["UPDATE_GOLDEN"] || !existsSync(file)) writeFileSync(file, got);
      expect(got).toBe(readFileSync(file, "utf8"));
    });
  }
});
