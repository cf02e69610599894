import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { parse, print } from "../../grammar/index.js";
import { exportDocument } from "../../importers/export-json.js";
import { asDrafts, importDocument, importParsed } from "../../importers/import-json.js";
import type { ExportDoc } from "../../importers/export-types.js";
import { schemaValidator } from "../../compiler/json/validate.js";
import { policyFiles } from "../support/files.js";
import { policySource } from "../support/generators.js";
import { projectSource } from "../support/generators-extended.js";

const fmt = (text: string, file = "x.policy") => print(parse(text, file).ast);
const exportOf = (text: string, file = "x.policy"): ExportDoc => exportDocument([{ file, ast: parse(text, file).ast }]);

/** export → JSON text → import → fmt */
function roundTrip(text: string, file = "x.policy"): string {
  const doc = exportOf(text, file);
  const r = importDocument(JSON.stringify(doc), "export.json");
  expect(r.diagnostics).toEqual([]);
  expect(r.files).toHaveLength(1);
  return fmt(r.files[0]!.text, file);
}

describe("export → import → fmt is a fixed point", () => {
  const files = [...policyFiles("examples"), ...policyFiles("test/vscode-extension/grammar")];
  it.each(files)("%s", (f) => {
    const text = readFileSync(f, "utf8");
    expect(roundTrip(text, f)).toBe(fmt(text, f));
    expect(schemaValidator("policy-export.schema.json")(exportOf(text, f))).toBe(true);
  });

  it("keeps comments where the formatter puts them", () => {
    const src = `# header

# about A
policy "A" { # opening
  id a # the id
  # before the condition
  if integration is GitHub and (tool is create_issue or
    # inside
    operation is Delete)
  action block "no", alert "x" to "#sec" # end
  # before the brace
} # after

detector EmployeeId /EMP-[0-9]{6}/ class INTERNAL # detector
default by operation { # d
  Read: allow # r
  Write: block
}
organization {
  domains ["acme.com"] # ours
}

test "t" {
  given agent "Cursor" tenant "acme" # who
  call github.create_issue { owner: "acme", "repo": "web", n: 1.50, tags: [] }
  run "git push --force"
  discover agent "W" review_status Disallowed
  replay "s.jsonl"
  expect event 4 block by github-readonly
  expect calls to github.list_issues allow by "Name"
  expect no alert "x"
  expect sanitize [args.text]
}
# trailing
`;
    expect(roundTrip(src)).toBe(fmt(src));
    const doc = exportOf(src);
    const policy = doc.files[0]!.declarations[0]!;
    expect(policy).toMatchObject({ kind: "policy", name: "A", comments: ["# header", "", "# about A"], open: "# opening", end_comments: ["# before the brace"] });
    expect(doc.files[0]!.end_comments).toEqual(["# trailing"]);
  });

  it("keeps the blank lines the formatter keeps (one between things, none after `{` or before `}`)", () => {
    const src = ["# head", "", "", "# about A", "policy \"A\" {", "", "  # first", "  id a", "", "", "  if integration is GitHub",
      "", "  action block", "", "}", "", "", "default allow", "", "policy \"B\" { # open", "", "  id b", "  action allow", "}", "", "# tail", ""].join("\n");
    expect(roundTrip(src)).toBe(fmt(src));
    const [a, , b] = exportOf(src).files[0]!.declarations;
    expect(a).toMatchObject({ comments: ["# head", "", "# about A"], items: [{ id: "a", comments: ["# first"] }, { comments: [""] }, { comments: [""] }] });
    expect(b).toMatchObject({ open: "# open" });
    expect(b!.comments).toBeUndefined();
  });

  it("holds on generated policies (with comments sprinkled in)", () => {
    const withComments = fc.tuple(fc.oneof(policySource, projectSource.map((p) => p.source)), fc.array(fc.nat(60), { maxLength: 6 }), fc.array(fc.nat(60), { maxLength: 6 })).map(([src, trailing, own]) =>
      src.split("\n").map((l, i) => (own.includes(i) && l.trim() ? `# note ${i}\n` : "") + l + (trailing.includes(i) && l.trim() && !l.trim().startsWith("#") ? ` # c${i}` : "")).join("\n"));
    fc.assert(fc.property(withComments, (src) => {
      expect(roundTrip(src)).toBe(fmt(src));
    }), { numRuns: 200 });
  });
});

describe("import", () => {
  it("imports a copy as a draft (seed 003)", () => {
    const doc = asDrafts(exportOf('policy "A" {\n  id a\n  status active\n  action allow\n}\n\npolicy "B" {\n  action allow\n}\n'));
    const r = importParsed(doc, "x.json");
    expect(r.files[0]!.text).toBe('policy "A" {\n  id a\n  status draft\n  action allow\n}\n\npolicy "B" {\n  status draft\n  action allow\n}\n');
  });

  it("names what is wrong in a bad document (PDL5030)", () => {
    const bad = (doc: unknown) => importDocument(JSON.stringify(doc), "x.json").diagnostics.map((d) => `${d.code} ${d.message}`);
    expect(bad({ format: "policy-export/2", files: [] })[0]).toMatch(/PDL5030 \/format: must be "policy-export\/1"/);
    expect(importDocument("{", "x.json").diagnostics[0]!.message).toMatch(/not valid JSON/);
    const two = { format: "policy-export/1", files: [{ file: "a.policy", declarations: [{ kind: "policy", name: "A", items: [{ id: "a", if: { subject: "burst" } }] }] }] };
    expect(bad(two).join("\n")).toMatch(/\/files\/0\/declarations\/0\/items\/0/);
    const spaced = { format: "policy-export/1", files: [{ file: "a.policy", declarations: [{ kind: "policy", name: "A", items: [{ id: "a b" }] }] }] };
    expect(bad(spaced).join("\n")).toMatch(/id/);
    const comment = { format: "policy-export/1", files: [{ file: "a.policy", declarations: [{ kind: "policy", name: "A", items: [{ action: [{ name: "allow" }], trailing: "no hash" }] }] }] };
    expect(bad(comment).join("\n")).toMatch(/trailing/);
    const dup = { format: "policy-export/1", files: [{ file: "a.policy", declarations: [] }, { file: "a.policy", declarations: [] }] };
    expect(bad(dup)[0]).toMatch(/appears twice/);
  });
});
