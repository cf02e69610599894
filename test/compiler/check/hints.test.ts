/** Hints that help: tool names ranked and completed, an integration named as a tool, keyword typos. */
import { describe, expect, test } from "vitest";
import { loadCatalog } from "../../../compiler/catalog/load.js";
import { checkProject } from "../../../compiler/check/index.js";
import { parse } from "../../../grammar/index.js";

const hints = (cond: string) => checkProject([{ file: "p.policy", text: `policy "x" {\n  id x\n  if ${cond}\n  action block\n}\n` }], loadCatalog().catalog)
  .diagnostics.map((d) => `${d.code} ${d.message} | ${d.hint}`);

describe("tool names", () => {
  test("an integration written as a tool says so, with its own tools", () => {
    expect(hints("tool is github")).toEqual([expect.stringMatching(/^PDL2002 "github" is an integration, not a tool \| write `if integration is GitHub`, or name one of its tools \(`github\.[a-z_]+`/)]);
  });

  test("a half-typed name is completed, inside or outside an integration", () => {
    expect(hints("tool is delete_repo")).toEqual(["PDL2002 unknown tool \"delete_repo\" | did you mean `delete_repository`?"]);
    expect(hints("integration is GitHub and tool is delete_repo")).toEqual(["PDL2002 no tool \"delete_repo\" in github | did you mean `delete_repository`?"]);
  });

  test("a long list of candidates is ranked by distance, not cut at its first entries", () => {
    const [h] = hints("integration is GitHub and tool is remove_labelz_from_everything");
    expect(h).toMatch(/closest: /);
    expect(h).not.toContain("expected one of");
  });
});

describe("keyword typos", () => {
  test.each([
    ['policy "x" {\n  acton block\n}\n', "did you mean `action`?"],
    ['polcy "x" {\n  action block\n}\n', "did you mean `policy`?"],
  ])("%j", (text, hint) => {
    expect(parse(text, "p.policy").diagnostics[0]).toMatchObject({ code: "PDL1010", hint });
  });
});
