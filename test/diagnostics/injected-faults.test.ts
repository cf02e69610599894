/**
 * The diagnostics whose only path is a fault: the parser throwing ("PDL1000", never expected: it
 * degrades into a diagnostic) and a detector regex whose analysis runs out of time ("PDL2046": not
 * proved linear, a warning). Both are produced here by injecting the fault.
 */
import { createRequire } from "node:module";
import { afterAll, describe, expect, it, vi } from "vitest";

vi.mock("../../grammar/parser.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../grammar/parser.js")>();
  return { ...real, parseCst: (text: string) => { if (text.includes("BOOM")) throw new Error("injected"); return real.parseCst(text); } };
});
// recheck is loaded with require (compiler/check/rules/detectors.ts): its exports are patched
// before the first detector of this file is checked, and restored after.
const recheck = createRequire(import.meta.url)("recheck") as { checkSync: (source: string, flags: string, params?: object) => unknown };
const realCheckSync = recheck.checkSync;
recheck.checkSync = (source, flags, params) => (source.includes("UNKNOWN") ? { status: "unknown", source, flags, error: { kind: "timeout" } } : realCheckSync(source, flags, params));
afterAll(() => { recheck.checkSync = realCheckSync; });

const { parse } = await import("../../grammar/index.js");
const { checkProject } = await import("../../compiler/check/index.js");
const { loadCatalog } = await import("../../compiler/catalog/load.js");
const { severityOf } = await import("../../compiler/diagnostics/codes.js");

describe("diagnostics of injected faults", () => {
  it('"PDL1000": a parser that throws yields a diagnostic, not an exception', () => {
    const ds = parse("# BOOM\n", "x.policy").diagnostics;
    expect(ds.map((d) => [d.code, d.severity])).toEqual([["PDL1000", severityOf("PDL1000")]]);
    expect(ds[0]!.message).toContain("internal parser error: injected");
  });

  it('"PDL2046": a detector whose analysis times out is a warning, and the detector is kept', () => {
    const p = checkProject([{ file: "x.policy", text: "detector Slow /UNKNOWN[0-9]+/ class INTERNAL\n" }], loadCatalog().catalog);
    expect(p.diagnostics.map((d) => [d.code, d.severity])).toEqual([["PDL2046", "warning"]]);
    expect(p.detectors.map((d) => d.name)).toEqual(["Slow"]);
  });
});
