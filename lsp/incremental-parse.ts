/**
 * Re-parsing after an edit without re-reading the whole file: the declarations before and after
 * the edited region are kept from the previous parse (those after it moved by the edit's length
 * and line count), and only the declarations the edit touches are parsed again.
 * INVARIANT: the result equals `parse(text, file)` (tested against it on random edits). Whenever
 * that cannot be shown cheaply — the previous parse had diagnostics, the edited region does not
 * parse cleanly (unless it runs to the end of the file), the file is over the size limit — this
 * falls back to a full parse. Declarations are cut only at line starts, where no token can
 * straddle the cut (strings, regexes and comments end at the end of their line).
 * The declarations after the edit are the same objects when the edit kept the length, else moved
 * copies, each recorded with where it came from (`movedFrom`), so that their check can be moved too.
 */
import { parse, type ParseResult, LineMap, type Span } from "../grammar/index.js";
import type * as A from "../grammar/ast.js";
import { MAX_SOURCE_CHARS } from "../grammar/limits.js";
import type { DeclMove } from "../compiler/check/index.js";

/** The last parse of a file, with the text it parsed. */
export interface ParsedText {
  readonly text: string;
  readonly result: ParseResult;
}

export function reparse(prev: ParsedText | undefined, text: string, file: string): ParseResult {
  if (!prev || prev.text === text) return prev && prev.result.ast.file === file ? prev.result : parse(text, file);
  let r: ParseResult | undefined;
  try { r = incremental(prev, text, file); } catch { r = undefined; } // INVARIANT: not reached; a bug here costs only speed
  return r ?? parse(text, file);
}

/** Starts a line (offset 0 or right after a line break). */
function atLineStart(text: string, at: number): boolean {
  if (at === 0) return true;
  const c = text.charCodeAt(at - 1);
  return c === 10 || (c === 13 && text.charCodeAt(at) !== 10);
}

function incremental(prev: ParsedText, text: string, file: string): ParseResult | undefined {
  const old = prev.text;
  const { ast } = prev.result;
  if (prev.result.diagnostics.length || ast.file !== file || text.length > MAX_SOURCE_CHARS || old.length > MAX_SOURCE_CHARS) return undefined;
  // The edited region: old [p, old.length - s) became new [p, text.length - s).
  const max = Math.min(old.length, text.length);
  let p = 0;
  while (p < max && old.charCodeAt(p) === text.charCodeAt(p)) p++;
  let s = 0;
  while (s < max - p && old.charCodeAt(old.length - 1 - s) === text.charCodeAt(text.length - 1 - s)) s++;
  const delta = text.length - old.length;
  const decls = ast.decls;
  // Kept before: the declarations that end before the edit, on a line the edit does not touch.
  // Cut A: the line start after the last of them (0 when none).
  let first = 0;
  while (first < decls.length && decls[first]!.span.end < p) first++;
  while (first > 0 && lineStartAfter(old, decls[first - 1]!.span.end) > p) first--;
  const cutA = first > 0 ? lineStartAfter(old, decls[first - 1]!.span.end) : 0;
  // Kept after: the declarations inside the unchanged tail that start a line in both texts.
  // Cut B: the start of the first of them (the end of the text when none).
  let last = first;
  while (last < decls.length && decls[last]!.span.start < old.length - s) last++;
  while (last < decls.length && !(atLineStart(old, decls[last]!.span.start) && atLineStart(text, decls[last]!.span.start + delta))) last++;
  const cutB = last < decls.length ? decls[last]!.span.start : old.length;
  if (cutA > p || cutB + delta < cutA) return undefined;
  const lines = new LineMap(file, text);
  const lineA = lines.position(cutA).line - 1;
  const middleText = text.slice(cutA, cutB + delta);
  const middle = parse(middleText, file);
  if (middle.diagnostics.length && last < decls.length) return undefined;
  // With diagnostics (only when the edited region runs to the end), the kept declarations must end with `}`,
  // so that no optional tail of theirs could have taken the new tokens.
  if (middle.diagnostics.length && first > 0 && old.charCodeAt(decls[first - 1]!.span.end - 1) !== 125) return undefined;
  const oldLines = prev.result.lines;
  const lineDelta = last < decls.length ? lines.position(cutB + delta).line - oldLines.position(cutB).line : 0;
  const shiftMiddle = (x: Span): Span => shifted(x, cutA, lineA);
  const shiftAfter = (x: Span): Span => shifted(x, delta, lineDelta);
  const comments = [
    ...ast.comments.filter((c) => c.span.end <= cutA),
    ...moveSpans(middle.ast.comments, shiftMiddle),
    ...moveSpans(ast.comments.filter((c) => c.span.start >= cutB), shiftAfter),
  ];
  const file2: A.PolicyFile = {
    kind: "File",
    file,
    decls: [...decls.slice(0, first), ...moveSpans(middle.ast.decls, shiftMiddle), ...decls.slice(last).map((d) => moveDecl(d, delta, lineDelta, shiftAfter))],
    comments,
    span: lines.span(0, text.length),
  };
  return { ast: file2, diagnostics: moveSpans(middle.diagnostics, shiftMiddle), lines };
}

/** Declarations moved unchanged by a re-parse → where from (for the incremental check: `CheckMemo`). */
const moves = new WeakMap<A.Decl, DeclMove>();

/** Where a re-parse moved this declaration from, unchanged (undefined: parsed anew, or kept in place). */
export function movedFrom(decl: A.Decl): DeclMove | undefined {
  return moves.get(decl);
}

/** A declaration after the edit: the same object when nothing before it moved, else a moved copy (recorded). */
function moveDecl(d: A.Decl, offset: number, lines: number, shift: (s: Span) => Span): A.Decl {
  if (offset === 0 && lines === 0) return d;
  const moved = moveSpans(d, shift);
  moves.set(moved, { from: d, offset, lines });
  return moved;
}

/** The first line start at or after `at`. */
function lineStartAfter(text: string, at: number): number {
  let i = at;
  while (i < text.length && !atLineStart(text, i)) i++;
  return i;
}

/** A span moved by `offset` characters and `lines` lines (columns unchanged). */
function shifted(x: Span, offset: number, lines: number): Span {
  return { file: x.file, start: x.start + offset, end: x.end + offset, line: x.line + lines, column: x.column, endLine: x.endLine + lines, endColumn: x.endColumn };
}

function isSpan(x: object): x is Span {
  const o = x as Record<string, unknown>;
  return typeof o["file"] === "string" && typeof o["start"] === "number" && typeof o["end"] === "number" && typeof o["line"] === "number" && typeof o["endLine"] === "number";
}

/** A deep copy of plain data with every span moved (no intermediate arrays: it runs over every declaration after an edit). */
function moveSpans<T>(x: T, move: (s: Span) => Span): T {
  if (x === null || typeof x !== "object") return x;
  if (Array.isArray(x)) {
    const out: unknown[] = new Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = moveSpans(x[i] as unknown, move);
    return out as T;
  }
  if (isSpan(x)) return move(x) as T;
  const out: Record<string, unknown> = {};
  const o = x as Record<string, unknown>;
  for (const k in o) out[k] = moveSpans(o[k], move);
  return out as T;
}
