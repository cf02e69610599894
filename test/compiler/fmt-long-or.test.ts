/**
 * `policy fmt` breaks a long `or` over lines (one alternative per line) instead of writing one
 * line of any length; the result parses back to the same policy, formats to itself, and the lock
 * still hashes the one-line form (a reformat is never a change of an active policy).
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { parse } from "../../grammar/index.js";
import { MAX_IF_WIDTH, print, printPolicyItem } from "../../grammar/printer.js";
import type { PolicyDecl } from "../../grammar/ast.js";
import { bodyHash, policyBody } from "../../compiler/policy-body.js";

const TOOLS = ["create_issue", "update_issue", "add_issue_comment", "create_pull_request", "merge_pull_request", "push_files", "create_branch"];
const source = (alts: readonly string[]) => `policy "w" {\n  id w\n  if ${alts.join(" or ")}\n  action block\n}\n`;
const policyOf = (text: string) => parse(text, "w.policy").ast.decls[0] as PolicyDecl;

describe("fmt and a long or", () => {
  test("one alternative per line once the line is too wide; short ones stay on one line", () => {
    const long = print(parse(source(TOOLS.map((t) => `tool is github.${t}`))).ast);
    expect(long.split("\n").every((l) => l.length <= MAX_IF_WIDTH)).toBe(true);
    expect(long).toContain("  if tool is github.create_issue\n    or tool is github.update_issue\n");
    expect(print(parse(source(["tool is github.create_issue", "tool is github.push_files"])).ast)).toContain("  if tool is github.create_issue or tool is github.push_files\n");
  });

  test("property: formatted output parses back to the same policy, is stable, and hashes as before", () => {
    const alt = fc.oneof(
      fc.constantFrom(...TOOLS).map((t) => `tool is github.${t}`),
      fc.constantFrom(...TOOLS).map((t) => `(tool is github.${t} and args.owner is "acme")`),
      fc.constantFrom(...TOOLS).map((t) => `not tool is github.${t}`),
    );
    fc.assert(fc.property(fc.array(alt, { minLength: 2, maxLength: 30 }), (alts) => {
      const text = source(alts);
      const once = print(parse(text).ast);
      expect(parse(once).diagnostics).toEqual([]);
      expect(print(parse(once).ast)).toBe(once);
      const before = policyOf(text), after = policyOf(once);
      expect(after.items.map(printPolicyItem)).toEqual(before.items.map(printPolicyItem));
      expect(bodyHash(policyBody(after))).toBe(bodyHash(policyBody(before)));
    }), { numRuns: 200 });
  });
});
