/**
 * The CI output formats of `policy check` and `policy test` (`--format sarif`, `--format github`):
 * which one a flag names, and the printing, so that the commands only pick the format.
 */
import type { Diagnostic } from "../grammar/diagnostic.js";
import type { TestReport } from "../testing/index.js";
import { sarifLog } from "./sarif.js";
import { diagnosticAnnotations, testAnnotations } from "./github-annotations.js";

export type CiFormat = "sarif" | "github";

/** The CI format a `--format` value names, or undefined for the others (text, json). */
export function ciFormat(v: string | undefined): CiFormat | undefined {
  return v === "sarif" || v === "github" ? v : undefined;
}

/** Prints diagnostics in a CI format through `write` (the CLI's stdout). */
export function printDiagnosticsAs(format: CiFormat, ds: readonly Diagnostic[], write: (s: string) => void): void {
  write(format === "sarif" ? JSON.stringify(sarifLog(ds), null, 2) + "\n" : diagnosticAnnotations(ds));
}

/** The GitHub annotations of a test report's failures. */
export function testReportAnnotations(report: TestReport): string {
  return testAnnotations(report.results.flatMap((r) => r.failures.map((f) => ({ test: r.name, file: f.span.file, line: f.span.line, column: f.span.column, message: f.message }))));
}
