/**
 * Terminal-safe text: what came from an agent, an event, a recording or a source file, made inert
 * before a terminal shows it (the review screen of `policy approvals`, code frames, proxy logs,
 * replay, explain and test output). JSON output never goes through here: it stays exact.
 *
 * The rule, by Unicode general category (so it needs no list of its own to keep up to date):
 * - `Cc` control characters: C0 (incl. ESC, which starts ANSI sequences, CR, which rewinds the
 *   line, BEL, BS), DEL and C1 (incl. U+009B, the one-byte CSI);
 * - `Cf` invisible format characters: the bidi embeddings, overrides and isolates U+202A–U+202E and
 *   U+2066–U+2069, LRM/RLM, zero-width characters, soft hyphen, BOM, the tag characters U+E0000…;
 * - `Zl`/`Zp` (U+2028, U+2029), which some terminals and editors break lines at;
 * - `Cs`, a lone surrogate (not text at all).
 * Each one is replaced by a visible escape: `\n`, `\r`, `\t`, else `\u{hex}`. Everything else,
 * including every printable script and emoji, is left alone; a backslash is not doubled (an
 * escape someone typed shows as typed, and never acts).
 * INVARIANT: the result of `oneLine` contains no character of those categories, so it cannot
 * move the cursor, change colours, reorder the text around it or start a new line.
 */

const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
const UNSAFE_ALL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
const UNSAFE_KEEP_LINES = /(?![\n\t])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeOne(ch: string): string {
  return NAMED[ch] ?? `\\u{${ch.codePointAt(0)!.toString(16)}}`;
}

/** `text` as one inert line: every control, format and line-separator character escaped. */
export function oneLine(text: string): string {
  return UNSAFE.test(text) ? text.replace(UNSAFE_ALL, escapeOne) : text;
}

/**
 * `text` inert but with its line feeds and tabs kept: for text that is several lines by design
 * (a JSON document, a message whose lines we wrote). Escape values with `oneLine` before they go
 * into such text, so that a value cannot add a line of its own.
 */
export function keepLines(text: string): string {
  return UNSAFE.test(text) ? text.replace(UNSAFE_KEEP_LINES, escapeOne) : text;
}

/**
 * A source line for a code frame, escaped (tabs kept), with what goes under it: `pad`, the
 * whitespace before the caret (a tab where the source has one, so that the caret lines up), and
 * `width`, how many carets cover the 1-based column range `from`..`to` (exclusive) of the source.
 */
export function frameLine(line: string, from: number, to: number): { text: string; pad: string; width: number } {
  const before = keepLines(line.slice(0, Math.max(0, from - 1)));
  const under = keepLines(line.slice(Math.max(0, from - 1), Math.max(0, to - 1)));
  const beyond = Math.max(0, to - 1 - Math.max(line.length, from - 1));
  return { text: keepLines(line), pad: before.replace(/[^\t]/g, " "), width: Math.max(1, under.length + beyond) };
}
