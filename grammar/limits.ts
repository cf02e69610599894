/**
 * The parser's resource limits (listed with every other limit in `compiler/limits.ts` and
 * `docs/limits.md`). Beyond them `parse` still returns a tree and diagnostics, never throws.
 */

/** Largest `.policy` source parsed (UTF-16 code units, ~1 MiB): beyond it the file is reported (PDL1004) and not parsed. */
export const MAX_SOURCE_CHARS = 1_048_576;
/**
 * Deepest nesting of `(` `[` `{` plus chained `not`s at any point of a file. The recursive-descent
 * parser would exhaust the stack near 1,000; beyond this limit the rest of the file is reported
 * (PDL1005) and not parsed, the declarations before it are.
 */
export const MAX_NESTING_DEPTH = 64;

/** Index of the first token that nests deeper than MAX_NESTING_DEPTH, or -1. */
export function tooDeepAt(tokens: readonly { readonly tokenType: { readonly name: string } }[]): number {
  let depth = 0;
  let nots = 0;
  for (let i = 0; i < tokens.length; i++) {
    const n = tokens[i]!.tokenType.name;
    if (n === "LParen" || n === "LBracket" || n === "LCurly") depth++;
    else if ((n === "RParen" || n === "RBracket" || n === "RCurly") && depth > 0) depth--;
    nots = n === "Not" ? nots + 1 : 0;
    if (depth + nots > MAX_NESTING_DEPTH) return i;
  }
  return -1;
}
