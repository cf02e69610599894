/**
 * PDL4023: a policy restricting a command's catch-all tool (`tool is git.push`) is told which
 * stricter forms of the command the catalog maps to other tools (`git push --force` →
 * git.push_force), unless it names them or another policy of its scope restricts them as much.
 */
import { describe, expect, test } from "vitest";
import { loadCatalog } from "../../../compiler/catalog/load.js";
import { checkProject } from "../../../compiler/check/index.js";

const catalog = loadCatalog().catalog;
const warnings = (text: string) => checkProject([{ file: "p.policy", text }], catalog).diagnostics.filter((d) => d.code === "PDL4023").map((d) => d.message);
const pol = (id: string, cond: string, action: string, extra = "") => `policy "${id}" {\n  id ${id}\n${extra}  if ${cond}\n  action ${action}\n}\n`;

describe("stricter forms of a command (PDL4023)", () => {
  test("blocking git.push names the forced and deleting pushes it does not decide", () => {
    expect(warnings(pol("no-push", "tool is git.push", "block"))).toEqual([
      '"no-push" blocks git.push but not the stricter forms of the same command, which the catalog maps to other tools: git.push_force (`git push -f`), git.push_delete (`git push -d`)',
    ]);
    expect(warnings(pol("hold-reset", "tool is git.reset", "require_approval"))).toEqual([expect.stringContaining("git.reset_hard")]);
  });

  test("no warning when the policy names them, when another policy of its scope restricts them as much, or for an allow", () => {
    expect(warnings(pol("no-push", "tool in [git.push, git.push_force, git.push_delete]", "block"))).toEqual([]);
    expect(warnings(pol("no-push", "tool is git.push", "require_approval") + pol("no-force", "tool in [git.push_force, git.push_delete]", "block"))).toEqual([]);
    expect(warnings(pol("ok-push", "tool is git.push", "allow"))).toEqual([]);
  });

  test("a weaker or narrower-scoped rival does not count as covering", () => {
    expect(warnings(pol("no-push", "tool is git.push", "block") + pol("hold-force", "tool in [git.push_force, git.push_delete]", "require_approval"))).toHaveLength(1);
    expect(warnings(pol("no-push", "tool is git.push", "block") + pol("no-force", "tool in [git.push_force, git.push_delete]", "block", '  scope agent "Cursor"\n'))).toHaveLength(1);
  });

  test("a sibling form is not a stricter form of another sibling (force-push vs delete-push)", () => {
    expect(warnings(pol("no-force", "tool is git.push_force", "block"))).toEqual([]);
  });
});
