/**
 * What one policy needs from the rest of its project to mean the same elsewhere, for `policy
 * export --policy X`: the `organization` block when it asks `principal is external` (without it,
 * nobody is external), and the custom `detector`s of the classes it asks about (`data_class has
 * EMPLOYEE`) or that its `sanitize` masks with (every detector counts there).
 */
import type * as A from "../grammar/ast.js";
import type { CExpr, CheckedPolicy, CheckedProject } from "../compiler/model.js";

/** Every condition node of an expression (and of a `rate(…)` filter). */
function walk(e: CExpr, visit: (e: CExpr) => void): void {
  visit(e);
  if (e.k === "and" || e.k === "or") for (const x of e.items) walk(x, visit);
  else if (e.k === "not") walk(e.x, visit);
  else if (e.k === "rate" && e.filter) walk(e.filter, visit);
}

/** The declarations (organization, detectors) the given policies rely on. */
export function declarationsNeeded(project: CheckedProject, policies: readonly CheckedPolicy[]): Set<A.Decl> {
  let organization = false;
  let allDetectors = false;
  const classes = new Set<string>();
  for (const p of policies) {
    if (p.sanitize.length) allDetectors = true;
    for (const i of p.ifs) walk(i.expr, (e) => {
      if (e.k === "principal_external") organization = true;
      else if (e.k === "data_class") for (const c of e.classes) classes.add(c.toUpperCase());
    });
  }
  const out = new Set<A.Decl>();
  for (const f of project.files) for (const d of f.ast.decls) {
    if (d.kind === "Organization" && organization) out.add(d);
    if (d.kind === "Detector" && (allDetectors || classes.has((d.class?.value ?? "INTERNAL").toUpperCase()))) out.add(d);
  }
  return out;
}
