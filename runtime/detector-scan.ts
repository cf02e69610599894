/**
 * The anchored scan of a detector: its regex is tried only where its anchor (literals found with
 * the engine's native `indexOf`, or the starts of digit runs) says a match can
 * start, instead of at every position of the text. It finds exactly what the plain global scan
 * (`re.exec` from 0, resuming at each match's end) finds: the same matches, in the same order.
 *
 * Why it is exact. `Anchor.back` (and `run`, `keep`) promise: every match starting at p holds a
 * hit at some a in [p, p + back] (with every character of [p, a) in `run`; a digit run `keep`
 * rejects is no such hit). The hits are visited in
 * increasing order; for a hit a the untried starts it allows are tried in increasing order, each
 * by a sticky copy of the regex that sees the whole text, so it succeeds or fails exactly as the
 * plain scan's attempt at that start does. A start no hit allows cannot match, so the first
 * success is the plain scan's next match. Where hits are dense (`dense`), the rest of the text is
 * scanned plainly from the first untried start, which finds what the plain scan finds from there.
 * INVARIANT: the regex work is a subset of the plain scan's (its attempts at the allowed starts,
 * each start tried at most once), plus the native searches for hits: linear whenever the plain
 * scan is. test/runtime/detector-scan.test.ts checks both (same matches; work per character).
 */

/** Where a detector's matches can start. */
export interface Anchor {
  /** Literals (found with `indexOf`), or `digits`: the start of each run of ASCII digits. */
  readonly find: readonly string[] | "digits";
  /** Searched in the lower-cased text (for case-insensitive detectors; literals in lower case). */
  readonly lower?: true;
  /** Every match starting at p holds a hit at some position in [p, p + back]. */
  readonly back: number;
  /**
   * With `digits`: a necessary condition for a match to start at (or `back` before) run `i`; a run
   * it rejects is no hit.
   */
  readonly keep?: (text: string, runs: DigitRuns, i: number) => boolean;
  /**
   * When hits come more often than one per `dense` characters (after the first 16), the rest of the
   * text is scanned plainly from the first untried start: for a regex the engine skips through fast
   * on its own (digits), many attempts cost more than that scan.
   */
  readonly dense?: number;
  /**
   * A character class (regex syntax, ASCII): a match starting at p holds its hit at a with every
   * character of [p, a) in the class, so only the run of them before a hit is tried.
   */
  readonly run?: string;
}

/** What a scan reports of each match: its offsets and text; a truthy return stops the scan. */
export type Hit = (start: number, end: number, text: string) => unknown;

/** Work done by anchored scans (hits visited, regex attempts), for the linearity test. */
export const work = { hits: 0, attempts: 0 };

const stickies = new WeakMap<RegExp, RegExp>();
const globals = new WeakMap<RegExp, RegExp>();

/** A copy of `re` that matches only at `lastIndex`. */
function stickyOf(re: RegExp): RegExp {
  let y = stickies.get(re);
  if (!y) stickies.set(re, (y = new RegExp(re.source, re.flags.replace("g", "") + "y")));
  return y;
}

/** A private global copy of a detector's regex (never the caller's object: its lastIndex is ours). */
function globalOf(re: RegExp): RegExp {
  let g = globals.get(re);
  if (!g) globals.set(re, (g = new RegExp(re.source, re.flags.replace(/[gy]/g, "") + "g")));
  return g;
}

/** The next hit at or after `from` in `text` (-1: none); `from` never decreases. */
interface Finder { next(from: number): number }

// How common a character is in the text detectors read (prose, code, JSON), most common first:
// a literal is searched from its least common character, since `indexOf` stops at each occurrence
// of the first character it looks for.
const COMMON = " e\"taoinsrhldc,u.m:fp_g-wyb/v0k12x3456789jqz()=;{}[]ETAOINSRHLDCUMFPGWYBVKXJQZ";
const commonness = (ch: string): number => { const i = COMMON.indexOf(ch); return i < 0 ? COMMON.length : i; };

/** The offset in `lit` to search from: its least common character leaving at least two. */
export function keyOffset(lit: string): number {
  let best = 0;
  for (let k = 1; k <= lit.length - 2; k++) if (commonness(lit[k]!) > commonness(lit[best]!)) best = k;
  return best;
}

function literalFinder(lits: readonly string[], text: string): Finder {
  const keys = lits.map((l) => { const k = keyOffset(l); return { k, key: l.slice(k) }; });
  // The next start of each literal's key at or after the last `from` (Infinity: none left).
  const at = lits.map(() => -1);
  return {
    next(from) {
      let best = Infinity;
      for (let i = 0; i < keys.length; i++) {
        const { k, key } = keys[i]!;
        let x = at[i]!;
        if (x < from) { x = text.indexOf(key, from + k); at[i] = x = x < 0 ? Infinity : x - k; }
        if (x < best) best = x;
      }
      return best === Infinity ? -1 : best;
    },
  };
}

/** The runs of ASCII digits of a text: starts and ends (exclusive), in order. */
export interface DigitRuns { readonly starts: readonly number[]; readonly ends: readonly number[] }

// The digit runs of the last text scanned for them (shared by the digit detectors).
let digitText: string | undefined;
let digitRuns: DigitRuns = { starts: [], ends: [] };
function runsOf(text: string): DigitRuns {
  if (text === digitText) return digitRuns;
  const starts: number[] = [], ends: number[] = [];
  const next = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => text.indexOf(String(d)));
  for (let from = 0; ;) {
    let at = Infinity;
    for (let d = 0; d < 10; d++) {
      let x = next[d]!;
      if (x >= 0 && x < from) next[d] = x = text.indexOf(String(d), from);
      if (x >= 0 && x < at) at = x;
    }
    if (at === Infinity) break;
    let e = at + 1;
    while (e < text.length) { const c = text.charCodeAt(e); if (c < 48 || c > 57) break; e++; }
    starts.push(at);
    ends.push(e);
    from = e;
  }
  digitText = text;
  return (digitRuns = { starts, ends });
}

function digitFinder(text: string, keep: Anchor["keep"]): Finder {
  const runs = runsOf(text);
  const starts = runs.starts;
  let i = 0;
  return {
    next(from) {
      while (i < starts.length && (starts[i]! < from || (keep !== undefined && !keep(text, runs, i)))) i++;
      return i < starts.length ? starts[i]! : -1;
    },
  };
}

/** The first match starting in [lo, hi], tried (a sticky attempt per start) as the plain scan would. */
function attempt(re: RegExp, s: string, lo: number, hi: number): RegExpExecArray | null {
  const y = stickyOf(re);
  for (let p = lo; p <= hi; p++) {
    work.attempts++;
    y.lastIndex = p;
    // `test` builds no match array: most attempts fail.
    if (!y.test(s)) continue;
    y.lastIndex = p;
    return y.exec(s);
  }
  return null;
}

/** Per anchor with `run`: which ASCII characters are in it. */
const runTables = new WeakMap<Anchor, Uint8Array>();
function runTable(a: Anchor): Uint8Array {
  let t = runTables.get(a);
  if (!t) {
    t = new Uint8Array(128);
    const re = new RegExp(`^[${a.run}]$`);
    for (let c = 0; c < 128; c++) t[c] = re.test(String.fromCharCode(c)) ? 1 : 0;
    runTables.set(a, t);
  }
  return t;
}

/** The first start to try for a hit: `back` before it, and no further than its run reaches. */
function firstStart(a: Anchor, s: string, pos: number, at: number): number {
  const lo = Math.max(pos, at - a.back);
  if (a.run === undefined) return lo;
  const t = runTable(a);
  let p = at;
  while (p > lo) { const c = s.charCodeAt(p - 1); if (c >= 128 || !t[c]) break; p--; }
  return p;
}

/** The plain scan from `pos` on: what it finds there once every start before `pos` has been tried. */
function scanFrom(re: RegExp, check: ((m: string) => boolean) | undefined, s: string, pos: number, hit: Hit): boolean {
  const g = globalOf(re);
  g.lastIndex = pos;
  let m: RegExpExecArray | null;
  while ((m = g.exec(s))) {
    work.attempts++;
    if (!m[0]) g.lastIndex++;
    else if ((!check || check(m[0])) && hit(m.index, m.index + m[0].length, m[0])) return true;
  }
  return false;
}

/**
 * Runs `re` over `s` at the starts `a` allows (`lowered`: the lower-cased text, same length, for a
 * `lower` anchor); calls `hit` with each match `check` accepts, and returns true as soon as it
 * returns something truthy. Exactly the matches of the plain global scan (see the header).
 */
export function scanAnchored(re: RegExp, a: Anchor, check: ((m: string) => boolean) | undefined, s: string, lowered: string, hit: Hit): boolean {
  const text = a.lower ? lowered : s;
  const f = a.find === "digits" ? digitFinder(text, a.keep) : literalFinder(a.find, text);
  let pos = 0;
  let from = 0;
  for (let hits = 1; ; hits++) {
    const at = f.next(from);
    if (at < 0) return false;
    work.hits++;
    if (a.dense !== undefined && hits > 16 && hits * a.dense > at) return scanFrom(re, check, s, pos, hit);
    const m = attempt(re, s, firstStart(a, s, pos, at), at);
    if (m) {
      const end = m.index + m[0].length;
      // An empty match is skipped, as the plain scan skips it.
      if (end > m.index && (!check || check(m[0])) && hit(m.index, end, m[0])) return true;
      pos = from = end > m.index ? end : m.index + 1;
      continue;
    }
    pos = from = at + 1;
  }
}
