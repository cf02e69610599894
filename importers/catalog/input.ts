/**
 * Reading input documents: JSON or YAML text into a value, with syntax errors as values.
 */
import { readFile } from "node:fs/promises";
import { parse as parseYaml, YAMLParseError } from "yaml";
import type { ImportError } from "./result.js";

/** Parse JSON (tried first when the text starts with `{` or `[`) or YAML. */
export function parseDocument(text: string, file?: string):
  { ok: true; value: unknown } | { ok: false; errors: ImportError[] } {
  const where = file === undefined ? {} : { file };
  const trimmed = text.trimStart();
  const looksJson = trimmed.startsWith("{") || trimmed.startsWith("[") || /\.json$/i.test(file ?? "");
  if (looksJson) {
    try {
      return { ok: true, value: JSON.parse(text) as unknown };
    } catch (e) {
      if (/\.json$/i.test(file ?? "")) {
        return { ok: false, errors: [{ code: "bad-syntax", pointer: "", ...where,
          message: `not valid JSON: ${(e as Error).message}` }] };
      }
    }
  }
  try {
    return { ok: true, value: parseYaml(text, { maxAliasCount: 10_000 }) as unknown };
  } catch (e) {
    const pos = e instanceof YAMLParseError && e.linePos !== undefined
      ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : "";
    return { ok: false, errors: [{ code: "bad-syntax", pointer: "", ...where,
      message: `not valid JSON or YAML${pos}: ${(e as Error).message.split("\n")[0]}` }] };
  }
}

/** Read and parse a file; an unreadable file is an `unreadable-input` error. */
export async function readDocument(file: string):
  Promise<{ ok: true; value: unknown } | { ok: false; errors: ImportError[] }> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    return { ok: false, errors: [{ code: "unreadable-input", pointer: "", file,
      message: `cannot read ${file}: ${(e as Error).message}` }] };
  }
  return parseDocument(text, file);
}
