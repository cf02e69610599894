/**
 * Input bytes → text, for every file the toolchain reads (`.policy` sources, catalogs, the project
 * config, session files): UTF-8 only, a leading BOM accepted and dropped. Bytes that are not UTF-8
 * are one problem naming the line, the byte and its value; a file with a NUL byte is binary, one
 * problem too. Nothing is decoded with U+FFFD in place of what the user wrote, so a Latin-1
 * `"résumé"` can never check clean and then silently fail to match.
 */
import { readFileSync } from "node:fs";
import type { Diagnostic } from "../grammar/diagnostic.js";
import { diagnostic } from "./diagnostics/codes.js";
import { LineMap } from "../grammar/span.js";

/** What is wrong with the bytes of a file. */
export interface TextProblem {
  /** A NUL byte: the file is binary, not text in another encoding. */
  readonly binary: boolean;
  /** 1-based line of the offending byte. */
  readonly line: number;
  /** 1-based byte position of the offending byte within its line. */
  readonly byte: number;
  /** The offending byte's value. */
  readonly value: number;
  /** UTF-16 offset of the offending byte in the text decoded up to it (for a span). */
  readonly offset: number;
  /** `line 3, byte 7 (0xE9) is not UTF-8` and the like. */
  readonly message: string;
  readonly hint: string;
}

export type Decoded = { readonly text: string } | { readonly problem: TextProblem };

const hex = (b: number): string => `0x${b.toString(16).toUpperCase().padStart(2, "0")}`;

function decodes(bytes: Uint8Array, stream: boolean): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes, { stream });
    return true;
  } catch {
    return false;
  }
}

/** Offset of the first byte of the first sequence that is not UTF-8 (the bytes are known to be bad). */
export function firstBadByte(bytes: Uint8Array): number {
  // The smallest prefix a streaming decoder rejects ends at the byte that made the sequence bad;
  // when none is rejected, the bad sequence is an incomplete one at the end.
  let lo = 0, hi = bytes.length;
  if (decodes(bytes, true)) {
    lo = hi;
  } else {
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (decodes(bytes.subarray(0, mid + 1), true)) lo = mid + 1;
      else hi = mid;
    }
    lo++;
  }
  // The bad sequence starts where the text before it last decodes completely.
  for (let j = lo - 1; j > Math.max(-1, lo - 5); j--) if (decodes(bytes.subarray(0, j), false)) return j;
  return Math.max(0, lo - 1);
}

function locate(bytes: Uint8Array, at: number): { line: number; byte: number; offset: number } {
  let line = 1, start = 0;
  for (let i = bytes.indexOf(10); i >= 0 && i < at; i = bytes.indexOf(10, i + 1)) { line++; start = i + 1; }
  const offset = new TextDecoder("utf-8").decode(bytes.subarray(0, at)).length;
  return { line, byte: at - start + 1, offset };
}

/** Decodes UTF-8 text (BOM dropped); anything else is a problem, never a lossy decode. */
export function decodeUtf8(bytes: Uint8Array): Decoded {
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const where = locate(bytes, nul);
    return { problem: { binary: true, value: 0, ...where,
      message: `a binary file, not text: a NUL byte at line ${where.line}, byte ${where.byte}`,
      hint: "only UTF-8 text files are read: check that the path names the file you meant" } };
  }
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    const at = firstBadByte(bytes);
    const where = locate(bytes, at);
    return { problem: { binary: false, value: bytes[at] ?? 0, ...where,
      message: `not UTF-8 text: line ${where.line}, byte ${where.byte} (${hex(bytes[at] ?? 0)}) is not valid UTF-8`,
      hint: "save the file as UTF-8 (for a Latin-1 file: `iconv -f latin1 -t utf-8 in > out`)" } };
  }
}

/** Reads a file as UTF-8 text. Throws (like `readFileSync`) only when the file cannot be read. */
export function readTextFile(path: string): Decoded {
  return decodeUtf8(readFileSync(path));
}

/**
 * The diagnostic of a text problem in `file` (PDL1006 not UTF-8, PDL1007 binary), with a span at
 * the offending byte. `bytes` gives the span a line to point at; without it the span is the start.
 */
export function textDiagnostic(file: string, problem: TextProblem, bytes?: Uint8Array): Diagnostic {
  const text = bytes === undefined || problem.binary ? "" : new TextDecoder("utf-8").decode(bytes);
  const span = new LineMap(file, text).span(problem.offset, Math.min(text.length, problem.offset + 1));
  return diagnostic(problem.binary ? "PDL1007" : "PDL1006", span, `${file}: ${problem.message}`, problem.hint);
}

/** Reads a file for the compiler: its text, or the one diagnostic that says why it is not text. */
export function readSourceFile(path: string, display: string): { text: string } | { diagnostic: Diagnostic } {
  const bytes = readFileSync(path);
  const d = decodeUtf8(bytes);
  return "text" in d ? d : { diagnostic: textDiagnostic(display, d.problem, bytes) };
}
