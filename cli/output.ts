/**
 * Printing for the CLI: diagnostics with code frames (colours via picocolors, decided per run
 * from its stdout and environment: off when not a TTY or with NO_COLOR), JSON output, and the
 * exit statuses.
 */
import { colors as pc, io } from "./io.js";
import { readFileSync } from "node:fs";
import type { Diagnostic } from "../grammar/diagnostic.js";
import { LineMap } from "../grammar/span.js";
import { frameLine, oneLine } from "../compiler/terminal-safe.js";

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

/** A failure that ends the command with a message and an exit status (never a stack trace). */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT_USAGE) {
    super(message);
  }
}

export type Format = "text" | "json";

export function parseFormat(v: string | undefined): Format {
  if (v === undefined || v === "text") return "text";
  if (v === "json") return "json";
  throw new CliError(`--format must be text or json, not "${v}"`);
}

const sevColor = { error: pc.red, warning: pc.yellow, info: pc.cyan } as const;

/** Renders one diagnostic with a code frame of its source line(s). */
export function renderDiagnostic(d: Diagnostic, sources: ReadonlyMap<string, string>): string {
  const color = sevColor[d.severity];
  const out: string[] = [];
  out.push(`${color(pc.bold(`${d.severity}[${d.code}]`))}${pc.bold(`: ${oneLine(d.message)}`)}`);
  out.push(`  ${pc.blue("-->")} ${oneLine(d.span.file)}:${d.span.line}:${d.span.column}`);
  let text = sources.get(d.span.file);
  if (text === undefined && d.code !== "PDL1007") {
    try { text = readFileSync(d.span.file, "utf8"); } catch { text = undefined; }
  }
  if (text !== undefined && text.length > 0) {
    const lines = new LineMap(d.span.file, text);
    const last = Math.min(d.span.endLine, d.span.line + 2);
    const width = String(last).length;
    out.push(`${" ".repeat(width + 1)}${pc.blue("|")}`);
    for (let ln = d.span.line; ln <= last; ln++) {
      const src = lines.lineText(ln);
      const from = ln === d.span.line ? d.span.column : 1;
      const to = ln === d.span.endLine ? d.span.endColumn : src.length + 1;
      // The source line is shown escaped (an ESC in a string must not reach the terminal).
      const f = frameLine(src, from, to);
      out.push(`${pc.blue(String(ln).padStart(width))} ${pc.blue("|")} ${f.text}`);
      if (from <= src.length + 1) out.push(`${" ".repeat(width + 1)}${pc.blue("|")} ${f.pad}${color("^".repeat(f.width))}`);
    }
  }
  if (d.hint) out.push(`${" ".repeat(2)}${pc.blue("=")} ${pc.bold("hint")}: ${oneLine(d.hint)}`);
  for (const r of d.related ?? []) out.push(`  ${pc.blue("=")} note: ${oneLine(r.message)} (${oneLine(r.span.file)}:${r.span.line}:${r.span.column})`);
  return out.join("\n");
}

export function summarize(ds: readonly Diagnostic[]): { errors: number; warnings: number; infos: number } {
  return {
    errors: ds.filter((d) => d.severity === "error").length,
    warnings: ds.filter((d) => d.severity === "warning").length,
    infos: ds.filter((d) => d.severity === "info").length,
  };
}

export function printJson(v: unknown): void {
  io().stdout.write(JSON.stringify(v, null, 2) + "\n");
}

/** Diagnostics as JSON objects (the same shape the language server publishes). */
export function diagnosticJson(d: Diagnostic): Record<string, unknown> {
  return { code: d.code, severity: d.severity, file: d.span.file, line: d.span.line, column: d.span.column, endLine: d.span.endLine, endColumn: d.span.endColumn, message: d.message, ...(d.hint ? { hint: d.hint } : {}), span: d.span, ...(d.related ? { related: d.related } : {}) };
}

export { pc };
