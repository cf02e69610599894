/**
 * Semantic tokens: the lexer's tokens (keywords, strings, numbers, regexes, comments) refined
 * by the AST (integrations, tools, policy ids, `args.` paths, detectors, data classes, labels).
 */
import { SemanticTokensBuilder, type SemanticTokens, type SemanticTokensLegend } from "vscode-languageserver";
import { PolicyLexer, KEYWORDS, StringLit, BadString, NumberLit, Duration, Regex, Cmp } from "../grammar/lexer.js";
import type * as A from "../grammar/ast.js";
import { targetsOf, type Target } from "./locate.js";

const TYPES = ["keyword", "string", "number", "regexp", "comment", "operator", "namespace", "function", "variable", "property", "type", "enumMember"] as const;
const MODIFIERS = ["declaration"] as const;
export const LEGEND: SemanticTokensLegend = { tokenTypes: [...TYPES], tokenModifiers: [...MODIFIERS] };

type TokenType = (typeof TYPES)[number];
const idx = (t: TokenType) => TYPES.indexOf(t);

const BY_TARGET: Record<Target["kind"], TokenType> = {
  integration: "namespace", tool: "function", label: "enumMember", policyId: "variable", policyName: "string", policyRef: "variable",
  detector: "type", dataClass: "enumMember", arg: "property", result: "property", subject: "property", action: "keyword",
};

export function semanticTokens(text: string, ast: A.PolicyFile): SemanticTokens {
  const byStart = new Map<number, Target>();
  for (const t of targetsOf(ast)) byStart.set(t.span.start, t);
  const keywordTypes = new Set(KEYWORDS);
  const lexed = PolicyLexer.tokenize(text);
  const all = [...lexed.tokens, ...((lexed.groups["comments"] as typeof lexed.tokens | undefined) ?? [])].sort((a, b) => a.startOffset - b.startOffset);
  const b = new SemanticTokensBuilder();
  for (const tok of all) {
    let type: TokenType | undefined;
    let mods = 0;
    const target = byStart.get(tok.startOffset);
    if (target && tok.tokenType !== StringLit) type = BY_TARGET[target.kind];
    else if (keywordTypes.has(tok.tokenType)) type = "keyword";
    else if (tok.tokenType === StringLit || tok.tokenType === BadString) type = target?.kind === "policyRef" ? "variable" : "string";
    else if (tok.tokenType === NumberLit || tok.tokenType === Duration) type = "number";
    else if (tok.tokenType === Regex) type = "regexp";
    else if (tok.tokenType === Cmp) type = "operator";
    else if (tok.tokenType.name === "Comment") type = "comment";
    if (target && (target.kind === "policyId" || target.kind === "policyName" || target.kind === "detector")) mods |= 1;
    if (!type) continue;
    b.push((tok.startLine ?? 1) - 1, (tok.startColumn ?? 1) - 1, tok.image.length, idx(type), mods);
  }
  return b.build();
}
