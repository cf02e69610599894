/** Every diagnostic code used in the sources is registered, documented and unique. */
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { CODES, CODE_INDEX } from "../../../compiler/diagnostics/codes.js";
import { renderDiagnosticsDoc } from "../../../compiler/diagnostics/doc.js";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

describe("diagnostic code registry", () => {
  it("has unique codes in the right ranges", () => {
    expect(new Set(CODES.map((c) => c.code)).size).toBe(CODES.length);
    for (const c of CODES) expect(c.code).toMatch(/^PDL[1-6]\d{3}$/);
  });
  it("registers every code the sources emit", () => {
    const used = new Set<string>();
    for (const dir of ["grammar", "compiler", "importers", "lifecycle", "testing", "runtime", "lsp", "cli"]) {
      let files: string[] = [];
      try { files = sources(dir); } catch { continue; }
      for (const f of files) for (const m of readFileSync(f, "utf8").matchAll(/"(PDL\d{4})"/g)) used.add(m[1]!);
    }
    const missing = [...used].filter((c) => !CODE_INDEX.has(c));
    expect(missing).toEqual([]);
  });
  it("docs/diagnostics.md is up to date (npm run docs)", () => {
    expect(readFileSync("docs/diagnostics.md", "utf8")).toBe(renderDiagnosticsDoc());
  });
});
