/**
 * Approvers in the project: `policy.config.json` → `approvers` (schema-checked), shipped in the
 * bundle sorted (byte-reproducible, covered by the revision and the runtime's bundle check), and
 * a `from [role]` that nobody holds is an error (PDL2073), so no project builds an approval nobody
 * can give.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { loadProject } from "../../compiler/project.js";
import { buildBundle, serializeBundle, validateBundle } from "../../compiler/emit/index.js";
import { bundleProblem } from "../../runtime/bundle-check.js";

const work = mkdtempSync(path.join(tmpdir(), "approvers-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SOURCE = `
policy "Deleting a repo needs a technician and a manager" {
  if tool is github.delete_repository
  action require_approval "needs approval" from [technician, manager]
}
`;

function project(name: string, config: unknown, source = SOURCE) {
  const dir = path.join(work, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "policy.config.json"), JSON.stringify(config));
  writeFileSync(path.join(dir, "p.policy"), source);
  return loadProject([dir], { cwd: dir }).project;
}

describe("approvers in policy.config.json", () => {
  test("shipped in the bundle, sorted; the same roster in another order gives the same bytes", () => {
    const a = project("a", { approvers: { technician: ["bob", "alice"], manager: ["carol"] } });
    const b = project("b", { approvers: { manager: ["carol"], technician: ["bob", "alice"] } });
    expect(a.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const ba = buildBundle(a);
    expect(ba.approvers).toEqual({ manager: ["carol"], technician: ["alice", "bob"] });
    expect(serializeBundle(ba) === serializeBundle(buildBundle(b))).toBe(true);
    expect(validateBundle(ba)).toEqual([]);
    expect(bundleProblem(ba)).toBeUndefined();
    // The roster is content: another roster, another revision.
    const c = buildBundle(project("c", { approvers: { technician: ["alice"], manager: ["carol", "dave"] } }));
    expect(c.revision).not.toBe(ba.revision);
    expect(bundleProblem({ ...ba, approvers: { manager: "carol" } })).toMatch(/approvers: malformed/);
  });

  test("a role nobody holds is PDL2073 at the role in `from`; no roster at all is not checked", () => {
    const p = project("d", { approvers: { technician: ["alice"], manager: [] } });
    const errs = p.diagnostics.filter((d) => d.code === "PDL2073");
    expect(errs).toHaveLength(1);
    expect(errs[0]!.message).toBe('nobody holds the role "manager", so nobody can give this approval');
    expect(SOURCE.slice(errs[0]!.span.start, errs[0]!.span.end)).toBe("manager");
    const any = project("e", { approvers: { technician: [] } }, SOURCE.replace(" from [technician, manager]", ""));
    expect(any.diagnostics.map((d) => d.code)).toContain("PDL2073");
    expect(project("f", {}).diagnostics.filter((d) => d.code === "PDL2073")).toEqual([]);
  });

  test("a malformed roster is PDL3003 with the config file as location", () => {
    const p = project("g", { approvers: { technician: "alice" } });
    const d = p.diagnostics.find((x) => x.code === "PDL3003");
    expect(d?.span.file).toMatch(/policy\.config\.json$/);
  });
});
