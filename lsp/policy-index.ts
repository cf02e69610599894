/**
 * Every policy and every reference to one across the project's files, from the ASTs (so that
 * policies with errors still count): ids, names, and the `by` of test expectations, resolved as
 * the test runner resolves them (id first, then name). Shared by definition, references, rename.
 */
import type * as A from "../grammar/ast.js";
import type { Span } from "../grammar/span.js";
import type { CheckedProject } from "../compiler/model.js";
import { slug } from "../compiler/check/index.js";
import { targetsOf, type Target } from "./locate.js";

export interface PolicyEntry {
  readonly file: string;
  readonly decl: A.PolicyDecl;
  readonly id: string;
  readonly idItem: A.IdItem | undefined;
}

export interface PolicyRef {
  readonly file: string;
  readonly span: Span;
  readonly quoted: boolean;
  readonly name: string;
}

export function policiesOf(project: CheckedProject): PolicyEntry[] {
  return project.files.flatMap((f) => f.ast.decls.filter((d): d is A.PolicyDecl => d.kind === "Policy").map((decl) => {
    const idItem = decl.items.find((i): i is A.IdItem => i.kind === "IdItem");
    return { file: f.file, decl, id: idItem?.value.value ?? slug(decl.name.value), idItem };
  }));
}

export function resolveRef(entries: readonly PolicyEntry[], name: string): PolicyEntry | undefined {
  return entries.find((e) => e.id === name) ?? entries.find((e) => e.decl.name.value === name);
}

/** Every `by` reference of every test in the project. */
export function refsOf(project: CheckedProject): PolicyRef[] {
  return project.files.flatMap((f) => targetsOf(f.ast).filter((t): t is Extract<Target, { kind: "policyRef" }> => t.kind === "policyRef")
    .map((t) => ({ file: f.file, span: t.span, quoted: t.quoted, name: t.name })));
}

/** The policy a target in `file` designates (its id, its name, or a reference to it). */
export function policyOfTarget(project: CheckedProject, file: string, t: Target): PolicyEntry | undefined {
  const entries = policiesOf(project);
  if (t.kind === "policyRef") return resolveRef(entries, t.name);
  if (t.kind === "policyId" || t.kind === "policyName") return entries.find((e) => e.file === file && e.decl.span.start === t.policy.span.start);
  return undefined;
}

/** References to a policy: `by` steps that resolve to it. */
export function referencesTo(project: CheckedProject, entry: PolicyEntry): PolicyRef[] {
  const entries = policiesOf(project);
  return refsOf(project).filter((r) => {
    const e = resolveRef(entries, r.name);
    return e !== undefined && e.file === entry.file && e.decl.span.start === entry.decl.span.start;
  });
}
