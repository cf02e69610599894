/**
 * Rename a policy across the workspace: its id (the `id` line, or a new one when the id came
 * from the name) and every test `by` that names it by id; or its name, with the `by "…"` that
 * name it by name (the old slug is pinned as an `id` so that id references keep working).
 */
import type { Range, TextEdit, WorkspaceEdit } from "vscode-languageserver";
import type { CheckedProject } from "../compiler/model.js";
import { isKeyword } from "../compiler/editor-support.js";
import type * as A from "../grammar/ast.js";
import { toRange } from "./positions.js";
import { targetAt } from "./locate.js";
import { policyOfTarget, referencesTo, type PolicyEntry } from "./policy-index.js";

type UriOf = (file: string) => string;
const ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;

interface RenameSite { readonly entry: PolicyEntry; readonly what: "id" | "name"; readonly range: Range; readonly placeholder: string }

function site(project: CheckedProject, file: string, ast: A.PolicyFile, offset: number): RenameSite | undefined {
  const t = targetAt(ast, offset);
  if (!t || (t.kind !== "policyId" && t.kind !== "policyName" && t.kind !== "policyRef")) return undefined;
  const entry = policyOfTarget(project, file, t);
  if (!entry) return undefined;
  const what = t.kind === "policyId" ? "id" : t.kind === "policyName" ? "name" : t.name === entry.id ? "id" : "name";
  const inner = t.kind === "policyName" || (t.kind === "policyRef" && t.quoted)
    ? { ...t.span, start: t.span.start + 1, end: t.span.end - 1, column: t.span.column + 1, endColumn: t.span.endColumn - 1 } : t.span;
  return { entry, what, range: toRange(inner), placeholder: what === "id" ? entry.id : entry.decl.name.value };
}

export function prepareRename(project: CheckedProject, file: string, ast: A.PolicyFile, offset: number): { range: Range; placeholder: string } | null {
  const s = site(project, file, ast, offset);
  return s ? { range: s.range, placeholder: s.placeholder } : null;
}

export function rename(project: CheckedProject, file: string, ast: A.PolicyFile, offset: number, newName: string, uriOf: UriOf): WorkspaceEdit | { error: string } | null {
  const s = site(project, file, ast, offset);
  if (!s) return null;
  const { entry } = s;
  const changes: Record<string, TextEdit[]> = {};
  const add = (f: string, e: TextEdit) => (changes[uriOf(f)] ??= []).push(e);
  const refs = referencesTo(project, entry);
  const firstItem = entry.decl.items[0];
  const insertId = (id: string) => {
    const at = firstItem ? toRange(firstItem.span).start : toRange(entry.decl.name.span).end;
    add(entry.file, { range: { start: at, end: at }, newText: firstItem ? `id ${id}\n  ` : ` id ${id}` });
  };
  if (s.what === "id") {
    if (!ID.test(newName) || isKeyword(newName)) return { error: `"${newName}" is not a valid policy id (letters, digits, _ and -, not a keyword)` };
    if (entry.idItem) add(entry.file, { range: toRange(entry.idItem.value.span), newText: newName });
    else insertId(newName);
    for (const r of refs) if (r.name === entry.id) add(r.file, { range: toRange(r.span), newText: r.quoted ? JSON.stringify(newName) : newName });
  } else {
    if (!newName.trim()) return { error: "a policy name cannot be empty" };
    add(entry.file, { range: toRange(entry.decl.name.span), newText: JSON.stringify(newName) });
    if (!entry.idItem) insertId(entry.id);
    for (const r of refs) if (r.name !== entry.id) add(r.file, { range: toRange(r.span), newText: JSON.stringify(newName) });
  }
  return { changes };
}
