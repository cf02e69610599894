/**
 * Parser and checker fuzzing with a fixed seed, 1,000 inputs (the long mode, for as many as asked, is
 * `npm run fuzz -- --mode parser`):
 * random bytes, keyword soups and mutated valid files never make parse or check throw, finish
 * within the documented cap, and every error-free file formats idempotently with
 * parse(print(ast)) = ast modulo spans. Plus the parser's resource limits, one test each.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parse, print } from "../../grammar/index.js";
import { checkProject } from "../../compiler/check/index.js";
import { loadCatalog } from "../../compiler/catalog/load.js";
import { LIMITS, MAX_DETECTORS, MAX_DETECTOR_SOURCE, MAX_NESTING_DEPTH, MAX_POLICIES, MAX_SOURCE_CHARS } from "../../compiler/limits.js";
import { CODE_INDEX } from "../../compiler/diagnostics/codes.js";
import { CORPUS, parserCase, parserInput } from "../fuzz/parser-props.js";
import { readFileSync } from "node:fs";

const catalog = loadCatalog().catalog;
const codes = (text: string) => parse(text).diagnostics.map((d) => d.code);

describe("parser and checker fuzzing", () => {
  it("the corpus (every .policy file of the repository) is non-trivial", () => {
    expect(CORPUS.length).toBeGreaterThan(1);
  });

  it("random bytes, keyword soups and mutated valid files: no throw, bounded time, fmt idempotent, parse(print(ast)) = ast", () => {
    fc.assert(fc.property(parserInput, (text) => {
      const why = parserCase(text);
      expect(why).toBeUndefined();
    }), { numRuns: Number(process.env.PARSER_RUNS ?? 1_000), seed: Number(process.env.PARSER_SEED ?? 424242) });
  });

  it("every corpus file that parses without errors is a fixed point of fmt after one pass", () => {
    for (const text of CORPUS) expect(parserCase(text)).toBeUndefined();
  });
});

describe("parser limits", () => {
  it(`nesting beyond ${MAX_NESTING_DEPTH} levels is PDL1005 at the first token too deep; declarations before it are kept`, () => {
    for (const [open, close] of [["(", ")"], ["not (", ")"], ["[", "]"]] as const) {
      for (const n of [MAX_NESTING_DEPTH - 1, 10_000]) { // the policy's own `{` is one level
        const src = `policy "a" {\n  action allow\n}\npolicy "b" {\n  if ${open.repeat(n)}tool is github.get_me${close.repeat(n)}\n  action block\n}\n`;
        const r = parse(src);
        expect(r.diagnostics.map((d) => d.code)).not.toContain("PDL1000");
        if (n < 10_000) { if (open !== "not (") expect(r.diagnostics.filter((d) => d.code === "PDL1005")).toEqual([]); }
        else {
          expect(r.diagnostics.map((d) => d.code)).toContain("PDL1005");
          expect(r.diagnostics.map((d) => d.code)).not.toContain("PDL1000");
          expect(r.ast.decls[0]?.kind).toBe("Policy");
        }
      }
    }
    expect(codes(`policy "x" {\n  if ${"not ".repeat(100_000)}tool is github.get_me\n  action block\n}\n`)).toContain("PDL1005");
    expect(codes(`test "x" {\n  call github.get_me ${"{a: ".repeat(5_000)}1${"}".repeat(5_000)}\n}\n`)).toContain("PDL1005");
  });

  it(`a file over ${MAX_SOURCE_CHARS} characters is PDL1004 and not parsed; at the limit it is parsed`, () => {
    expect(codes("#".repeat(MAX_SOURCE_CHARS + 1))).toEqual(["PDL1004"]);
    expect(codes("#".repeat(MAX_SOURCE_CHARS))).toEqual([]);
  });

  it(`more than ${MAX_DETECTORS} detectors, or a regex over ${MAX_DETECTOR_SOURCE} characters, is PDL2045`, () => {
    const many = Array.from({ length: MAX_DETECTORS + 2 }, (_, i) => `detector D${i} /X${i}-[0-9]{3}/ class INTERNAL`).join("\n");
    const p = checkProject([{ file: "d.policy", text: many + "\n" }], catalog);
    expect(p.diagnostics.filter((d) => d.code === "PDL2045")).toHaveLength(2);
    expect(p.detectors).toHaveLength(MAX_DETECTORS);
    const long = checkProject([{ file: "d.policy", text: `detector Long /${"a".repeat(MAX_DETECTOR_SOURCE + 1)}/ class INTERNAL\n` }], catalog);
    expect(long.diagnostics.map((d) => d.code)).toEqual(["PDL2045"]);
  });

  it(`more than ${MAX_POLICIES} policies is PDL5002`, () => {
    const one = (i: number) => `policy "p${i}" {\n  id p${i}\n  action allow\n}\n`;
    const src = Array.from({ length: MAX_POLICIES + 1 }, (_, i) => one(i)).join("");
    const p = checkProject([{ file: "many.policy", text: src }], catalog);
    const d = p.diagnostics.filter((x) => x.code === "PDL5002");
    expect(d).toHaveLength(1);
    expect(d[0]!.span.line).toBe(MAX_POLICIES * 4 + 1);
  }, 120_000);

  it("every limit is documented in docs/limits.md and every new code is registered", () => {
    const doc = readFileSync(new URL("../../docs/limits.md", import.meta.url), "utf8");
    for (const l of LIMITS) {
      expect(doc, l.name).toContain(l.name);
      expect(doc, l.name).toContain(l.value.toLocaleString("en-US"));
    }
    for (const c of ["PDL1004", "PDL1005", "PDL2045", "PDL5002"]) expect(CODE_INDEX.has(c), c).toBe(true);
  });

  it("fmt keeps a file at the nesting limit parseable (printing never adds nesting)", () => {
    const src = `policy "x" {\n  if ${"(".repeat(MAX_NESTING_DEPTH - 1)}tool is github.get_me${")".repeat(MAX_NESTING_DEPTH - 1)}\n  action block\n}\n`;
    const once = print(parse(src).ast);
    expect(parse(once).diagnostics).toEqual([]);
  });
});
