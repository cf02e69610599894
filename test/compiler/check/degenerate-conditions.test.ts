/** Checker warnings for numeric session conditions that always or never hold (PDL4006) and empty windows (PDL4007). */
import { describe, expect, test } from "vitest";
import { loadCatalog } from "../../../compiler/catalog/load.js";
import { checkProject } from "../../../compiler/check/index.js";

const codes = (cond: string) => checkProject([{ file: "p.policy", text: `policy "x" {\n  id x\n  if ${cond}\n  action block\n}\n` }], loadCatalog().catalog)
  .diagnostics.map((d) => `${d.code} ${d.message}`);

describe("degenerate numeric conditions", () => {
  test.each([
    ["spend today > -5 USD", "PDL4006 spend is never negative: `> -5` always holds"],
    ["rate(5m) > -1", "PDL4006 the number of calls is never negative: `> -1` always holds"],
    ["rate(5m) >= 0", "PDL4006 the number of calls is never negative: `>= 0` always holds"],
    ["rate(1h) < 0", "PDL4006 the number of calls is never negative: `< 0` never holds"],
    ["spend today <= -1 USD", "PDL4006 spend is never negative: `<= -1` never holds"],
    ["rate(0m) > 5", "PDL4007 a window of 0m holds no calls: `rate(0m)` is always 0"],
  ])("%s", (cond, want) => {
    expect(codes(cond)).toEqual([want]);
  });

  test.each(["spend today > 50 USD", "rate(5m) > 20", "rate(5m) >= 1", "rate(1h) < 3"])("%s is fine", (cond) => {
    expect(codes(cond)).toEqual([]);
  });
});
