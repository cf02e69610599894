/**
 * Versions of a policy (seed 003: "to change an Active policy, clone it"). `policy version <id>`
 * adds a draft clone after the policy, with the next version and the id `<base>-v<N>`; promotion
 * activates the draft and deprecates the version it replaces. Edits are text edits on the source,
 * so the rest of the file keeps its layout and comments.
 */
import type * as A from "../grammar/ast.js";
import { printPolicyItem, printString } from "../grammar/printer.js";
import type { CheckedPolicy, CheckedProject } from "../compiler/model.js";

export interface TextEdit {
  /** Display path of the file (as in the project). */
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** The id without a `-v<N>` suffix: the family of versions a policy belongs to. */
export function familyBase(id: string): string {
  return id.replace(/-v\d+$/, "");
}

export function familyOf(project: CheckedProject, id: string): CheckedPolicy[] {
  const base = familyBase(id);
  return project.policies.filter((p) => familyBase(p.id) === base);
}

/** Applies edits (any order, non-overlapping) to the texts of the files they name. */
export function applyEdits(texts: ReadonlyMap<string, string>, edits: readonly TextEdit[]): Map<string, string> {
  const out = new Map<string, string>();
  const byFile = new Map<string, TextEdit[]>();
  for (const e of edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  for (const [file, es] of byFile) {
    let t = texts.get(file);
    if (t === undefined) continue;
    for (const e of [...es].sort((a, b) => b.start - a.start)) t = t.slice(0, e.start) + e.text + t.slice(e.end);
    out.set(file, t);
  }
  return out;
}

/** The edit that sets a policy's status (replacing its `status` line, or adding one). */
export function statusEdit(p: CheckedPolicy, status: "draft" | "active" | "deprecated"): TextEdit {
  const it = p.ast.items.find((i): i is A.StatusItem => i.kind === "StatusItem");
  if (it) return { file: p.file, start: it.span.start, end: it.span.end, text: `status ${status}` };
  const first = p.ast.items[0]!;
  return { file: p.file, start: first.span.start, end: first.span.start, text: `status ${status}\n${" ".repeat(first.span.column - 1)}` };
}

/** The text of a draft clone of `p` with a new id and version. */
export function cloneText(p: A.PolicyDecl, id: string, version: number): string {
  const items: string[] = [];
  let hasId = false, hasStatus = false, hasVersion = false;
  for (const it of p.items) {
    if (it.kind === "IdItem") { items.push(`id ${id}`); hasId = true; }
    else if (it.kind === "StatusItem") { items.push("status draft"); hasStatus = true; }
    else if (it.kind === "VersionItem") { items.push(`version ${version}`); hasVersion = true; }
    else items.push(printPolicyItem(it));
  }
  const head: string[] = [];
  if (!hasId) head.push(`id ${id}`);
  if (!hasStatus) head.push("status draft");
  if (!hasVersion) head.push(`version ${version}`);
  const at = hasId ? items.findIndex((l) => l.startsWith("id ")) + 1 : 0;
  items.splice(at, 0, ...head);
  return [`policy ${printString(p.name.value)} {`, ...items.map((l) => `  ${l}`), "}"].join("\n");
}

export interface CloneResult {
  readonly id: string;
  readonly version: number;
  readonly file: string;
  readonly edit: TextEdit;
  readonly from: CheckedPolicy;
}

/** Plans `policy version <id>`: a draft clone with the family's next version. */
export function planClone(project: CheckedProject, id: string): CloneResult | { error: string } {
  const p = project.policies.find((x) => x.id === id);
  if (!p) return { error: `no policy has the id "${id}"` };
  const family = familyOf(project, id);
  const version = Math.max(...family.map((x) => x.version ?? 1)) + 1;
  const newId = `${familyBase(id)}-v${version}`;
  const clash = project.policies.find((x) => x.id === newId);
  if (clash) return { error: `"${newId}" already exists (${clash.file}:${clash.line}, ${clash.status}): edit that draft, or promote it first` };
  const draft = family.find((x) => x.status === "draft");
  if (draft) return { error: `"${draft.id}" is already a draft version of "${id}" (${draft.file}:${draft.line}): edit it, promote it, or delete it first` };
  const file = project.files.find((f) => f.file === p.file);
  const text = file?.text ?? "";
  const end = p.ast.span.end;
  const rest = text.slice(end);
  const restTrim = rest.replace(/^[ \t]*\n?/, "");
  const edit: TextEdit = { file: p.file, start: end, end: end + (rest.length - restTrim.length), text: `\n\n${cloneText(p.ast, newId, version)}\n${restTrim.length && !restTrim.startsWith("\n") ? "\n" : ""}` };
  return { id: newId, version, file: p.file, edit, from: p };
}
