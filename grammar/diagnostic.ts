/**
 * The one Diagnostic type used by the parser, the checker, the CLI and the language server.
 * Codes are registered (with docs) in `compiler/diagnostics/codes.ts`.
 */
import type { Span } from "./span.js";

export type Severity = "error" | "warning" | "info";

export interface RelatedInfo {
  readonly span: Span;
  readonly message: string;
}

/** A fix the editor can apply: replace `span` by `text`. */
export interface Fix {
  readonly title: string;
  readonly span: Span;
  readonly text: string;
}

export interface Diagnostic {
  /** `PDL1001` … 1xxx syntax, 2xxx names and types, 3xxx catalog, 4xxx lint, 5xxx lowering/bundle, 6xxx tests. */
  readonly code: string;
  readonly severity: Severity;
  readonly span: Span;
  /** What is wrong, in the user's words. */
  readonly message: string;
  /** What to do about it ("did you mean `GitHub`?"). */
  readonly hint?: string;
  readonly related?: readonly RelatedInfo[];
  /** Machine-applicable fixes (quick fixes in the editor). */
  readonly fixes?: readonly Fix[];
}

export function diag(code: string, severity: Severity, span: Span, message: string, hint?: string, extra?: { related?: RelatedInfo[]; fixes?: Fix[] }): Diagnostic {
  const d: { -readonly [K in keyof Diagnostic]: Diagnostic[K] } = { code, severity, span, message };
  if (hint !== undefined) d.hint = hint;
  if (extra?.related?.length) d.related = extra.related;
  if (extra?.fixes?.length) d.fixes = extra.fixes;
  return d;
}

/** Sorts by file, then position, then code: a stable order for output and tests. */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) =>
    a.span.file < b.span.file ? -1 : a.span.file > b.span.file ? 1 : a.span.start - b.span.start || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}
