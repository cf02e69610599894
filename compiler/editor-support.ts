/**
 * Queries the editor (the language server) asks of the compiler: which words fit where, which
 * tools a half-written policy can match, which argument paths those tools have, which policy a
 * test's `by` names. They reuse the checker's own rules so that completion agrees with `check`.
 */
import type { Trigger } from "../runtime/types.js";
import { resultSchemaOf } from "./check/rules/subject-result.js";
import type * as A from "../grammar/ast.js";
import { KEYWORD_WORDS } from "../grammar/lexer.js";
import { BUILTIN_CLASSES } from "../runtime/detectors.js";
import { staticEval } from "../runtime/static-eval.js";
import type { Catalog, CatalogTool } from "./catalog/catalog.js";
import { toolFactsOf } from "./catalog/facts.js";
import { KNOWN_LABELS, type JsonSchema } from "./catalog/types.js";
import { CheckContext, itemsOf } from "./check/context.js";
import { checkExpr, SUBJECTS } from "./check/expr.js";
import { resolveIntegrationNames } from "./check/rules/subject-integration.js";
import { schemasAt, typesOf, type ArgRef } from "./check/rules/subject-args.js";
import { USER_FIELD_DOCS } from "./check/rules/subject-user.js";
import { argPathSegments } from "../runtime/canonical-args.js";
import type { CExpr, CheckedPolicy } from "./model.js";
import { operatorsOf, SUBJECT_LITERALS, SUBJECT_OPERATORS, URL_PART_OPERATORS } from "../runtime/language-facts.js";

/** The operators each subject accepts, as written: the language facts' table (runtime/language-facts.ts). */
export { KEYWORD_WORDS, operatorsOf, SUBJECT_OPERATORS, SUBJECTS, URL_PART_OPERATORS };

/** Top-level declarations. */
export const DECLARATION_KEYWORDS = ["policy", "test", "default", "detector", "organization"] as const;
/** Lines of a policy block. */
export const POLICY_LINE_KEYWORDS = ["id", "scope", "status", "version", "priority", "description", "when", "if", "action"] as const;
/** Steps of a test block. */
export const TEST_STEP_KEYWORDS = ["given", "call", "run", "discover", "respond", "replay", "expect"] as const;
/** What `respond` takes: `respond cost 0.42 USD result { … }`. */
export const RESPOND_KEYS = ["cost", "result"] as const;
/** `mark` and `clear` change the session (`when message_from_user` only: check/rules/session-actions.ts). */
export const ACTIONS = ["allow", "block", "deny", "require_approval", "hide", "alert", "sanitize", "mark", "clear"] as const;
export const EFFECTS = ["allow", "block", "require_approval"] as const;
export const APPROVERS = ["technician", "manager"] as const;
export const HEADER_VALUES: Readonly<Record<string, readonly string[]>> = {
  scope: ["platform", "tenant", "agent"],
  status: ["draft", "active", "deprecated"],
  when: ["tool_call", "agent_discovered", "tool_response", "message_to_user", "message_from_user"],
};

/** The fields offered after `user.` (`user.claims.` takes a claim name), with what each is. */
export function userFields(): readonly { readonly label: string; readonly doc: string }[] {
  return Object.entries(USER_FIELD_DOCS).filter(([k]) => k !== "user").map(([label, doc]) => ({ label, doc }));
}

/** What a subject is, in a sentence (for hover); undefined when there is nothing to add. */
export function subjectDoc(subject: string): string | undefined {
  if (subject.startsWith("user.claims.")) return USER_FIELD_DOCS["user.claims."];
  return USER_FIELD_DOCS[subject] ?? REVIEW_DOCS[subject] ?? COUNTING_DOCS[subject];
}

const COUNTING_DOCS: Readonly<Record<string, string>> = {
  rate: "`rate(<window>[, options][, filter])`: calls in a sliding window (`5m`) or the current local `today` / `this hour` (the organization's `timezone`), the call being decided included; options `tenant` (every agent of the tenant), `integration` (the call's integration across agents), `session`, `allowed` (only calls not blocked)",
  count: "`count(session[, allowed][, filter])`: the session's calls since it began, the call being decided included",
  sum: "`sum(args.<path>, today | this hour | session | 1h[, options][, filter])`: the sum of a numeric argument over the period or a sliding window, the call being decided included (a negative amount counts as 0)",
  burst: "`burst`, `burst(tenant)`, `burst(integration)`: at least 10 calls in the last minute and 5× the average minute of the hour before, for the agent, the tenant or the call's integration",
};

const REVIEW_DOCS: Readonly<Record<string, string>> = {
  "tool.review_status": "the tool's review in the project's reviews file (`policy catalog review`); a tool no review names, a tool outside the catalog and, at the enforcement point, a tool whose live definition differs from the pinned one are `Unreviewed`",
  "agent.review_status": "the agent's review in the project's reviews file (`policy agent review`), as the enforcement point stamps it on the event; an agent no review names is `Unreviewed`",
};

/** Values a subject compares with, when they form a known set (undefined: free text). */
export function subjectValues(catalog: Catalog, subject: string, dataClasses: readonly string[] = []): readonly string[] | undefined {
  const uniq = (xs: (string | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x))].sort();
  const fixed = SUBJECT_LITERALS[subject];
  if (fixed) return fixed;
  switch (subject) {
    case "method": return uniq(catalog.allTools().map((t) => t.method?.toUpperCase()));
    case "category": return uniq(catalog.allTools().map((t) => t.category?.toLowerCase()));
    case "verb": return uniq(catalog.allTools().flatMap((t) => t.verbs.map((v) => v.toLowerCase())));
    case "data_class": return uniq([...BUILTIN_CLASSES, ...dataClasses]);
    case "session": case "tool": return labelsOf(catalog);
    default: return undefined;
  }
}

/** Every label some catalog tool carries (plus the well-known ones). */
export function labelsOf(catalog: Catalog): string[] {
  return [...new Set([...KNOWN_LABELS, ...catalog.allTools().flatMap((t) => t.labels)])].sort();
}

export interface PolicyConstraints {
  /** Integration ids constrained by `integration is/in` lines (undefined: none). */
  readonly integrations: readonly string[] | undefined;
  /** Catalog tools the policy's (valid) `if` lines can still match. */
  readonly tools: readonly CatalogTool[];
}

/**
 * What the `if` lines of a policy (those ending before `before`, when given) constrain. Lines
 * that do not check (half-typed) are ignored, so this works while the user is typing.
 */
export function policyConstraints(catalog: Catalog, items: readonly A.PolicyItem[], before = Infinity): PolicyConstraints {
  const ctx = new CheckContext(catalog);
  const ifs = items.filter((it): it is A.IfItem => it.kind === "IfItem" && it.span.end <= before);
  let integrations: string[] | undefined;
  for (const it of ifs) {
    const conj = it.expr.kind === "And" ? it.expr.items : [it.expr];
    for (const c of conj) {
      if (c.kind !== "Condition" || c.subject.name !== "integration" || (c.op !== "is" && c.op !== "in")) continue;
      const ids = resolveIntegrationNames(ctx, itemsOf(c.value), false);
      if (ids) integrations = integrations ? integrations.filter((x) => ids.includes(x)) : ids;
    }
  }
  const when = items.find((it): it is A.WhenItem => it.kind === "WhenItem")?.value.value;
  const trigger: Trigger = when === "agent_discovered" || when === "tool_response" || when === "message_to_user" || when === "message_from_user" ? when : "tool_call";
  const exprs: CExpr[] = [];
  for (const it of ifs) {
    const refs: ArgRef[] = [];
    const e = checkExpr(it.expr, { ctx, integrations, trigger }, refs);
    if (e) exprs.push(e);
  }
  const all: CExpr = { k: "and", items: exprs };
  const tools = catalog.allTools().filter((t) => staticEval(all, toolFactsOf(t)) !== false);
  return { integrations, tools };
}

export interface ArgPathInfo {
  /** `repo`, `head.sha` (without `args.`). */
  readonly path: string;
  /** JSON types seen across the tools (`string`, `number | integer`, …). */
  readonly types: readonly string[];
  readonly enum: readonly unknown[] | undefined;
  readonly description: string | undefined;
  /** Keys of the tools that have it. */
  readonly tools: readonly string[];
}

/** Argument paths (nested objects included, up to `depth`) of the given tools. */
export function argPaths(tools: readonly CatalogTool[], depth = 4): ArgPathInfo[] {
  const byPath = new Map<string, { types: Set<string>; enum: unknown[] | undefined; description: string | undefined; tools: string[] }>();
  const visit = (s: JsonSchema, prefix: string[], tool: string, d: number) => {
    const alts = [...(s.anyOf ?? []), ...(s.oneOf ?? [])];
    for (const a of alts) visit(a, prefix, tool, d);
    for (const [k, sub] of Object.entries(s.properties ?? {})) {
      const path = [...prefix, k];
      const key = path.join(".");
      const e = byPath.get(key) ?? { types: new Set<string>(), enum: undefined, description: undefined, tools: [] };
      const t = typesOf(sub);
      if (t !== "any") t.forEach((x) => e.types.add(x));
      if (sub.enum) e.enum = [...new Set([...(e.enum ?? []), ...sub.enum])];
      e.description ??= sub.description;
      if (!e.tools.includes(tool)) e.tools.push(tool);
      byPath.set(key, e);
      if (d > 1) visit(sub, path, tool, d - 1);
    }
  };
  for (const t of tools) if (t.args) visit(t.args, [], t.key, depth);
  return [...byPath].map(([path, e]) => ({ path, types: [...e.types].sort(), enum: e.enum, description: e.description, tools: e.tools }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * What is known of `args.<name>` for the given tools, `[n]` / `[*]` steps included
 * (`paths[*]`, `files[*].path`), with how the catalogs mark it (`path`, `url`); undefined when no
 * tool has it.
 */
export function argPathInfo(tools: readonly CatalogTool[], name: string): ArgPathInfo & { readonly kinds: readonly string[] } | undefined {
  const segs = argPathSegments(name);
  const types = new Set<string>();
  const having: string[] = [];
  const kinds = new Set<string>();
  let description: string | undefined;
  let en: unknown[] | undefined;
  const key = segs.map((p, i) => (p.startsWith("[") ? "[*]" : i ? `.${p}` : p)).join("");
  for (const t of tools) {
    const ss = schemasAt(t.args, segs);
    if (!ss.length) continue;
    having.push(t.key);
    for (const s of ss) { const x = typesOf(s); if (x !== "any") x.forEach((y) => types.add(y)); description ??= s.description; if (s.enum) en = [...new Set([...(en ?? []), ...s.enum])]; }
    const k = t.argKinds[key] ?? t.argKinds[`${key}[*]`];
    if (k && k !== "git_push") kinds.add(k); // git_push: the argv is read out into args.remote / args.branches
  }
  if (!having.length) return undefined;
  return { path: name, types: [...types].sort(), enum: en, description, tools: having, kinds: [...kinds].sort() };
}

/** The tools with their result schema in place of their arguments (`result.content` and the output schema's fields). */
const asResults = (tools: readonly CatalogTool[]): CatalogTool[] => tools.map((t) => ({ ...t, args: resultSchemaOf(t), argKinds: {} }));

/** `result.` paths (`when tool_response`) of the given tools: `content`, and the fields of their output schemas. */
export function resultPaths(tools: readonly CatalogTool[], depth = 4): ArgPathInfo[] {
  return argPaths(asResults(tools), depth);
}

/** What is known of `result.<name>` for the given tools; undefined when no tool returns it. */
export function resultPathInfo(tools: readonly CatalogTool[], name: string): ArgPathInfo | undefined {
  return argPathInfo(asResults(tools), name);
}

/** The enum values of `args.<path>` across the tools (undefined when no tool has an enum there). */
export function argEnum(tools: readonly CatalogTool[], path: readonly string[]): unknown[] | undefined {
  const out = new Set<unknown>();
  for (const t of tools) for (const s of schemasAt(t.args, path)) for (const v of s.enum ?? []) out.add(v);
  return out.size ? [...out] : undefined;
}

/** The policy a test's `by` names: by id first, then by name (SPEC §4). */
export function resolvePolicyRef(policies: readonly CheckedPolicy[], ref: string): CheckedPolicy | undefined {
  return policies.find((p) => p.id === ref) ?? policies.find((p) => p.name === ref);
}

/** Whether a word is reserved (cannot be a bare name). */
export function isKeyword(word: string): boolean {
  return KEYWORD_WORDS.includes(word);
}
