/** Folding ranges: every multi-line declaration, multi-line `if` and runs of comment lines. */
import { FoldingRangeKind, type FoldingRange } from "vscode-languageserver";
import type * as A from "../grammar/ast.js";

export function foldingRanges(ast: A.PolicyFile): FoldingRange[] {
  const out: FoldingRange[] = [];
  for (const d of ast.decls) {
    if (d.span.endLine > d.span.line) out.push({ startLine: d.span.line - 1, endLine: d.span.endLine - 1 });
    if (d.kind === "Policy") for (const it of d.items) if (it.span.endLine > it.span.line) out.push({ startLine: it.span.line - 1, endLine: it.span.endLine - 1 });
  }
  let run: { start: number; end: number } | undefined;
  const flush = () => { if (run && run.end > run.start) out.push({ startLine: run.start - 1, endLine: run.end - 1, kind: FoldingRangeKind.Comment }); run = undefined; };
  for (const c of ast.comments) {
    if (run && c.span.line === run.end + 1) run.end = c.span.line;
    else { flush(); run = { start: c.span.line, end: c.span.line }; }
  }
  flush();
  return out;
}
