/**
 * Turns chevrotain's lexer and parser errors into our diagnostics, in the user's words.
 */
import { distance } from "fastest-levenshtein";
import { EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from "./chevrotain.js";
import { KEYWORD_WORDS } from "./lexer.js";

function label(t: TokenType): string {
  return t === EOF ? "end of file" : (t.LABEL ?? t.name);
}

export function describeToken(t: IToken | undefined): string {
  if (!t || t.tokenType === EOF || t.image === "") return "end of file";
  return `'${t.image.length > 30 ? t.image.slice(0, 30) + "…" : t.image}'`;
}

const RULE_HINTS: Record<string, string> = {
  file: "a file holds `policy`, `test`, `default`, `detector` and `organization` declarations",
  decl: "a file holds `policy`, `test`, `default`, `detector` and `organization` declarations",
  policyItem: "a policy line starts with id, scope, status, version, priority, description, when, if or action",
  notExpr: "a condition looks like `integration is GitHub`, `operation in [Write, Delete]` or `not (…)`",
  condition: "a condition looks like `integration is GitHub`, `operation in [Write, Delete]` or `not (…)`",
  predicate: "after a subject comes is, is not, in, not in, matches, contains, has, exists, within or a comparison",
  value: "a value is a \"string\", a number, a name, a [list] or an { object }",
  actionNode: "an action is allow, block, require_approval, hide, alert or sanitize",
  testStep: "a test step starts with given, call, run, discover, respond, replay or expect",
  respondItem: "e.g. `respond cost 0.42 USD` or `respond result { rows: 3 }`",
  expectStep: "e.g. `expect block by github-readonly`, `expect event 4 allow`, `expect no alert`",
  defaultDecl: "`default allow` or `default by operation { Read: allow  Write: require_approval }`",
  detectorDecl: "`detector EmployeeId /EMP-[0-9]{6}/ class INTERNAL`",
  orgDecl: "`organization { domains [\"acme.com\"] }`",
};

export function hintForRule(rule: string | undefined): string | undefined {
  return rule ? RULE_HINTS[rule] : undefined;
}

export const messageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    return `expected ${label(expected)} but found ${describeToken(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `unexpected ${describeToken(firstRedundant)}: expected a declaration (policy, test, default, detector, organization)`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual }) {
    const firsts = new Set<string>();
    for (const alt of expectedPathsPerAlt) for (const path of alt) if (path[0]) firsts.add(label(path[0]));
    const list = [...firsts].slice(0, 12).join(", ");
    return `unexpected ${describeToken(actual[0])}${list ? `: expected ${list}` : ""}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual }) {
    const firsts = new Set<string>();
    for (const path of expectedIterationPaths) if (path[0]) firsts.add(label(path[0]));
    return `unexpected ${describeToken(actual[0])}: expected at least one ${[...firsts].join(" or ")}`;
  },
};

/**
 * `acton` → "did you mean `action`?": a word one or two edits from a keyword (and not one itself),
 * for a syntax error found at that word.
 */
export function keywordHint(word: string): string | undefined {
  if (!/^[a-z_]{3,}$/i.test(word) || KEYWORD_WORDS.includes(word)) return undefined;
  let best: string | undefined;
  let bestD = 3;
  for (const k of KEYWORD_WORDS) {
    if (k.length < 3) continue;
    const d = distance(word.toLowerCase(), k);
    if (d < bestD) { bestD = d; best = k; }
  }
  return best === undefined || bestD > Math.max(1, Math.floor(word.length / 3)) ? undefined : `did you mean \`${best}\`?`;
}
