/**
 * Parser and checker fuzzing: random byte strings, keyword soups and mutated valid files
 * (tokens deleted, duplicated, swapped, replaced). Properties:
 * - `parse` and `checkProject` never throw (INVARIANT: parsing never throws);
 * - they finish within MAX_MS_PER_CHAR per input character plus a fixed allowance (a generous cap,
 *   documented in docs/limits.md: a super-linear path misses it by far);
 * - a file that parses without errors formats idempotently, and parse(print(ast)) = ast modulo spans.
 */
import fc from "fast-check";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse, print, KEYWORD_WORDS } from "../../grammar/index.js";
import { PolicyLexer } from "../../grammar/lexer.js";
import { checkProject } from "../../compiler/check/index.js";
import { loadCatalog } from "../../compiler/catalog/load.js";
import { MAX_DETECTORS } from "../../compiler/limits.js";

const catalog = loadCatalog().catalog;

/**
 * Generous time cap for parse + check + print: 2 s + 1 ms per 20 characters, plus 2.5 s per
 * `detector` declaration (each regex is analysed for catastrophic backtracking with a 2 s budget;
 * at most MAX_DETECTORS of them). Typical runs use well under 5% of it.
 */
export const FIXED_MS = 2_000;
export const MAX_MS_PER_CHAR = 1 / 20;
export const MS_PER_DETECTOR = 2_500;

const ROOT = new URL("../../", import.meta.url).pathname;

function policyFiles(dir: string, out: string[] = []): string[] {
  let names: string[];
  try { names = readdirSync(dir).sort(); } catch { return out; }
  for (const n of names) {
    if (n === "node_modules" || n.startsWith(".")) continue;
    const p = join(dir, n);
    if (statSync(p).isDirectory()) policyFiles(p, out);
    else if (n.endsWith(".policy")) out.push(p);
  }
  return out;
}

const FALLBACK = `# a corpus file that always exists
detector EmployeeId /EMP-[0-9]{6}/ class INTERNAL
organization {
  domains ["acme.com"]
}
policy "Block all writes and deletions on GitHub" {
  id github-readonly
  scope tenant "acme"
  status active
  version 1
  priority 10
  description "read-only"
  when tool_call
  if integration is GitHub # trailing
  if operation in [Write, Delete] and not (agent is "Cursor" or agent.review_status is Approved)
  if args.repo matches "acme/*" or body contains any ["internal only"] or data_class has INTERNAL
  action block "GitHub is read-only for agents", alert "look" to "#sec"
}
policy "approval" {
  if tool is linear.delete_issue
  if rate(5m, integration is Linear) > 3 or spend today > 50 USD
  action require_approval "why" from [technician, manager], sanitize [args.text]
}
default by operation { Read: allow  Write: require_approval  Delete: require_approval  Unknown: block }
test "t" {
  given agent "Cursor" tenant "acme"
  call linear.delete_issue { id: "LIN-42", "quoted key": [1, 2.5, -3, true, null] }
  expect require_approval by approval
  run "git push --force origin main"
  discover agent "Windsurf" review_status Disallowed
  expect no alert
}
`;

/** The corpus: every .policy file of the repository (examples, fixtures), plus a fallback. */
export const CORPUS: readonly string[] = [FALLBACK, ...policyFiles(join(ROOT, "examples")), ...policyFiles(join(ROOT, "test"))].map((x) => (x === FALLBACK ? x : readFileSync(x, "utf8")));

const PUNCT = ["{", "}", "[", "]", "(", ")", ",", ":", ">", "<", ">=", "<=", "=", "!=", "\n", "\n", "\"", "/", "#", "'"];
const ATOMS = ["GitHub", "github.create_issue", "args.repo", "args.paths[*]", "args.paths[all]", "args.argv[1]", "args.edits[*].path", "host", "scheme", "\"https://github.com*\"", "args", "x", "-", "_", "\"str\"", "\"\\u00e9\"", "\"bad\\q\"", "42", "-0.5", "1e9", "5m", "10x", "/a+/", "/(a+)+$/i", "Read", "allow", "block", "deny", "hide", "alert", "sanitize", "require_approval", "tool_call", "agent_discovered", "operation", "integration", "tool", "agent.review_status", "body", "data_class", "session", "rate", "burst", "spend", "today", "USD", "principal", "external", "resource", "new", "time"];

const tokenSoup = fc.array(fc.constantFrom(...KEYWORD_WORDS, ...PUNCT, ...ATOMS), { maxLength: 120 }).chain((ts) =>
  fc.array(fc.constantFrom(" ", " ", " ", "\n", "", "\t"), { minLength: ts.length, maxLength: ts.length }).map((seps) => ts.map((t, i) => t + seps[i]).join("")));

const randomBytes = fc.uint8Array({ maxLength: 600 }).map((b) => new TextDecoder("utf-8").decode(b));
const randomText = fc.string({ unit: "binary", maxLength: 400 });
const asciiText = fc.string({ unit: fc.constantFrom(..."policy{}[]()\"#/\\:,<>= \n\tabc_.-0123456789"), maxLength: 400 });

/** Token boundaries of a text (including skipped whitespace, so the text can be rebuilt). */
function pieces(text: string): string[] {
  const toks = PolicyLexer.tokenize(text);
  const all = [...toks.tokens, ...((toks.groups["comments"] ?? []) as typeof toks.tokens)].sort((a, b) => a.startOffset - b.startOffset);
  const out: string[] = [];
  let pos = 0;
  for (const t of all) {
    if (t.startOffset > pos) out.push(text.slice(pos, t.startOffset));
    out.push(t.image);
    pos = t.startOffset + t.image.length;
  }
  if (pos < text.length) out.push(text.slice(pos));
  return out;
}

const PIECES = CORPUS.map(pieces);

type Mutation = { op: "delete" | "duplicate" | "swap" | "replace" | "insert"; at: number; other: number; word: string };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom("delete", "duplicate", "swap", "replace", "insert"),
  at: fc.nat(),
  other: fc.nat(),
  word: fc.constantFrom(...KEYWORD_WORDS, ...PUNCT, ...ATOMS),
});

function mutate(ps: readonly string[], ms: readonly Mutation[]): string {
  const out = [...ps];
  for (const m of ms) {
    if (!out.length) break;
    const i = m.at % out.length;
    const j = m.other % out.length;
    if (m.op === "delete") out.splice(i, 1);
    else if (m.op === "duplicate") out.splice(i, 0, out[i]!);
    else if (m.op === "swap") [out[i], out[j]] = [out[j]!, out[i]!];
    else if (m.op === "replace") out[i] = m.word;
    else out.splice(i, 0, ` ${m.word} `);
  }
  return out.join("");
}

const mutated = fc.tuple(fc.nat({ max: PIECES.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 6 })).map(([k, ms]) => mutate(PIECES[k]!, ms));
const pristine = fc.nat({ max: CORPUS.length - 1 }).map((k) => CORPUS[k]!);

/** Inputs for the parser properties, weighted towards mutated valid files. */
export const parserInput: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: randomBytes },
  { weight: 1, arbitrary: randomText },
  { weight: 2, arbitrary: asciiText },
  { weight: 3, arbitrary: tokenSoup },
  { weight: 8, arbitrary: mutated },
  { weight: 1, arbitrary: pristine },
);

const SPAN_KEYS = new Set(["span", "keySpan", "opSpan", "nameSpan", "file"]);
/** The AST without spans (what `parse(print(ast)) = ast` compares). */
export function stripSpans(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(stripSpans);
  if (x && typeof x === "object") {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) if (!SPAN_KEYS.has(k)) o[k] = stripSpans(v);
    return o;
  }
  return x;
}

/** Checks the properties on one input; returns what went wrong, or undefined. */
export function parserCase(text: string): string | undefined {
  const t0 = performance.now();
  let r: ReturnType<typeof parse>;
  try {
    r = parse(text, "fuzz.policy");
    checkProject([{ file: "fuzz.policy", text }], catalog);
  } catch (e) {
    return `parse/check threw: ${(e as Error)?.stack ?? String(e)}\ninput ${JSON.stringify(text)}`;
  }
  if (r.diagnostics.some((d) => d.code === "PDL1000")) return `internal parser error (PDL1000): ${r.diagnostics.find((d) => d.code === "PDL1000")!.message}\ninput ${JSON.stringify(text)}`;
  if (!r.diagnostics.some((d) => d.severity === "error")) {
    let once: string, twice: string;
    try {
      once = print(r.ast);
      const r2 = parse(once, "fuzz.policy");
      if (r2.diagnostics.some((d) => d.severity === "error")) return `the formatted file does not parse: ${r2.diagnostics[0]!.message}\ninput ${JSON.stringify(text)}\nformatted ${JSON.stringify(once)}`;
      twice = print(r2.ast);
      const a = JSON.stringify(stripSpans(r.ast.decls));
      const b = JSON.stringify(stripSpans(r2.ast.decls));
      if (a !== b) return `parse(print(ast)) differs from ast\ninput ${JSON.stringify(text)}\nformatted ${JSON.stringify(once)}\nast ${a}\nreparsed ${b}`;
      const ca = r.ast.comments.map((c) => c.text.trimEnd()).sort();
      const cb = r2.ast.comments.map((c) => c.text.trimEnd()).sort();
      if (JSON.stringify(ca) !== JSON.stringify(cb)) return `fmt lost or changed comments\ninput ${JSON.stringify(text)}\nformatted ${JSON.stringify(once)}`;
    } catch (e) {
      return `print threw: ${(e as Error)?.stack ?? String(e)}\ninput ${JSON.stringify(text)}`;
    }
    if (once !== twice) return `fmt is not idempotent\ninput ${JSON.stringify(text)}\nonce ${JSON.stringify(once)}\ntwice ${JSON.stringify(twice)}`;
  }
  const ms = performance.now() - t0;
  const detectors = Math.min(MAX_DETECTORS, (text.match(/detector/g) ?? []).length);
  if (ms > FIXED_MS + MAX_MS_PER_CHAR * text.length + MS_PER_DETECTOR * detectors) return `took ${ms.toFixed(0)} ms for ${text.length} characters\ninput ${JSON.stringify(text)}`;
  return undefined;
}
