/**
 * Command patterns of CLI catalogs (`["git", "push", "**", "-f", "**"]`) and how an argv matches
 * one. A pattern word is:
 * - `**`: zero or more words, anywhere in the pattern;
 * - `*`: exactly one word;
 * - a word with `*` or `?` in it (`+*`, `:*`, `--force-with-lease=*`): a glob over one word (the
 *   glob pieces of runtime/glob.ts: `*` any run of characters, `?` one, `\*` `\?` `\\` literal);
 * - `-x` (one dash, one letter or digit): the flag `-x`, or a short-flag cluster holding `x`
 *   (`-fu`, `-uf`; never a `--long` word). The matcher does not know which short options take a
 *   value, so a letter of an attached value counts too (`-bfix` holds `f`): it errs strict;
 * - any other word: itself.
 * A pattern word that looks like an option (starts with `-`) matches only words before the argv's
 * first `--`: the words after it are operands (`git push -- -f` pushes a ref named `-f`). A pattern
 * word `--` matches that first `--` only.
 * Matching is a dynamic program over pattern × argv (O(pattern words × argv words) word tests, no
 * backtracking); word globs are matched greedily with one resume point (no exponential case).
 * INVARIANT: nothing here throws; dependency-free, like the rest of the runtime.
 */
import { globPieces, type GlobPiece } from "./glob.js";

/** One pattern word, parsed. `opt`: it looks like an option, so it only matches before the first `--`. */
type PatternWord =
  | { readonly k: "rest" }
  | { readonly k: "one" }
  | { readonly k: "lit"; readonly s: string; readonly opt: boolean }
  | { readonly k: "short"; readonly c: string }
  | { readonly k: "glob"; readonly p: readonly GlobPiece[]; readonly opt: boolean };

const looksLikeOption = (s: string): boolean => s.length > 1 && s.startsWith("-") && s !== "--";

/** A pattern word parsed; escapes resolved. */
export function parsePatternWord(w: string): PatternWord {
  if (w === "**") return { k: "rest" };
  if (w === "*") return { k: "one" };
  const p = globPieces(w);
  if (p.some((x) => typeof x === "string")) return { k: "glob", p, opt: looksLikeOption(w) };
  const s = p.map((x) => (x as { lit: string }).lit).join("");
  if (/^-[A-Za-z0-9]$/.test(s)) return { k: "short", c: s[1]! };
  return { k: "lit", s, opt: looksLikeOption(s) };
}

/** What is wrong with a command pattern (for catalog loading), or undefined when it is well formed. */
export function patternProblem(pattern: readonly string[]): string | undefined {
  if (pattern.length === 0) return "the pattern is empty";
  const first = parsePatternWord(pattern[0]!);
  if (first.k !== "lit" || first.opt) return `the first word must name the program (a plain word), not ${JSON.stringify(pattern[0])}`;
  for (let i = 0; i < pattern.length; i++) {
    const w = pattern[i]!;
    if (w === "") return `word ${i + 1} is empty`;
    if (/\s/.test(w)) return `word ${i + 1} (${JSON.stringify(w)}) holds white space: a pattern word matches one argv word`;
    if (w === "**" && pattern[i + 1] === "**") return `words ${i + 1} and ${i + 2} are both "**" (one is enough)`;
    if (/(^|[^\\])(\\\\)*\\$/.test(w)) return `word ${i + 1} (${JSON.stringify(w)}) ends in a lone "\\" (write "\\\\" for a backslash)`;
    if (w.startsWith("--") && w.length > 2 && !/^--[A-Za-z0-9]/.test(w)) return `word ${i + 1} (${JSON.stringify(w)}) is not an option name`;
  }
  return undefined;
}

/** Does one word match a glob (pieces)? Greedy, resuming at the last `*` (linear-ish, never exponential). */
export function globWordMatch(p: readonly GlobPiece[], s: string): boolean {
  let i = 0, j = 0, star = -1, mark = 0;
  while (j < s.length) {
    const q = p[i];
    if (q !== undefined && q !== "*" && (q === "?" || q.lit === s[j])) { i++; j++; }
    else if (q === "*") { star = i++; mark = j; }
    else if (star >= 0) { i = star + 1; j = ++mark; }
    else return false;
  }
  while (p[i] === "*") i++;
  return i === p.length;
}

/** A short-flag cluster holding `c`: `-fu` holds `f`; `--force` and `-` hold nothing. */
function clusterHolds(a: string, c: string): boolean {
  return a.length > 1 && a[0] === "-" && a[1] !== "-" && a.indexOf(c, 1) > 0;
}

/** Does argv word `a`, at index `j` (`dd`: index of the first `--`, or the argv length), match `w`? */
function wordMatches(w: PatternWord, a: string, j: number, dd: number): boolean {
  switch (w.k) {
    case "one": return true;
    case "short": return j < dd && clusterHolds(a, w.c);
    case "lit": return w.s === "--" ? j === dd : a === w.s && (!w.opt || j < dd);
    case "glob": return (!w.opt || j < dd) && globWordMatch(w.p, a);
    default: return false;
  }
}

/** Does an argv match a command pattern (see the file header)? Never throws. */
export function matchCommand(pattern: readonly string[], argv: readonly string[]): boolean {
  try {
    return matchParsed(pattern.map(parsePatternWord), argv);
  } catch {
    return false;
  }
}

/** The match: `row[j]` is "the pattern words so far match argv[0..j)". */
function matchParsed(pw: readonly PatternWord[], argv: readonly string[]): boolean {
  const n = argv.length;
  const first = argv.indexOf("--");
  const dd = first < 0 ? n : first;
  let row = new Uint8Array(n + 1);
  row[0] = 1;
  for (const w of pw) {
    const next = new Uint8Array(n + 1);
    let any = false;
    if (w.k === "rest") {
      let on = 0;
      for (let j = 0; j <= n; j++) { on |= row[j]!; next[j] = on; any ||= on === 1; }
    } else {
      for (let j = 0; j < n; j++) if (row[j] && wordMatches(w, argv[j]!, j, dd)) { next[j + 1] = 1; any = true; }
    }
    if (!any) return false;
    row = next;
  }
  return row[n] === 1;
}
