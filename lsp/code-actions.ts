/**
 * Code actions: the quick fixes the checker attached to its diagnostics ("did you mean", add a
 * missing `id`, convert `deny` to `block`, qualify an ambiguous tool, …), carried in the LSP
 * diagnostic's `data`. Clients that drop `data` get the fixes of the project's diagnostics in range.
 */
import { CodeActionKind, type CodeAction, type CodeActionParams, type Diagnostic as LspDiagnostic } from "vscode-languageserver";
import type { CheckedProject } from "../compiler/model.js";
import { comparePositions } from "./positions.js";
import { toLspDiagnostic, type DiagnosticData } from "./diagnostics.js";

export function codeActions(params: CodeActionParams, project: CheckedProject | undefined, file: string, uriOf: (file: string) => string): CodeAction[] {
  if (params.context.only && !params.context.only.some((k) => k === CodeActionKind.QuickFix || CodeActionKind.QuickFix.startsWith(`${k}.`) || k === "")) return [];
  let diags: LspDiagnostic[] = params.context.diagnostics.filter((d) => (d.data as DiagnosticData | undefined)?.fixes?.length);
  if (diags.length === 0 && project) {
    const r = params.range;
    diags = project.diagnostics.filter((d) => d.span.file === file && d.fixes?.length)
      .map((d) => toLspDiagnostic(d, uriOf))
      .filter((d) => comparePositions(d.range.start, r.end) <= 0 && comparePositions(r.start, d.range.end) <= 0);
  }
  const out: CodeAction[] = [];
  for (const d of diags) {
    const fixes = (d.data as DiagnosticData).fixes;
    for (const f of fixes) {
      out.push({
        title: f.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        isPreferred: fixes.length === 1,
        edit: { changes: { [f.uri]: [{ range: f.range, newText: f.text }] } },
      });
    }
  }
  return out;
}

