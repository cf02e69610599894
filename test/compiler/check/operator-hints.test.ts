/**
 * A condition without an operator gets a hint with operators its subject takes: following the
 * hint never leads to another error (it used to suggest `contains any [...]` for `args.x`,
 * which is PDL2006).
 */
import { describe, expect, test } from "vitest";
import { loadCatalog } from "../../../compiler/catalog/load.js";
import { checkProject } from "../../../compiler/check/index.js";

const { catalog } = loadCatalog();
const check = (cond: string) => checkProject([{ file: "p.policy", text: `policy "x" {\n  id x\n  if integration is GitHub\n  if tool is create_issue\n  if ${cond}\n  action block\n}\n` }], catalog).diagnostics;

describe("PDL1010 hints for a condition without an operator", () => {
  test.each([
    ["args.title", "args.title is \"v\""],
    ["body", "body contains any [\"x\"]"],
    ["data_class", "data_class has SECRETS"],
    ["tool", "tool matches \"create_*\""],
    ["rate(5m)", "rate(5m) > 20"],
    ["principal", "principal is external"],
  ])("`%s`: the hint names operators that are accepted", (cond, fixed) => {
    const ds = check(cond);
    expect(ds.map((d) => d.code)).toEqual(["PDL1010"]);
    expect(ds[0]!.hint).not.toContain("contains any [...]`, `> 10");
    expect(check(fixed).filter((d) => d.severity === "error")).toEqual([]);
  });

  test("the hint for args.x does not offer `contains any`", () => {
    const hint = check("args.title")[0]!.hint!;
    expect(hint).toContain("`args.title matches \"…\"`");
    expect(hint).not.toContain("contains any");
    expect(check("args.title contains any [\"a\"]").map((d) => d.code)).toContain("PDL2006");
  });
});
