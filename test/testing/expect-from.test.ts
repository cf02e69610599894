/** `expect require_approval from [technician, manager]`: parsed, printed back, and checked against the decision's approvers. */
import { describe, expect, test } from "vitest";
import { loadCatalog } from "../../compiler/catalog/load.js";
import { checkProject } from "../../compiler/check/index.js";
import { buildBundle } from "../../compiler/emit/index.js";
import { runTests } from "../../testing/index.js";
import { parse, print } from "../../grammar/index.js";

const source = (from: string) => `policy "Two approvers" {
  id two
  if tool is github.merge_pull_request
  action require_approval from [technician, manager]
}

test "t" {
  call github.merge_pull_request { owner: "a", repo: "b", pullNumber: 1 }
  expect require_approval by two from ${from}
}
`;

function failures(text: string): string[] {
  const project = checkProject([{ file: "p.policy", text }], loadCatalog().catalog);
  expect(project.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return runTests(project, buildBundle(project), { snapshots: "off" }).results.flatMap((r) => r.failures.map((f) => f.message));
}

describe("expect … from [approvers]", () => {
  test("holds when the decision names exactly those approvers, in any order", () => {
    expect(failures(source("[manager, technician]"))).toEqual([]);
  });

  test("fails naming the approvers the decision has", () => {
    expect(failures(source("[manager]"))).toEqual([expect.stringContaining("expected approvers [manager], got [manager, technician]")]);
  });

  test("is printed back as written", () => {
    const text = source("[technician, manager]");
    expect(print(parse(text, "p.policy").ast)).toContain("expect require_approval by two from [technician, manager]");
  });
});
