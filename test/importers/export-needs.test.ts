/**
 * `policy export --policy X` carries what X relies on (seed 003: an exported policy means the same
 * in its new project): the organization block for `principal is external`, the detectors of the
 * classes it asks about, every detector when it sanitizes; nothing it does not use.
 */
import { describe, expect, it } from "vitest";
import { loadCatalog } from "../../compiler/catalog/load.js";
import { checkProject } from "../../compiler/check/index.js";
import { exportDocument } from "../../importers/export-json.js";
import { declarationsNeeded } from "../../importers/export-needs.js";
import { importDocument } from "../../importers/import-json.js";
import type { Decl } from "../../grammar/ast.js";

const { catalog } = loadCatalog();
const ORG = 'organization {\n  domains ["acme.com"]\n}\n\ndetector EmployeeId /EMP-[0-9]{6}/ class EMPLOYEE\n\ndetector Ticket /TCK-[0-9]{4}/ class TICKET\n';
const POLICIES = `policy "No mail outside" {
  id no-mail-outside
  if integration is Gmail
  if principal is external
  if data_class has EMPLOYEE
  action block
}

policy "Mask" {
  id mask
  if integration is Slack
  action sanitize [args.text]
}

policy "Other" {
  id other
  if integration is Linear
  action block
}
`;

/** Export the policies with these ids, import the document, and check what came back alone. */
function carry(ids: readonly string[]): { text: string; errors: string[] } {
  const project = checkProject([{ file: "org.policy", text: ORG }, { file: "p.policy", text: POLICIES }], catalog);
  expect(project.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const chosen = project.policies.filter((p) => ids.includes(p.id));
  const keep = new Set<Decl>([...chosen.map((p) => p.ast), ...declarationsNeeded(project, chosen)]);
  const doc = exportDocument(project.files, { keep: (d) => keep.has(d) });
  const back = importDocument(JSON.stringify(doc), "x.json");
  expect(back.diagnostics).toEqual([]);
  const again = checkProject(back.files.map((f) => ({ file: f.file, text: f.text })), catalog);
  return { text: back.files.map((f) => f.text).join("\n"), errors: again.diagnostics.filter((d) => d.severity === "error").map((d) => d.message) };
}

describe("export --policy carries what the policy needs", () => {
  it("the organization block and the detector of the class it asks about, not the others", () => {
    const r = carry(["no-mail-outside"]);
    expect(r.errors).toEqual([]);
    expect(r.text).toContain('domains ["acme.com"]');
    expect(r.text).toContain("detector EmployeeId");
    expect(r.text).not.toContain("detector Ticket");
    expect(r.text).not.toContain('"Other"');
  });

  it("a sanitizing policy carries every detector (they decide what is masked), and no organization", () => {
    const r = carry(["mask"]);
    expect(r.text).toContain("detector EmployeeId");
    expect(r.text).toContain("detector Ticket");
    expect(r.text).not.toContain("organization");
  });

  it("a policy that needs nothing carries nothing else", () => {
    const r = carry(["other"]);
    expect(r.text).not.toContain("organization");
    expect(r.text).not.toContain("detector");
  });
});
