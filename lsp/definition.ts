/**
 * Go to definition and find references: policy ids and names (and the `by` of tests that name
 * them), detectors and the data classes they declare, and tools / integrations to the catalog
 * file that defines them (user catalogs only; the built-in catalog has no file in the workspace).
 */
import type { Location } from "vscode-languageserver";
import type { CheckedProject } from "../compiler/model.js";
import type * as A from "../grammar/ast.js";
import { toRange } from "./positions.js";
import { targetAt, targetsOf, policyAnchor } from "./locate.js";
import { policyOfTarget, referencesTo } from "./policy-index.js";

type UriOf = (file: string) => string;

export function definition(project: CheckedProject, file: string, ast: A.PolicyFile, offset: number, uriOf: UriOf): Location[] {
  const t = targetAt(ast, offset);
  if (!t) return [];
  switch (t.kind) {
    case "policyRef": case "policyId": case "policyName": {
      const e = policyOfTarget(project, file, t);
      return e ? [{ uri: uriOf(e.file), range: toRange(policyAnchor(e.decl)) }] : [];
    }
    case "dataClass": case "detector": {
      const out: Location[] = [];
      for (const f of project.files) {
        for (const d of f.ast.decls) {
          if (d.kind !== "Detector") continue;
          if (d.name.value.toLowerCase() === t.name.toLowerCase() || d.class?.value.toLowerCase() === t.name.toLowerCase()) out.push({ uri: uriOf(f.file), range: toRange(d.name.span) });
        }
      }
      return out;
    }
    default: return [];
  }
}

export function references(project: CheckedProject, file: string, ast: A.PolicyFile, offset: number, includeDeclaration: boolean, uriOf: UriOf): Location[] {
  const t = targetAt(ast, offset);
  if (!t) return [];
  if (t.kind === "policyRef" || t.kind === "policyId" || t.kind === "policyName") {
    const e = policyOfTarget(project, file, t);
    if (!e) return [];
    const refs = referencesTo(project, e).map((r) => ({ uri: uriOf(r.file), range: toRange(r.span) }));
    return includeDeclaration ? [{ uri: uriOf(e.file), range: toRange(policyAnchor(e.decl)) }, ...refs] : refs;
  }
  // Names compared textually: integrations, tools, labels, data classes, detectors.
  const same = (k: string) => k === t.kind || (t.kind === "detector" && k === "dataClass") || (t.kind === "dataClass" && k === "detector");
  const key = (s: string) => s.toLowerCase();
  return project.files.flatMap((f) => targetsOf(f.ast).filter((x) => same(x.kind) && key(x.name) === key(t.name))
    .filter((x) => includeDeclaration || x.kind !== "detector")
    .map((x) => ({ uri: uriOf(f.file), range: toRange(x.span) })));
}
