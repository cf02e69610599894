/**
 * `grammar/`: text → AST + diagnostics. No I/O, no catalog knowledge.
 * INVARIANT: `parse` never throws, whatever the input.
 */
import { parseCst } from "./parser.js";
import { CstToAst } from "./cst-to-ast.js";
import { LineMap } from "./span.js";
import { diag, type Diagnostic } from "./diagnostic.js";
import { describeToken, hintForRule, keywordHint } from "./errors.js";
import type { PolicyFile } from "./ast.js";
import { MAX_NESTING_DEPTH, MAX_SOURCE_CHARS } from "./limits.js";

export * from "./ast.js";
export * from "./span.js";
export * from "./diagnostic.js";
export { print, printValue, printExpr } from "./printer.js";
export { KEYWORD_WORDS } from "./lexer.js";

export interface ParseResult {
  readonly ast: PolicyFile;
  readonly diagnostics: readonly Diagnostic[];
  readonly lines: LineMap;
}

/** What to do about an unexpected character. */
function lexHint(text: string, offset: number, ch: string): string {
  if (ch === "'") return "strings use double quotes";
  if (ch === "=") return "use `is` to compare, e.g. `integration is GitHub`";
  const index = /^\.(\d+)/.exec(text.slice(offset));
  const before = /([A-Za-z_][A-Za-z0-9_.\-[\]*]*)$/.exec(text.slice(Math.max(0, offset - 200), offset));
  if (index && before) return `index arrays with brackets: \`${before[1]}[${index[1]}]\` (one element) or \`${before[1]}[*]\` (any element)`;
  if (ch === "[" || ch === "]" || ch === "*") return "`[n]` and `[*]` index an argument path, e.g. `args.paths[*]`; lists are written `[a, b]` after an operator";
  return "remove it, or put it inside a \"string\"";
}

/** Parses one `.policy` source. Reports every syntax error it can recover from. */
export function parse(text: string, file = "<input>"): ParseResult {
  const lines = new LineMap(file, text);
  const diagnostics: Diagnostic[] = [];
  if (text.length > MAX_SOURCE_CHARS) {
    diagnostics.push(diag("PDL1004", "error", lines.span(0, 0), `this file has ${text.length} characters; the limit is ${MAX_SOURCE_CHARS}`, "split it into several .policy files"));
    return { ast: { kind: "File", file, decls: [], comments: [], span: lines.span(0, text.length) }, diagnostics, lines };
  }
  let raw;
  try {
    raw = parseCst(text);
  } catch (e) {
    // INVARIANT: never reached; kept so that a parser bug degrades into a diagnostic.
    diagnostics.push(diag("PDL1000", "error", lines.span(0, 0), `internal parser error: ${(e as Error).message}`, "please report this file"));
    return { ast: { kind: "File", file, decls: [], comments: [], span: lines.span(0, text.length) }, diagnostics, lines };
  }
  for (const e of raw.lexErrors) {
    const ch = text.slice(e.offset, e.offset + Math.min(e.length, 1));
    diagnostics.push(diag("PDL1001", "error", lines.span(e.offset, e.offset + Math.max(1, Math.min(e.length, 1))),
      `unexpected character ${JSON.stringify(ch)}`, lexHint(text, e.offset, ch)));
  }
  for (const t of raw.tokens) {
    if (t.tokenType.name !== "BadString") continue;
    const span = lines.span(t.startOffset, t.startOffset + t.image.length);
    // A bad string that is closed on its line has an escape JSON does not know (`"C:\q"`).
    if (/^"(?:[^"\\\r\n]|\\.)*"$/.test(t.image)) diagnostics.push(diag("PDL1003", "error", span, "this string has an invalid escape", "use JSON escapes: \\\" \\\\ \\n \\t \\uXXXX (write a backslash as \\\\)"));
    else diagnostics.push(diag("PDL1002", "error", span, "this string is not terminated", "close it with \" on the same line"));
  }
  if (raw.tooDeep) {
    const t = raw.tooDeep;
    diagnostics.push(diag("PDL1005", "error", lines.span(t.startOffset, t.startOffset + t.image.length), `nested more than ${MAX_NESTING_DEPTH} levels deep: the rest of the file is not read`, "flatten the condition (several `if` lines are AND-ed) or the value"));
  }
  const seen = new Set<number>();
  for (const e of raw.parseErrors) {
    const t = e.token;
    const eof = !Number.isFinite(t.startOffset) || t.image === "";
    const start = eof ? text.length : t.startOffset;
    if (seen.has(start) || (eof && raw.tooDeep)) continue; // the cut reported as PDL1005
    seen.add(start);
    if (t.tokenType.name === "BadString") continue; // already reported as PDL1002 or PDL1003
    const rule = e.rule;
    const span = lines.span(start, eof ? start : start + t.image.length);
    diagnostics.push(diag("PDL1010", "error", span, e.message || `unexpected ${describeToken(t)}`, (eof ? undefined : keywordHint(t.image)) ?? hintForRule(rule)));
  }
  const conv = new CstToAst(lines);
  const ast = conv.file(raw.cst, file, raw.comments);
  diagnostics.push(...conv.diagnostics);
  return { ast, diagnostics, lines };
}
