/** The parser: never throws, reports every error, and the printer round-trips. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { parse, print, KEYWORD_WORDS } from "../../grammar/index.js";
import { policyFiles } from "../support/files.js";
import { policySource } from "../support/generators.js";
import { stripSpans } from "../support/strip.js";

const TOKENS = [...KEYWORD_WORDS, "{", "}", "[", "]", "(", ")", ",", ":", ">", "<=", "\"s\"", "\"", "42", "5m", "/re/", "GitHub", "args.x", "#c\n", "\n", " ", "policy \"p\" {", "test \"t\" {"];

describe("parse never throws", () => {
  it("on arbitrary strings", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), (s) => { parse(s, "x.policy"); }), { numRuns: 1500, seed: 1 });
  });
  it("on token soups", () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }), (ts) => {
      const r = parse(ts.join(" "), "x.policy");
      for (const d of r.diagnostics) expect(d.span.line).toBeGreaterThanOrEqual(1);
    }), { numRuns: 1500, seed: 2 });
  });
});

describe("printer", () => {
  it("parse(print(ast)) equals ast, and print is idempotent, on generated policies", () => {
    fc.assert(fc.property(policySource, (src) => {
      const a = parse(src, "g.policy");
      expect(a.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const printed = print(a.ast);
      const b = parse(printed, "g.policy");
      expect(stripSpans(b.ast)).toEqual(stripSpans(a.ast));
      expect(print(b.ast)).toBe(printed);
    }), { numRuns: 400, seed: 3 });
  });

  it("round-trips every example file and keeps every comment", () => {
    const files = policyFiles("examples");
    expect(files.length).toBeGreaterThan(2);
    for (const f of files) {
      const text = readFileSync(f, "utf8");
      const a = parse(text, f);
      expect(a.diagnostics.filter((d) => d.severity === "error"), f).toEqual([]);
      const printed = print(a.ast);
      const b = parse(printed, f);
      expect(stripSpans(b.ast), f).toEqual(stripSpans(a.ast));
      expect(print(b.ast), f).toBe(printed);
      expect(b.ast.comments.map((c) => c.text.trim()), f).toEqual(a.ast.comments.map((c) => c.text.trim()));
    }
  });

  it("keeps one blank line of the source between things, none right after `{` or before `}`", () => {
    const src = [
      "# head", "", "", "# about A", "policy \"A\" {", "", "  # first", "  id a", "", "", "  if integration is GitHub", "  # before the action",
      "", "  action block", "", "}", "", "", "", "policy \"B\" { # open", "", "  id b", "  action allow", "}", "", "# tail", "",
    ].join("\n");
    expect(print(parse(src, "t.policy").ast)).toBe([
      "# head", "", "# about A", "policy \"A\" {", "  # first", "  id a", "", "  if integration is GitHub", "  # before the action",
      "", "  action block", "}", "", "policy \"B\" { # open", "  id b", "  action allow", "}", "", "# tail", "",
    ].join("\n"));
  });
});

describe("syntax errors", () => {
  it("reports every broken policy in a file, not just the first", () => {
    const src = [
      'policy "a" {', "  if integration is", "  action block", "}",
      'policy "b" {', "  if tool = x", "  action block", "}",
      'policy "c" {', '  action block "unterminated', "}",
      'policy "d" {', "  if operation in [Write, Delete", "  action block", "}",
    ].join("\n");
    const r = parse(src, "bad.policy");
    const lines = [...new Set(r.diagnostics.filter((d) => d.severity === "error").map((d) => d.span.line))];
    expect(lines).toEqual(expect.arrayContaining([3, 6, 10, 14]));
    for (const d of r.diagnostics) {
      expect(d.code).toMatch(/^PDL1\d{3}$/);
      expect(d.message.length).toBeGreaterThan(5);
    }
    // the policies after the errors are still in the tree
    expect(r.ast.decls.map((d) => d.kind === "Policy" && d.name.value)).toEqual(expect.arrayContaining(["a", "b", "d"]));
  });

  it("points at the exact token and says what was expected", () => {
    const r = parse('policy "x" {\n  if integration is GitHub\n  action block "no"\n', "m.policy");
    const d = r.diagnostics[0]!;
    expect(d.code).toBe("PDL1010");
    expect(d.message).toContain("'}'");
    expect(d.span.line).toBe(4);
  });

  it("keeps spans as UTF-16 offsets with 1-based line and column", () => {
    const src = 'policy "é😀" {\n  action block "ü"\n}\n';
    const r = parse(src, "u.policy");
    const p = r.ast.decls[0]!;
    expect(p.kind).toBe("Policy");
    if (p.kind !== "Policy") return;
    const a = p.items[0]!;
    expect(src.slice(a.span.start, a.span.end)).toBe('action block "ü"');
    expect([a.span.line, a.span.column]).toEqual([2, 3]);
  });
});

describe("respond step", () => {
  const inTest = (steps: string) => `test "t" {\n  call github.search_code {}\n${steps}\n}\n`;
  const stepsOf = (src: string) => {
    const d = parse(src, "r.policy").ast.decls[0]!;
    return d.kind === "Test" ? d.steps : [];
  };

  it("parses cost and result in either order, and prints them back", () => {
    for (const [line, printed] of [
      ["respond", "respond"],
      ["respond cost 0.42 USD", "respond cost 0.42 USD"],
      ["respond cost 1.50 EUR result { rows: 3, ok: true }", "respond cost 1.50 EUR result { rows: 3, ok: true }"],
      ["respond result {\n    \"a b\": [1, 2] } cost 2 USD", "respond cost 2 USD result { \"a b\": [1, 2] }"],
      ["respond result {}", "respond result {}"],
    ] as const) {
      const src = inTest(`  ${line}`);
      const a = parse(src, "r.policy");
      expect(a.diagnostics, line).toEqual([]);
      const step = stepsOf(src)[1]!;
      expect(step.kind).toBe("Respond");
      const out = print(a.ast);
      expect(out, line).toContain(`  ${printed}\n`);
      const b = parse(out, "r.policy");
      expect(stripSpans(b.ast)).toEqual(stripSpans(a.ast));
      expect(print(b.ast)).toBe(out);
    }
    const s = stepsOf(inTest("  respond cost 0.42 USD result { total: 3 }"))[1]!;
    expect(s.kind === "Respond" && [s.cost?.amount.value, s.cost?.currency.value, s.result?.entries[0]?.key]).toEqual([0.42, "USD", "total"]);
  });

  it("reports a missing currency, an unknown key, a repeated key and a wrong form", () => {
    // [steps, message, line]: a missing currency is reported at the token found instead.
    const cases: [string, RegExp, number][] = [
      ["  respond cost 0.42\n  expect allow", /expected a name but found 'expect'/, 4],
      ["  respond price 3 USD", /unknown `respond` key 'price' \(use cost, result\)/, 3],
      ["  respond cost 1 USD cost 2 USD", /`cost` is given twice/, 3],
      ["  respond cost { amount: 1 }", /`cost` takes an amount and a currency/, 3],
      ["  respond result 3 USD", /`result` takes an object/, 3],
    ];
    for (const [steps, want, line] of cases) {
      const r = parse(inTest(steps), "r.policy");
      const errors = r.diagnostics.filter((d) => d.severity === "error");
      expect(errors.map((d) => d.message).join("\n"), steps).toMatch(want);
      for (const d of errors) expect(d.span.line, steps).toBe(line);
    }
  });

  it("`respond` may still stand as a bare value", () => {
    const r = parse('policy "p" {\n  if verb in [respond, reply]\n  action block\n}\n', "v.policy");
    expect(r.diagnostics).toEqual([]);
  });
});
