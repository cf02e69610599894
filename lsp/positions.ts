/**
 * Position conversions between the compiler's spans (1-based line/column, UTF-16 offsets) and
 * LSP ranges (0-based line/character, UTF-16), and between file paths and URIs.
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Position, Range } from "vscode-languageserver";
import type { Span } from "../grammar/span.js";

/** The LSP range of a span. */
export function toRange(span: Span): Range {
  return {
    start: { line: Math.max(0, span.line - 1), character: Math.max(0, span.column - 1) },
    end: { line: Math.max(0, span.endLine - 1), character: Math.max(0, span.endColumn - 1) },
  };
}

/** Whether an offset lies inside a span (both ends included, so a cursor after a word counts). */
export function spanHas(span: Span, offset: number): boolean {
  return span.start <= offset && offset <= span.end;
}

export function comparePositions(a: Position, b: Position): number {
  return a.line - b.line || a.character - b.character;
}

/** A `file:` URI → absolute path (undefined for other schemes). */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith("file:")) return undefined;
  try { return fileURLToPath(uri); } catch { return undefined; }
}

export function pathToUri(path: string): string {
  return pathToFileURL(path).href;
}
