/**
 * Formatting with the printer (`policy fmt`): one edit that replaces the whole document, only
 * when the file parses without errors (a half-typed file is left alone). Range formatting
 * formats the whole document too: printing is cheap and the printer works on whole files.
 */
import type { TextEdit } from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { print, type ParseResult } from "../grammar/index.js";

export function format(doc: TextDocument, parsed: ParseResult): TextEdit[] {
  if (parsed.diagnostics.some((d) => d.severity === "error")) return [];
  const text = doc.getText();
  const out = print(parsed.ast);
  if (out === text) return [];
  return [{ range: { start: { line: 0, character: 0 }, end: doc.positionAt(text.length) }, newText: out }];
}
