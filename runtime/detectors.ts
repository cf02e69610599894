/**
 * Data-class detectors: built-in patterns for secrets and PII, plus the custom ones of a bundle.
 * Every built-in regex is linear (no nested or overlapping quantifiers) and each scan is capped
 * at MAX_SCAN characters per string. A built-in detector has an anchor: its regex is tried only
 * where the anchor says a match can start (detector-scan.ts), which finds exactly what the plain
 * scan finds (`scanPlain`; test/runtime/detector-scan.test.ts).
 */
import { scanAnchored, type Anchor, type DigitRuns, type Hit } from "./detector-scan.js";

export const MAX_SCAN = 1_000_000;

export interface Detector {
  readonly name: string;
  readonly class: string;
  readonly re: RegExp;
  /** Extra check on a match (e.g. the Luhn checksum). */
  readonly check?: (m: string) => boolean;
  /**
   * A pre-filter: `re` cannot match a string in which `need` finds nothing (each one derived by
   * hand from its regex; test/runtime/detector-prefilter.test.ts checks that it is required), so
   * a string without it is not scanned. Custom detectors have none.
   */
  readonly need?: RegExp;
  /**
   * Characters of which every string `need` finds something in holds one (case variants spelled
   * out; checked by the same test). A character-class scan is several times faster than a union of
   * many needs, so a union of needs is only run on strings the union of gates lets through.
   */
  readonly gate?: string;
  /** Where a match can start (detector-scan.ts); custom detectors have none and are scanned plainly. */
  readonly anchor?: Anchor;
}

// Detectors of numbers are tried only at the digit runs that can start a match (their `keep`); text
// full of numbers is scanned plainly (the engine skips to digits fast; an attempt per run costs
// more). A card number starts at a run's start (`\b\d`) and holds 13 digits or more, in runs joined
// by single spaces or hyphens. A phone number's first run follows a `+`, or has exactly three
// digits (`\(?\b\d{3}\)?[ .-]`), and the match starts at most two characters before it (`+`, `(`).
// An IBAN's first run has two digits or more after two capitals, where the match starts. An SSN
// has no anchor: `\b\d{3}-` is found by the engine as fast.
const CARD_DIGITS: Anchor = { find: "digits", back: 0, dense: 256, keep: (s, r, i) => chainedDigits(s, r, i) >= 13 };
const PHONE_DIGITS: Anchor = { find: "digits", back: 2, dense: 256, keep: (s, r, i) => s.charCodeAt(r.starts[i]! - 1) === 43 || r.ends[i]! - r.starts[i]! === 3 };
const IBAN_DIGITS: Anchor = { find: "digits", back: 2, dense: 256, keep: (s, r, i) => r.ends[i]! - r.starts[i]! >= 2 && isCapital(s.charCodeAt(r.starts[i]! - 1)) && isCapital(s.charCodeAt(r.starts[i]! - 2)) };
const isCapital = (c: number): boolean => c >= 65 && c <= 90;

/** The digits of run `i` and of the runs after it joined by one space or hyphen (counted up to 13). */
function chainedDigits(s: string, r: DigitRuns, i: number): number {
  let n = r.ends[i]! - r.starts[i]!;
  for (let j = i; n < 13 && j + 1 < r.starts.length && r.starts[j + 1] === r.ends[j]! + 1; j++) {
    const c = s.charCodeAt(r.ends[j]!);
    if (c !== 32 && c !== 45) break;
    n += r.ends[j + 1]! - r.starts[j + 1]!;
  }
  return n;
}

/** The Luhn checksum of the digits in `s` (the card_number regex makes them 13 to 19). */
function luhn(s: string): boolean {
  const d = s.replace(/\D/g, "");
  let sum = 0;
  for (let i = d.length, odd = false; i--; odd = !odd) {
    const x = (d.charCodeAt(i) - 48) * (odd ? 2 : 1);
    sum += x > 9 ? x - 9 : x;
  }
  return d.length > 12 && d.length < 20 && sum % 10 === 0;
}

export const BUILTIN_DETECTORS: readonly Detector[] = [
  { name: "aws_access_key", class: "SECRETS", re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, need: /A[KS]IA/, gate: "I", anchor: { find: ["AKIA", "ASIA"], back: 0 } },
  { name: "aws_secret_key", class: "SECRETS", re: /aws_secret_access_key\s*[=:]\s*[A-Za-z0-9/+]{40}/gi, need: /aws_secret_access_key/i, gate: "_", anchor: { find: ["aws_secret_access_key"], lower: true, back: 0 } },
  { name: "github_token", class: "SECRETS", re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g, need: /gh[pousr]_|github_pat_/, gate: "_", anchor: { find: ["gh", "github_pat_"], back: 0 } },
  { name: "slack_token", class: "SECRETS", re: /\bxox[abposr]-[A-Za-z0-9-]{10,200}\b/g, need: /xox[abposr]-/, gate: "-", anchor: { find: ["xox"], back: 0 } },
  { name: "slack_webhook", class: "SECRETS", re: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/]{20,100}/g, need: /https:\/\/hooks\.slack\.com\/services\//, gate: ":", anchor: { find: ["https://hooks.slack.com/services/"], back: 0 } },
  { name: "stripe_key", class: "SECRETS", re: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,128}\b/g, need: /[sr]k_(?:live|test)_/, gate: "_", anchor: { find: ["k_live_", "k_test_"], back: 1 } },
  { name: "openai_key", class: "SECRETS", re: /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,200}\b/g, need: /sk-/, gate: "-", anchor: { find: ["sk-"], back: 0 } },
  { name: "google_api_key", class: "SECRETS", re: /\bAIza[0-9A-Za-z_-]{35}\b/g, need: /AIza/, gate: "I", anchor: { find: ["AIza"], back: 0 } },
  { name: "gitlab_token", class: "SECRETS", re: /\bglpat-[A-Za-z0-9_-]{20}\b/g, need: /glpat-/, gate: "-", anchor: { find: ["glpat-"], back: 0 } },
  { name: "npm_token", class: "SECRETS", re: /\bnpm_[A-Za-z0-9]{36}\b/g, need: /npm_/, gate: "_", anchor: { find: ["npm_"], back: 0 } },
  { name: "private_key", class: "SECRETS", re: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----/g, need: /-----BEGIN /, gate: "-", anchor: { find: ["-----BEGIN "], back: 0 } },
  // Starts only where a run of base64url characters starts (not at every `eyJ` inside one), so a
  // 1 MB run of "-eyJ" is scanned once instead of 2,000 characters per start.
  { name: "jwt", class: "SECRETS", re: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,2000}\.eyJ[A-Za-z0-9_-]{8,4000}\.[A-Za-z0-9_-]{8,2000}/g, need: /eyJ/, gate: "J", anchor: { find: ["eyJ"], back: 0 } },
  { name: "password_assignment", class: "SECRETS", re: /\b(?:password|passwd|pwd|secret|api_key|apikey|token)\s*[=:]\s*["']?[^\s"']{8,200}/gi, need: /[=:]/, gate: "=:", anchor: { find: ["passw", "pwd", "secret", "api_key", "apikey", "token"], lower: true, back: 0 } },
  { name: "email", class: "PII", re: /\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b/g, need: /@/, gate: "@", anchor: { find: ["@"], back: 64, run: "A-Za-z0-9._%+-" } },
  { name: "phone", class: "PII", re: /(?:\+\d{1,3}[ .-]?)?\(?\b\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b|\+\d{1,3}(?:[ .-]?\d{2,4}){2,5}\b/g, need: /\d{3}\)?[ .-]\d{3}|\+\d/, gate: "0123456789", anchor: PHONE_DIGITS },
  { name: "card_number", class: "PII", re: /\b\d(?:[ -]?\d){12,18}\b/g, check: luhn, need: /\d{4}|\d[ -]\d/, gate: "0123456789", anchor: CARD_DIGITS },
  { name: "us_ssn", class: "PII", re: /\b\d{3}-\d{2}-\d{4}\b/g, need: /\d-\d/, gate: "0123456789" },
  { name: "iban", class: "PII", re: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g, need: /[A-Z]\d\d/, gate: "0123456789", anchor: IBAN_DIGITS },
  { name: "internal_marker", class: "INTERNAL", re: /\b(?:internal only|internal use only|confidential|do not (?:share|distribute|forward))\b/gi, need: /internal|confidential|do not/i, gate: "nN", anchor: { find: ["internal ", "confidential", "do not "], lower: true, back: 0 } },
  // PROMPT_INJECTION: conservative phrasings of an attempt to take over the agent, each a fixed
  // sequence of words (no nested quantifiers); the false-positive rate is measured in
  // test/runtime/prompt-injection.test.ts and stated in docs/language.md.
  { name: "instruction_override", class: "PROMPT_INJECTION", re: /\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+)?(?:(?:of\s+)?(?:the|your|my|these|those)\s+)?(?:previous|prior|above|earlier|preceding|original|system|initial)\s+(?:instructions?|prompts?|directions?|directives?|rules|guidelines)\b/gi, need: /ignore|disregard|forget|override/i, gate: "eE", anchor: { find: ["ignore", "disregard", "forget", "override"], lower: true, back: 0 } },
  { name: "role_takeover", class: "PROMPT_INJECTION", re: /\byou\s+are\s+now\s+(?:in\s+)?(?:DAN|developer\s+mode|jailbroken|unrestricted|unfiltered|free\s+of\s+(?:all\s+)?(?:restrictions|rules))\b/gi, need: /you\s+are\s+now/i, gate: "yY", anchor: { find: ["you"], lower: true, back: 0 } },
  { name: "chat_template_marker", class: "PROMPT_INJECTION", re: /<\|im_start\|>\s*system|<<SYS>>|\[INST\]/g, need: /<\|im_start|<<SYS|\[INST/, gate: "<[", anchor: { find: ["<|im_start|>", "<<SYS>>", "[INST]"], back: 0 } },
  { name: "prompt_exfiltration", class: "PROMPT_INJECTION", re: /\b(?:reveal|print|show|repeat|output|leak)\s+(?:me\s+)?(?:your|the)\s+(?:system\s+prompt|hidden\s+instructions|initial\s+instructions)\b/gi, need: /system\s+prompt|hidden\s+instructions|initial\s+instructions/i, gate: "sS", anchor: { find: ["reveal", "print", "show", "repeat", "output", "leak"], lower: true, back: 0 } },
  { name: "hide_from_user", class: "PROMPT_INJECTION", re: /\b(?:do\s+not|don't|never)\s+(?:tell|inform|notify|alert|mention\s+(?:this|it)\s+to)\s+the\s+user\b/gi, need: /the\s+user/i, gate: "uU", anchor: { find: ["do", "never"], lower: true, back: 0 } },
];

export const BUILTIN_CLASSES: readonly string[] = ["SECRETS", "PII", "INTERNAL", "PROMPT_INJECTION"];

/** Compiles the custom detectors of a bundle (case-insensitive, global). */
export function compileDetectors(custom: readonly { name: string; source: string; flags: string; class: string }[]): Detector[] {
  const out: Detector[] = [...BUILTIN_DETECTORS];
  for (const d of custom) {
    const flags = Array.from(new Set(("gi" + d.flags.replace(/[gy]/g, "")).split(""))).join("");
    out.push({ name: d.name, class: d.class, re: new RegExp(d.source, flags) });
  }
  return out;
}

/** The part of a string that is scanned. */
const capped = (text: string) => (text.length > MAX_SCAN ? text.slice(0, MAX_SCAN) : text);

/** The plain scan: `re` from the start, resuming at each match's end (what the anchored scan must equal). */
function plain(d: Detector, s: string, hit: Hit): boolean {
  const re = d.re;
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) {
    if (!m[0]) re.lastIndex++;
    else if ((!d.check || d.check(m[0])) && hit(m.index, m.index + m[0].length, m[0])) return true;
  }
  return false;
}

// The lower-cased copy of the last string scanned (several detectors and classes scan the same
// string in a row); null when lower-casing changes its length (U+0130), so offsets would not align.
let lastText: string | undefined;
let lastLower: string | null = null;
function lowered(s: string): string | null {
  if (s !== lastText) {
    const l = s.toLowerCase();
    lastText = s;
    lastLower = l.length === s.length ? l : null;
  }
  return lastLower;
}

/**
 * Runs `d` over `s`: calls `hit` with each match that passes the detector's check, and stops
 * (returning true) as soon as `hit` returns something truthy. Anchored where the detector has an
 * anchor (the same matches as the plain scan).
 */
function each(d: Detector, s: string, hit: Hit): boolean {
  const a = d.anchor;
  if (!a) return plain(d, s, hit);
  const low = a.lower ? lowered(s) : s;
  return low === null ? plain(d, s, hit) : scanAnchored(d.re, a, d.check, s, low, hit);
}

type Found = { cls: string; name: string; start: number; end: number };

/** Each match of every detector in `text`: class, detector, offsets. */
export function scan(detectors: readonly Detector[], text: string, onlyClasses?: ReadonlySet<string>): Found[] {
  return scanWith(each, detectors, text, onlyClasses);
}

/** `scan` without anchors: every detector's regex tried at every position (the reference for tests). */
export function scanPlain(detectors: readonly Detector[], text: string, onlyClasses?: ReadonlySet<string>): Found[] {
  return scanWith(plain, detectors, text, onlyClasses);
}

function scanWith(run: (d: Detector, s: string, hit: Hit) => boolean, detectors: readonly Detector[], text: string, onlyClasses?: ReadonlySet<string>): Found[] {
  const s = capped(text);
  const out: Found[] = [];
  for (const d of detectors) {
    if (!onlyClasses || onlyClasses.has(d.class)) run(d, s, (start, end) => { out.push({ cls: d.class, name: d.name, start, end }); });
  }
  return out;
}

/**
 * A case-insensitive pre-filter's source as a case-sensitive one (`ab` → `[aA][bB]`), when it is
 * made of ASCII literal characters, escapes, groups and `|` only; undefined otherwise. A union without
 * the `i` flag is much faster to run, and finds exactly what each pre-filter finds.
 */
export function caseless(source: string): string | undefined {
  if (/[^\x00-\x7f]|[[\]{}]|\\[a-zA-Z]/.test(source.replace(/\\[dswbDSWB]/g, ""))) return undefined;
  let out = "";
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === "\\") { out += ch + (source[i + 1] ?? ""); i++; continue; }
    const lo = ch.toLowerCase(), up = ch.toUpperCase();
    out += lo !== up && lo.length === 1 && up.length === 1 ? `[${lo}${up}]` : ch;
  }
  return out;
}

/**
 * A pre-filter for a set of detectors: a string in which it finds nothing holds nothing any of them
 * finds. `gate` (when every one of them has a gate) is a character class run first; `union` is the
 * union of their needs.
 */
export interface Prefilter {
  readonly gate: RegExp | undefined;
  readonly union: RegExp;
}

/** Does the pre-filter let `s` through (to the detectors themselves)? */
export const passes = (f: Prefilter, s: string): boolean => (f.gate === undefined || f.gate.test(s)) && f.union.test(s);

/** Per detector list: the pre-filters built so far, by list of classes. */
const unions = new WeakMap<readonly Detector[], Map<string, Prefilter | null>>();

/**
 * The pre-filter of every detector of the given classes; null when one of them has no need.
 * Case-insensitive needs are spelled out case by case where they can be, so the union needs no `i`
 * flag.
 */
export function prefilterOf(detectors: readonly Detector[], classes: readonly string[]): Prefilter | null {
  let m = unions.get(detectors);
  if (!m) unions.set(detectors, (m = new Map()));
  const key = classes.join("\u0000");
  let u = m.get(key);
  if (u === undefined) {
    const ds = detectors.filter((d) => classes.includes(d.class));
    const needs = ds.map((d) => d.need);
    if (needs.length && needs.every((n) => n)) {
      const parts = needs.map((n) => (n!.ignoreCase ? caseless(n!.source) : n!.source));
      const union = parts.every((x) => x !== undefined) ? new RegExp(parts.map((x) => `(?:${x})`).join("|")) : new RegExp(needs.map((n) => `(?:${n!.source})`).join("|"), "i");
      const gates = ds.every((d) => d.gate) ? [...new Set(ds.map((d) => d.gate!).join(""))] : undefined;
      u = { gate: gates ? new RegExp(`[${gates.join("").replace(/[\]\\^-]/g, "\\$&")}]`) : undefined, union };
    } else u = null;
    m.set(key, u);
  }
  return u;
}

/**
 * Does some detector of class `cls` find something in one of the strings? (Each detector once per
 * string: anchored ones look only where their anchors are, so a pre-filter would only scan the
 * text once more.)
 */
export function hasClass(detectors: readonly Detector[], strings: readonly string[], cls: string): boolean {
  for (const text of strings) {
    const s = capped(text);
    for (const d of detectors) if (d.class === cls && each(d, s, found)) return true;
  }
  return false;
}

/** For `each`: stop at the first match. */
const found = () => true;

/** The classes found in any of the strings. */
export function classesIn(detectors: readonly Detector[], strings: readonly string[], wanted: ReadonlySet<string>): Set<string> {
  const found = new Set<string>();
  for (const cls of wanted) if (hasClass(detectors, strings, cls)) found.add(cls);
  return found;
}

/** Replaces what the detectors find in `text` with a mask naming the class. */
export function mask(detectors: readonly Detector[], text: string): string {
  // Fail closed: what lies beyond the scan cap is not passed through unscanned.
  if (text.length > MAX_SCAN) return mask(detectors, text.slice(0, MAX_SCAN)) + "[REDACTED:UNSCANNED]";
  const hits = scan(detectors, text).sort((a, b) => a.start - b.start || b.end - a.end);
  let out = "";
  let pos = 0;
  for (const h of hits) {
    if (h.start < pos) continue;
    out += text.slice(pos, h.start) + `[REDACTED:${h.cls}]`;
    pos = h.end;
  }
  return out + text.slice(pos);
}
