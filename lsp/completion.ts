/**
 * Completion. The context comes from the text of the line before the cursor (robust while the
 * line is half typed) and the block around it; the words come from the compiler: keywords and
 * operators (`compiler/editor-support.ts`), integrations and tools from the catalog, `args.`
 * paths and enum values from the schemas of the tools the policy can still match.
 */
import { resultPaths } from "../compiler/editor-support.js";
import { CompletionItemKind, type CompletionItem, type Position, type Range } from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";
import type * as A from "../grammar/ast.js";
import type { CheckedProject } from "../compiler/model.js";
import type { CatalogTool } from "../compiler/catalog/catalog.js";
import {
  ACTIONS, APPROVERS, DECLARATION_KEYWORDS, EFFECTS, HEADER_VALUES, POLICY_LINE_KEYWORDS, RESPOND_KEYS, SUBJECTS, TEST_STEP_KEYWORDS,
  argEnum, argPaths, labelsOf, operatorsOf, policyConstraints, subjectValues, userFields, URL_PART_OPERATORS,
} from "../compiler/editor-support.js";
import { OPERATIONS, URL_PARTS } from "../runtime/language-facts.js";

type Block = "top" | "policy" | "test" | "default" | "organization";

/** The block the cursor is in, found from the text above it (works on unfinished files). */
function blockAt(lines: readonly string[], line: number): { block: Block; startLine: number } {
  let depth = 0;
  for (let i = line - 1; i >= 0; i--) {
    const t = stripComment(lines[i]!);
    for (let j = t.length - 1; j >= 0; j--) {
      const c = t[j];
      if (c === "}") depth++;
      else if (c === "{") {
        if (depth > 0) { depth--; continue; }
        const m = /^\s*(policy|test|default|organization)\b/.exec(t);
        if (m) return { block: m[1] as Block, startLine: i };
        // `call x { …` inside a test: an object literal, keep looking up
      }
    }
  }
  return { block: "top", startLine: -1 };
}

function stripComment(s: string): string {
  let inStr = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inStr && c === "\\") { i++; continue; }
    if (c === "\"") inStr = !inStr;
    else if (c === "#" && !inStr) return s.slice(0, i);
  }
  return s;
}

const TOKEN = /"(?:[^"\\]|\\.)*"?|>=|<=|[\[\](),{}:<>]|[A-Za-z0-9_.\-]+/g;

function tokens(s: string): string[] {
  return s.match(TOKEN) ?? [];
}

const kw = (label: string, detail?: string): CompletionItem => ({ label, kind: CompletionItemKind.Keyword, ...(detail ? { detail } : {}) });

export interface CompletionInput {
  readonly doc: TextDocument;
  readonly position: Position;
  readonly project: CheckedProject | undefined;
  /** The current text, parsed. */
  readonly ast: A.PolicyFile;
}

export function complete(input: CompletionInput): CompletionItem[] {
  const { doc, position, project } = input;
  const text = doc.getText();
  const lines = text.split(/\r\n|\r|\n/);
  const lineText = lines[position.line] ?? "";
  const before = stripComment(lineText.slice(0, position.character));
  if (before.length < lineText.slice(0, position.character).length) return []; // inside a comment
  const partial = /[A-Za-z0-9_.\-]*$/.exec(before)![0];
  const head = before.slice(0, before.length - partial.length);
  const range: Range = { start: { line: position.line, character: position.character - partial.length }, end: position };
  const { block, startLine } = blockAt(lines, position.line);
  const toks = tokens(head);
  const withRange = (items: CompletionItem[]) => items.map((i) => (i.textEdit ? i : { ...i, textEdit: { range, newText: i.insertText ?? i.label } }));
  // Inside a string: nothing to offer (agent and policy names are offered as whole strings).
  if ((head.replace(/\\./g, "").match(/"/g)?.length ?? 0) % 2 === 1) return [];
  if (!project) return withRange(toks.length === 0 ? (block === "top" ? DECLARATION_KEYWORDS.map((k) => kw(k)) : []) : []);
  const catalog = project.catalog;
  const ctx: Ctx = { project, input, startLine, partial };
  switch (block) {
    case "top": {
      if (toks.length === 0) return withRange(DECLARATION_KEYWORDS.map((k) => kw(k)));
      if (toks[0] === "default" && toks.length === 1) return withRange([...EFFECTS.map((e) => kw(e)), kw("by operation")]);
      if (toks[0] === "default" && toks[1] === "by" && toks.length === 2) return withRange([kw("operation")]);
      if (toks[0] === "detector" && toks.length === 3) return withRange([kw("class")]);
      if (toks[0] === "detector" && toks[3] === "class" && toks.length === 4) return withRange(classes(project).map(enumItem));
      return [];
    }
    case "default": {
      if (toks.length === 0 || toks[toks.length - 1] !== ":") return withRange(OPERATIONS.map((o) => ({ label: `${o}:`, kind: CompletionItemKind.EnumMember, insertText: `${o}: ` })));
      return withRange(EFFECTS.map((e) => kw(e)));
    }
    case "organization":
      if (toks.length === 0) return withRange(["domains", "slack_workspaces", "github_orgs", "external_channels"].map((k) => ({ label: k, kind: CompletionItemKind.Property })));
      return [];
    case "test":
      return withRange(testCompletion(toks, ctx));
    case "policy":
      return withRange(policyCompletion(toks, ctx, catalog));
  }
}

interface Ctx {
  readonly project: CheckedProject;
  readonly input: CompletionInput;
  readonly startLine: number;
  readonly partial: string;
}

function policyCompletion(toks: readonly string[], ctx: Ctx, catalog: CheckedProject["catalog"]): CompletionItem[] {
  if (toks.length === 0) return POLICY_LINE_KEYWORDS.map((k) => kw(k));
  const [first, ...rest] = toks;
  if (rest.length === 0 && HEADER_VALUES[first!]) return HEADER_VALUES[first!]!.map((v) => kw(v));
  if (first === "scope" && rest[0] === "agent" && rest.length === 1) return agentNames(ctx.project).map(stringItem);
  if (first === "scope" && rest[0] === "tenant" && rest.length === 1) return [];
  if (first === "action") return actionCompletion(rest);
  if (first === "if") return conditionCompletion(rest, ctx, catalog);
  return [];
}

function actionCompletion(rest: readonly string[]): CompletionItem[] {
  const last = rest[rest.length - 1];
  if (rest.length === 0 || last === ",") return ACTIONS.map((a) => kw(a));
  const open = rest.lastIndexOf("[");
  if (open >= 0 && !rest.slice(open).includes("]") && rest[open - 1] === "from") return APPROVERS.map((a) => ({ label: a, kind: CompletionItemKind.EnumMember }));
  if (open >= 0 && !rest.slice(open).includes("]") && rest[open - 1] === "sanitize") return [];
  const action = [...rest].reverse().find((t) => (ACTIONS as readonly string[]).includes(t));
  if (action === "require_approval" && last !== "from") return [kw("from")];
  if (action === "alert" && last !== "to") return [kw("to")];
  return [];
}

/** The tokens of the condition being typed: after the last `and` / `or` / `(` / `,` of a rate filter. */
function currentClause(rest: readonly string[]): string[] {
  let depthList = 0;
  let start = 0;
  for (let i = 0; i < rest.length; i++) {
    const t = rest[i];
    if (t === "[") depthList++;
    else if (t === "]") depthList--;
    else if (depthList === 0 && (t === "and" || t === "or" || t === "(" || t === ",")) start = i + 1;
  }
  const out = rest.slice(start);
  while (out[0] === "not") out.shift();
  return out;
}

function conditionCompletion(rest: readonly string[], ctx: Ctx, catalog: CheckedProject["catalog"]): CompletionItem[] {
  const clause = currentClause(rest);
  if (clause.length === 0) {
    if (ctx.partial.startsWith("args.")) return argPathItems(matchable(ctx).tools);
    if (ctx.partial.startsWith("result.")) return resultPathItems(matchable(ctx).tools);
    if (ctx.partial.startsWith("user.claims.")) return claimItems(ctx.project.userClaims);
    if (ctx.partial.startsWith("user.")) return userFieldItems();
    return [
      ...SUBJECTS.filter((s) => s !== "args").map((s) => ({ label: s, kind: CompletionItemKind.Property, detail: `${operatorsOf(s).join(" · ")}` })),
      { label: "args.", kind: CompletionItemKind.Property, detail: "an argument of the tool", command: { title: "suggest", command: "editor.action.triggerSuggest" } },
      { label: "user.", kind: CompletionItemKind.Property, detail: "a field of the user behind the agent", command: { title: "suggest", command: "editor.action.triggerSuggest" } },
      { label: "result.", kind: CompletionItemKind.Property, detail: "a field of the tool's result (when tool_response)", command: { title: "suggest", command: "editor.action.triggerSuggest" } },
      kw("not"),
    ];
  }
  const subject = clause[0]!;
  // After a URL part (`args.url host`), the part's operators follow.
  const part = subject.startsWith("args.") && (URL_PARTS as readonly string[]).includes(clause[1] ?? "") ? 1 : 0;
  const ops = part ? URL_PART_OPERATORS : operatorsOf(subject);
  const opToks = clause.slice(1 + part);
  // After the subject: operators.
  if (opToks.length === 0) return ops.map((o) => kw(o));
  const words = (o: string) => o.split(" ");
  const startsWith = (xs: readonly string[], ys: readonly string[]) => ys.every((y, i) => xs[i] === y);
  const op = ops.filter((o) => startsWith(opToks, words(o))).sort((a, b) => words(b).length - words(a).length)[0];
  if (!op) {
    // A partly written operator (`is not`, `not in`, `contains any`): offer its next word.
    const next = ops.filter((o) => words(o).length > opToks.length && startsWith(words(o), opToks)).map((o) => words(o)[opToks.length]!);
    return [...new Set(next)].map((w) => kw(w));
  }
  const remaining = opToks.slice(words(op).length);
  const longer = [...new Set(ops.filter((o) => o !== op && startsWith(words(o), words(op))).map((o) => words(o)[words(op).length]!))];
  if (remaining.length === 0) return op === "exists" ? [] : [...longer.map((w) => kw(w)), ...valueItems(subject, op, ctx, catalog)];
  const last = remaining[remaining.length - 1]!;
  const inList = remaining[0] === "[" && !remaining.includes("]");
  if (inList && (last === "[" || last === ",")) return valueItems(subject, op, ctx, catalog);
  if (inList) return [];
  return [kw("and"), kw("or")];
}

function valueItems(subject: string, op: string, ctx: Ctx, catalog: CheckedProject["catalog"]): CompletionItem[] {
  if (subject === "integration") {
    return [...catalog.integrations.values()].map((i) => ({ label: i.name.replace(/\s+/g, "_"), kind: CompletionItemKind.Module, detail: `${i.callType} · ${i.tools.size} tools`, filterText: `${i.name} ${i.id}`, ...(i.description ? { documentation: i.description } : {}) }));
  }
  if (subject === "tool" && (op.startsWith("is") || op.includes("in"))) return toolItems(ctx, catalog);
  if (subject === "tool" && op === "has") return labelsOf(catalog).map(enumItem);
  if (subject === "tool") return [];
  if (subject === "session" && op === "has called") return catalog.allTools().map((t) => toolItem(t, true));
  if (subject === "session" && op === "has seen") return (subjectValues(catalog, "data_class", classes(ctx.project)) ?? []).map(enumItem);
  if (subject === "agent") return agentNames(ctx.project).map(stringItem);
  if (subject.startsWith("args.")) {
    const path = subject.slice(5).split(".");
    const tools = matchable(ctx).tools;
    const values = argEnum(tools, path);
    if (values) return values.map((v) => ({ label: JSON.stringify(v), kind: CompletionItemKind.EnumMember, detail: `args.${path.join(".")}` }));
    const info = argPaths(tools, 8).find((p) => p.path === path.join("."));
    if (info?.types.includes("boolean")) return ["true", "false"].map((v) => ({ label: v, kind: CompletionItemKind.Value }));
    return [];
  }
  const values = subjectValues(catalog, subject, classes(ctx.project));
  return (values ?? []).map(enumItem);
}

function toolItems(ctx: Ctx, catalog: CheckedProject["catalog"]): CompletionItem[] {
  const dot = ctx.partial.indexOf(".");
  if (dot > 0) {
    const integ = catalog.integration(ctx.partial.slice(0, dot));
    return integ ? [...integ.tools.values()].map((t) => toolItem(t, true)) : [];
  }
  const { integrations } = matchable(ctx);
  if (integrations?.length) {
    const tools = catalog.allTools().filter((t) => integrations.includes(t.integration));
    return tools.map((t) => toolItem(t, catalog.toolsNamed(t.name, integrations).length > 1));
  }
  return catalog.allTools().map((t) => toolItem(t, true));
}

const PSEUDO = new Set(["mcp_request", "mcp_server_message"]);

function toolItem(t: CatalogTool, qualified: boolean): CompletionItem {
  const label = qualified ? t.key : t.name;
  return {
    label,
    kind: CompletionItemKind.Function,
    detail: `${t.operation}${t.labels.length ? ` · ${t.labels.join(", ")}` : ""}`,
    documentation: { kind: "markdown", value: `**${t.key}**${t.description ? `\n\n${t.description}` : ""}` },
    filterText: label,
    // The catalog's MCP request paths and server messages (`resources/read`, `notifications/message`)
    // come after the integration's own tools.
    sortText: `${PSEUDO.has(t.category ?? "") ? "2" : qualified ? "1" : "0"}${label}`,
    // MCP request paths (`resources/read`) are not names: they are written quoted.
    ...(/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(label) ? {} : { insertText: JSON.stringify(label) }),
  };
}

/** The claims `policy.config.json` declares (`user_claims`), after `user.claims.`. */
function claimItems(claims: Readonly<Record<string, string>> | undefined): CompletionItem[] {
  return Object.entries(claims ?? {}).map(([name, type]) => ({ label: `user.claims.${name}`, kind: CompletionItemKind.Field, detail: `${type} · ${operatorsOf(`user.claims.${name}`).join(" · ")}` }));
}

/** `user.id`, `user.roles`, …, `user.claims.` (which asks for a claim name). */
function userFieldItems(): CompletionItem[] {
  return userFields().map((f) => ({
    label: f.label,
    kind: CompletionItemKind.Field,
    detail: operatorsOf(f.label.endsWith(".") ? `${f.label}x` : f.label).join(" · "),
    documentation: { kind: "markdown", value: f.doc },
    ...(f.label.endsWith(".") ? { command: { title: "suggest", command: "editor.action.triggerSuggest" } } : {}),
  }));
}

/** `result.content` and the output schemas' fields of the matchable tools. */
function resultPathItems(tools: readonly CatalogTool[]): CompletionItem[] {
  return resultPaths(tools, 4).map((p) => ({
    label: `result.${p.path}`,
    kind: CompletionItemKind.Field,
    detail: `${p.types.join(" | ") || "any"}${p.tools.length < tools.length ? ` · in ${p.tools.length} of ${tools.length} tools` : ""}`,
    documentation: { kind: "markdown", value: [p.path === "content" ? "the text of the result's content items" : p.description, `tools: ${p.tools.slice(0, 8).join(", ")}${p.tools.length > 8 ? ", …" : ""}`].filter(Boolean).join("\n\n") },
    sortText: `${p.path.split(".").length}${p.path}`,
  }));
}

function argPathItems(tools: readonly CatalogTool[]): CompletionItem[] {
  return argPaths(tools, 4).map((p) => ({
    label: `args.${p.path}`,
    kind: CompletionItemKind.Field,
    detail: `${p.types.join(" | ") || "any"}${p.tools.length < tools.length ? ` · in ${p.tools.length} of ${tools.length} tools` : ""}`,
    documentation: { kind: "markdown", value: [p.description, p.enum ? `one of ${p.enum.map((v) => `\`${JSON.stringify(v)}\``).join(", ")}` : undefined, `tools: ${p.tools.slice(0, 8).join(", ")}${p.tools.length > 8 ? ", …" : ""}`].filter(Boolean).join("\n\n") },
    sortText: `${p.path.split(".").length}${p.path}`,
  }));
}

function testCompletion(toks: readonly string[], ctx: Ctx): CompletionItem[] {
  const catalog = ctx.project.catalog;
  if (toks.length === 0) return TEST_STEP_KEYWORDS.map((k) => kw(k));
  const [first, ...rest] = toks;
  const last = rest[rest.length - 1];
  switch (first) {
    case "call": return rest.length === 0 ? catalog.allTools().map((t) => toolItem(t, true)) : callArgItems(rest, catalog);
    case "given":
      if (rest.length === 0 || (rest.length % 2 === 0)) return ["agent", "tenant", "review_status", "time", "session", "user", "roles", "groups", "claims", "manager"].map((k) => kw(k));
      if (last === "agent") return agentNames(ctx.project).map(stringItem);
      if (last === "review_status") return (subjectValues(catalog, "agent.review_status") ?? []).map(enumItem);
      return [];
    case "discover":
      if (rest.length === 0) return [kw("agent")];
      if (last === "agent") return agentNames(ctx.project).map(stringItem);
      if (rest.length === 2) return [kw("review_status")];
      if (last === "review_status") return (subjectValues(catalog, "agent.review_status") ?? []).map(enumItem);
      return [];
    case "respond": {
      // `respond cost 0.42 USD result { … }`: the keys not used yet; after an amount, the currencies of `spend` limits.
      if (rest.filter((t) => t === "{").length > rest.filter((t) => t === "}").length) return [];
      if (rest.length >= 2 && rest[rest.length - 2] === "cost" && /^-?\d/.test(last ?? "")) return currencies(ctx.project).map(enumItem);
      if (last === "cost" || last === "result") return [];
      return RESPOND_KEYS.filter((k) => !rest.includes(k)).map((k) => kw(k, k === "cost" ? "cost 0.42 USD" : "result { … }"));
    }
    case "expect": {
      if (last === "by") return policyRefItems(ctx.project);
      if (rest.length === 0) return [...EFFECTS, "alert", "no", "sanitize", "hidden", "withheld", "event", "calls"].map((k) => kw(k));
      if (rest.length === 1 && last === "no") return [kw("alert")];
      if (rest.length === 1 && last === "calls") return [kw("to")];
      if (last === "to" && rest[0] === "calls") return catalog.allTools().map((t) => toolItem(t, true));
      if (rest[0] === "event" && rest.length === 2) return EFFECTS.map((e) => kw(e));
      if (rest[0] === "calls" && rest.length === 3) return EFFECTS.map((e) => kw(e));
      if ((EFFECTS as readonly string[]).includes(last ?? "")) return [kw("by")];
      return [];
    }
    default: return [];
  }
}

/** Inside `call tool { … }`: the tool's top-level argument names. */
function callArgItems(rest: readonly string[], catalog: CheckedProject["catalog"]): CompletionItem[] {
  const tool = catalog.tool(rest[0]!);
  const last = rest[rest.length - 1];
  if (!tool || !rest.includes("{") || (last !== "{" && last !== ",")) return [];
  return argPaths([tool], 1).map((p) => ({ label: p.path, kind: CompletionItemKind.Field, detail: p.types.join(" | "), insertText: `${p.path}: `, ...(p.description ? { documentation: p.description } : {}) }));
}

function policyRefItems(project: CheckedProject): CompletionItem[] {
  return project.policies.flatMap((p) => [
    { label: p.id, kind: CompletionItemKind.Reference, detail: p.name, sortText: `0${p.id}` },
    ...(p.name !== p.id ? [{ label: JSON.stringify(p.name), kind: CompletionItemKind.Reference, detail: `id ${p.id}`, sortText: `1${p.name}` }] : []),
  ]);
}

/** The integrations and tools constrained by the `if` lines above the cursor in this policy. */
function matchable(ctx: Ctx): ReturnType<typeof policyConstraints> {
  const offset = ctx.input.doc.offsetAt({ line: ctx.input.position.line, character: 0 });
  const startOffset = ctx.input.doc.offsetAt({ line: Math.max(0, ctx.startLine), character: 0 });
  const decl = ctx.input.ast.decls.find((d): d is A.PolicyDecl => d.kind === "Policy" && d.span.start >= startOffset && d.span.start < offset)
    ?? ctx.input.ast.decls.filter((d): d is A.PolicyDecl => d.kind === "Policy" && d.span.start <= offset).pop();
  return policyConstraints(ctx.project.catalog, decl?.items ?? [], offset);
}

/** Agent names seen in the project: scopes, conditions, test steps. */
function agentNames(project: CheckedProject): string[] {
  const names = new Set<string>();
  for (const p of project.policies) if (p.scope.kind === "agent") names.add(p.scope.agent);
  for (const n of Object.keys(project.reviews?.agents ?? {})) names.add(n);
  const re = /\bagent\s+(?:is\s+|in\s+\[)?"((?:[^"\\]|\\.)*)"|\bagent\s+in\s+\[([^\]]*)\]/g;
  for (const f of project.files) {
    for (const m of f.text.matchAll(re)) {
      if (m[1] !== undefined) names.add(m[1]);
      if (m[2] !== undefined) for (const s of m[2].matchAll(/"((?:[^"\\]|\\.)*)"/g)) names.add(s[1]!);
    }
  }
  return [...names].sort();
}

/** Currencies of the `spend today … CUR` limits in the project (USD when there are none). */
function currencies(project: CheckedProject): string[] {
  const out = new Set<string>();
  for (const f of project.files) for (const m of f.text.matchAll(/\bspend\s+today\s*[<>]=?\s*[-\d.eE+]+\s+([A-Za-z]{3})\b/g)) out.add(m[1]!.toUpperCase());
  return out.size ? [...out].sort() : ["USD"];
}

function classes(project: CheckedProject): string[] {
  return project.detectors.map((d) => d.class);
}

function enumItem(v: string): CompletionItem {
  return { label: v, kind: CompletionItemKind.EnumMember };
}

function stringItem(v: string): CompletionItem {
  return { label: JSON.stringify(v), kind: CompletionItemKind.Value };
}
