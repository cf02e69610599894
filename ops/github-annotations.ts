/**
 * `--format github`: GitHub Actions workflow commands (`::error file=…,line=…::message`), so that
 * `policy check` diagnostics and `policy test` failures show up inline on the pull request.
 * Messages quote source files and recorded events: each is made one inert line (`oneLine`), then
 * escaped as the runner expects (`%`, CR, LF in the message; also `:` and `,` in properties), so
 * that nothing in a policy file can start a workflow command of its own (`::add-mask::`, `::stop-commands::`).
 */
import type { Diagnostic, Severity } from "../grammar/diagnostic.js";
import { oneLine } from "../compiler/terminal-safe.js";

const COMMAND: Record<Severity, "error" | "warning" | "notice"> = { error: "error", warning: "warning", info: "notice" };

function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

export interface Annotation {
  readonly level: "error" | "warning" | "notice";
  readonly file: string;
  readonly line: number;
  readonly column?: number;
  readonly endLine?: number;
  readonly endColumn?: number;
  readonly title: string;
  readonly message: string;
}

/** One workflow command line (with its newline). */
export function annotation(a: Annotation): string {
  const props = [
    `file=${escapeProperty(oneLine(a.file))}`, `line=${a.line}`,
    ...(a.column !== undefined ? [`col=${a.column}`] : []),
    ...(a.endLine !== undefined ? [`endLine=${a.endLine}`] : []),
    ...(a.endColumn !== undefined ? [`endColumn=${a.endColumn}`] : []),
    `title=${escapeProperty(oneLine(a.title))}`,
  ];
  return `::${a.level} ${props.join(",")}::${escapeData(oneLine(a.message))}\n`;
}

/** The annotations of diagnostics (`policy check --format github`). */
export function diagnosticAnnotations(ds: readonly Diagnostic[]): string {
  return ds.map((d) => annotation({
    level: COMMAND[d.severity], file: d.span.file, line: d.span.line, column: d.span.column,
    ...(d.span.endLine === d.span.line ? { endColumn: d.span.endColumn } : { endLine: d.span.endLine }),
    title: d.code, message: d.hint ? `${d.message} (hint: ${d.hint})` : d.message,
  })).join("");
}

/** A failed `policy test` expectation. */
export interface TestFailureAnnotation {
  readonly test: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** The annotations of failed tests (`policy test --format github`). */
export function testAnnotations(fs: readonly TestFailureAnnotation[]): string {
  return fs.map((f) => annotation({ level: "error", file: f.file, line: f.line, column: f.column, title: `policy test: ${f.test}`, message: f.message })).join("");
}
