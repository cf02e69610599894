/**
 * Checks one `policy` block: header lines, `if` lines (through `expr.ts`), actions; then the
 * argument types against the tools the policy can match.
 */
import * as A from "../../grammar/ast.js";
import { printExpr, printPolicyItem } from "../../grammar/printer.js";
import type { CExpr, CheckedIf, CheckedPolicy, Effect, Scope } from "../model.js";
import { staticEval } from "../../runtime/static-eval.js";
import { didYouMean, itemsOf, type CheckContext, type PolicyScope } from "./context.js";
import { checkExpr } from "./expr.js";
import { factsOf, toolCandidates } from "./tool-candidates.js";
import { resolveIntegrationNames } from "./rules/subject-integration.js";
import { checkResultRefs, checkResultSanitize } from "./rules/subject-result.js";
import { checkArgRefs, schemasAt, type ArgRef } from "./rules/subject-args.js";
import { checkSessionActions, SESSION_ACTIONS } from "./rules/session-actions.js";

export function slug(name: string): string {
  return name.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "policy";
}

const ACTIONS = ["allow", "block", "deny", "require_approval", "hide", "alert", "sanitize", ...SESSION_ACTIONS];
const APPROVERS = ["technician", "manager"];

/** Integrations constrained by top-level `integration is/in` conditions. */
function constrainedIntegrations(ctx: CheckContext, items: readonly A.PolicyItem[]): string[] | undefined {
  let out: string[] | undefined;
  for (const it of items) {
    if (it.kind !== "IfItem") continue;
    const conj = it.expr.kind === "And" ? it.expr.items : [it.expr];
    for (const c of conj) {
      if (c.kind !== "Condition" || c.subject.name !== "integration" || (c.op !== "is" && c.op !== "in")) continue;
      const ids = resolveIntegrationNames(ctx, itemsOf(c.value), false);
      if (ids) out = out ? out.filter((x) => ids.includes(x)) : ids;
    }
  }
  return out;
}

/** Does the expression constrain the tool (so the matchable tools depend on it)? */
function mentionsTool(e: A.Expr): boolean {
  switch (e.kind) {
    case "Condition": return e.subject.name === "integration" || e.subject.name === "tool";
    case "Not": return mentionsTool(e.expr);
    default: return e.items.some(mentionsTool);
  }
}

export function checkPolicy(ctx: CheckContext, p: A.PolicyDecl, file: string, order: number): CheckedPolicy | undefined {
  const seen = new Map<string, A.PolicyItem>();
  let id: string | undefined;
  let scope: Scope = { kind: "platform" };
  let status: CheckedPolicy["status"] = "active";
  let version: number | undefined;
  let priority = 100;
  let description: string | undefined;
  let trigger: CheckedPolicy["trigger"] = "tool_call";
  let ok = true;
  const invalid = (span: A.NameValue["span"], msg: string, choices: readonly string[], word?: string) => {
    const dm = word ? didYouMean(word, choices, span) : { hint: undefined, fixes: [] };
    ctx.error("PDL2031", span, msg, dm.hint ?? `use ${choices.join(" | ")}`, { fixes: dm.fixes });
    ok = false;
  };
  for (const it of p.items) {
    if (it.kind !== "IfItem" && it.kind !== "ActionItem") {
      const prev = seen.get(it.kind);
      if (prev) ctx.error("PDL2032", it.span, `\`${printPolicyItem(it).split(" ")[0]}\` is given twice in this policy`, "keep one", { related: [{ span: prev.span, message: "first given here" }] });
      seen.set(it.kind, it);
    }
    switch (it.kind) {
      case "IdItem": id = it.value.value; break;
      case "ScopeItem": {
        const k = it.scope.value;
        if (k === "platform") { if (it.target) invalid(it.target.span, "`scope platform` takes no name", ["platform", "tenant \"acme\"", "agent \"Cursor\""]); scope = { kind: "platform" }; }
        else if (k === "tenant") scope = it.target ? { kind: "tenant", tenant: it.target.value } : { kind: "tenant" };
        else if (k === "agent") {
          if (!it.target) invalid(it.span, "`scope agent` needs the agent's name", ["agent \"Cursor\""]);
          else scope = { kind: "agent", agent: it.target.value };
        } else invalid(it.scope.span, `"${k}" is not a scope`, ["platform", "tenant", "agent"], k);
        break;
      }
      case "StatusItem": {
        const v = it.value.value;
        if (v === "draft" || v === "active" || v === "deprecated") status = v;
        else invalid(it.value.span, `"${v}" is not a status`, ["draft", "active", "deprecated"], v);
        break;
      }
      case "VersionItem":
        if (!Number.isInteger(it.value.value) || it.value.value < 1) invalid(it.value.span, "a version is a positive whole number", ["1", "2", "…"]);
        else version = it.value.value;
        break;
      case "PriorityItem":
        if (!Number.isInteger(it.value.value) || it.value.value < 0) invalid(it.value.span, "a priority is a whole number ≥ 0 (lower is considered first)", ["0", "10", "100"]);
        else priority = it.value.value;
        break;
      case "DescriptionItem": description = it.value.value; break;
      case "WhenItem": {
        const v = it.value.value;
        if ((TRIGGERS as readonly string[]).includes(v)) trigger = v as CheckedPolicy["trigger"];
        else invalid(it.value.span, `"${v}" is not a trigger`, TRIGGERS, v);
        break;
      }
      case "IfItem": case "ActionItem": break;
      default: A.assertNever(it);
    }
  }
  if (!id) {
    const first = p.items[0];
    const at = first ? { ...first.span, end: first.span.start, endLine: first.span.line, endColumn: first.span.column } : undefined;
    ctx.report("PDL4004", p.name.span, `policy "${p.name.value}" has no id; it is known as "${slug(p.name.value)}"`, "add `id <slug>` so that tests and audit logs keep a stable name",
      at ? { fixes: [{ title: "Add an id", span: at, text: `id ${slug(p.name.value)}\n  ` }] } : undefined);
  }

  const resultRefs: ArgRef[] = [];
  const scopeCtx: PolicyScope = { ctx, integrations: constrainedIntegrations(ctx, p.items), trigger, resultRefs };
  const refs: ArgRef[] = [];
  const ifs: CheckedIf[] = [];
  for (const it of p.items) {
    if (it.kind !== "IfItem") continue;
    const e = checkExpr(it.expr, scopeCtx, refs);
    if (!e) { ok = false; continue; }
    ifs.push({ text: printExpr(it.expr), expr: e, span: it.span });
  }

  // Actions
  let effect: Effect | undefined;
  let effectNode: A.ActionNode | undefined;
  let reason: string | undefined;
  let approvers: string[] = [];
  const alerts: { message?: string; to?: string }[] = [];
  const sanitize: string[] = [];
  const resultFields: { path: readonly string[]; span: A.Value["span"] }[] = [];
  const actionItems = p.items.filter((x): x is A.ActionItem => x.kind === "ActionItem");
  if (actionItems.length === 0) { ctx.error("PDL2022", p.name.span, `policy "${p.name.value}" has no action`, "add e.g. `action block \"why\"`"); ok = false; }
  for (const a of actionItems.flatMap((x) => x.actions)) {
    if (!ACTIONS.includes(a.name)) {
      const dm = didYouMean(a.name, ACTIONS, a.nameSpan);
      ctx.error("PDL2020", a.nameSpan, `unknown action "${a.name}"`, dm.hint, { fixes: dm.fixes });
      ok = false;
      continue;
    }
    const misplaced = (what: string, span: A.NameValue["span"], hint: string) => { ctx.error("PDL2023", span, `\`${a.name}\` takes no ${what}`, hint); ok = false; };
    if (SESSION_ACTIONS.includes(a.name)) continue; // checked below (rules/session-actions.ts)
    if (a.what) misplaced(`\`${a.what.seen ? "seen " : ""}${a.what.word.value}\``, a.what.word.span, "only `clear` names what it takes out of the session: `clear seen SECRETS`");
    if (a.name === "deny") ctx.report("PDL4003", a.nameSpan, "`deny` is an alias of `block`", "write `block`", { fixes: [{ title: "Convert 'deny' to 'block'", span: a.nameSpan, text: "block" }] });
    const kind = a.name === "deny" ? "block" : a.name;
    if (kind === "hide" && trigger !== "tool_call" && trigger !== "agent_discovered") {
      ctx.error("PDL2093", a.nameSpan, `\`hide\` removes a tool from the agent's list: it does not apply to ${trigger} policies`, "use `block` to withhold the response or message");
      ok = false;
      continue;
    }
    if (kind === "allow" || kind === "block" || kind === "require_approval" || kind === "hide") {
      if (effect) {
        ctx.error("PDL2021", a.nameSpan, `a policy has at most one of allow / block / require_approval / hide (this one already has ${effect})`, "split it into two policies", { related: effectNode ? [{ span: effectNode.nameSpan, message: "the first effect" }] : [] });
        ok = false;
        continue;
      }
      effect = kind;
      effectNode = a;
      if (a.message) { if (kind === "hide") misplaced("message", a.message.span, "a hidden tool is simply gone; messages go on allow, block, require_approval and alert"); else reason = a.message.value; }
      if (a.to) misplaced("`to`", a.to.span, "`to \"#channel\"` goes on alert");
      if (a.fields) misplaced("field list", a.fields.span, "field lists go on sanitize");
      if (a.from) {
        if (kind !== "require_approval") misplaced("`from`", a.from.span, "`from [technician, manager]` goes on require_approval");
        else {
          for (const v of a.from.items) {
            const w = v.kind === "Name" || v.kind === "String" ? v.value : "";
            if (!APPROVERS.includes(w)) {
              const dm = didYouMean(w, APPROVERS, v.span);
              ctx.error("PDL2024", v.span, `unknown approver "${w}"`, dm.hint ?? "use technician and/or manager", { fixes: dm.fixes });
              ok = false;
            } else if (!approvers.includes(w)) approvers.push(w);
          }
        }
      }
    } else if (kind === "alert") {
      if (a.fields) misplaced("field list", a.fields.span, "field lists go on sanitize");
      if (a.from) misplaced("`from`", a.from.span, "`from` goes on require_approval");
      alerts.push({ ...(a.message ? { message: a.message.value } : {}), ...(a.to ? { to: a.to.value } : {}) });
    } else if (kind === "sanitize") {
      if (a.message) misplaced("message", a.message.span, "write the fields to mask: `sanitize [args.text]`");
      if (a.to) misplaced("`to`", a.to.span, "`to` goes on alert");
      if (trigger !== "tool_call") {
        const r = returnSanitize(ctx, trigger, a);
        if (!r) { ok = false; continue; }
        sanitize.push(...r.fields);
        resultFields.push(...r.paths);
        continue;
      }
      if (!a.fields || a.fields.items.length === 0) { ctx.error("PDL2025", a.nameSpan, "`sanitize` needs the fields to mask", "e.g. `sanitize [args.text, args.body]`"); ok = false; continue; }
      for (const f of a.fields.items) {
        if (f.kind === "Name" && /^result(?:\.|$)/.test(f.value)) { ctx.error("PDL2093", f.span, "`sanitize [result…]` masks what a tool returns: it needs `when tool_response`", "add `when tool_response`, or mask arguments: `sanitize [args.text]`"); ok = false; }
        else if (f.kind !== "Name" || !/^args\.[^.]/.test(f.value)) { ctx.error("PDL2025", f.span, "sanitize fields are args paths", "e.g. `sanitize [args.text]`"); ok = false; }
        else sanitize.push(f.value);
      }
    }
  }
  // Argument types against every tool the policy can match (known when the tool conditions resolved).
  const toolLinesResolved = p.items.every((it) => it.kind !== "IfItem" || !mentionsTool(it.expr) || ifs.some((i) => i.span === it.span));
  if (refs.length && (trigger === "tool_call" || trigger === "tool_response") && toolLinesResolved) {
    const all: CExpr = { k: "and", items: ifs.map((i) => i.expr) };
    // `args.x exists` on an `if` line of its own also rules out the tools without that argument.
    const required = ifs.flatMap((i) => (i.expr.k === "and" ? i.expr.items : [i.expr])).flatMap((e) => (e.k === "arg" && e.op === "exists" ? [e.path] : []));
    const tools = toolCandidates(ctx.catalog, all).filter((t) => staticEval(all, factsOf(t)) !== false && required.every((path) => schemasAt(t.args, path).length > 0));
    const mark = ctx.diagnostics.length;
    checkArgRefs(ctx, refs, tools);
    if (errorSince(ctx, mark)) return undefined;
  }
  if ((resultRefs.length || resultFields.length) && toolLinesResolved) {
    const all: CExpr = { k: "and", items: ifs.map((i) => i.expr) };
    const tools = toolCandidates(ctx.catalog, all).filter((t) => staticEval(all, factsOf(t)) !== false);
    const mark = ctx.diagnostics.length;
    checkResultRefs(ctx, resultRefs, tools);
    checkResultSanitize(ctx, resultFields, tools);
    if (errorSince(ctx, mark)) return undefined;
  }
  const session = checkSessionActions(ctx, trigger, actionItems.flatMap((x) => x.actions));
  if (!session) ok = false;
  if (!ok) return undefined;

  return {
    id: id ?? slug(p.name.value),
    name: p.name.value,
    file,
    line: p.span.line,
    span: p.span,
    ...(description !== undefined ? { description } : {}),
    scope,
    status,
    ...(version !== undefined ? { version } : {}),
    priority,
    trigger,
    ifs,
    ...(effect ? { effect } : {}),
    ...(reason !== undefined ? { reason } : {}),
    approvers,
    alerts,
    sanitize,
    ...(session?.length ? { session } : {}),
    order,
    ast: p,
  };
}

/** Whether an error was reported after the first `mark` diagnostics (not a count of the whole project's: a project has thousands of policies). */
function errorSince(ctx: CheckContext, mark: number): boolean {
  for (let i = mark; i < ctx.diagnostics.length; i++) if (ctx.diagnostics[i]!.severity === "error") return true;
  return false;
}

/** The triggers a policy can have (`when …`). */
const TRIGGERS = ["tool_call", "agent_discovered", "tool_response", "message_to_user", "message_from_user"] as const;

/**
 * `sanitize` on a response or message policy: a response masks `result` (the whole, also written
 * `sanitize` alone), `result.content` or `result.<field>`; a message masks its `text` (`sanitize`
 * alone). Returns the bundle's fields and the result paths to check, or undefined after an error.
 */
function returnSanitize(ctx: CheckContext, trigger: CheckedPolicy["trigger"], a: A.ActionNode): { fields: string[]; paths: { path: readonly string[]; span: A.Value["span"] }[] } | undefined {
  const items = a.fields?.items ?? [];
  if (trigger === "agent_discovered") { ctx.error("PDL2093", a.nameSpan, "`sanitize` does not apply to agent_discovered policies", "an agent_discovered event carries only the agent"); return undefined; }
  if (trigger !== "tool_response") {
    if (items.some((f) => f.kind !== "Name" || f.value !== "text")) { ctx.error("PDL2093", a.fields!.span, `on ${trigger} policies \`sanitize\` masks the message's text`, "write `sanitize` or `sanitize [text]`"); return undefined; }
    return { fields: ["text"], paths: [] };
  }
  if (!items.length) return { fields: ["result"], paths: [] };
  const fields: string[] = [];
  const paths: { path: readonly string[]; span: A.Value["span"] }[] = [];
  for (const f of items) {
    if (f.kind !== "Name" || !/^result(?:\.[A-Za-z_][\w-]*)*$/.test(f.value)) {
      ctx.error("PDL2093", f.span, "on tool_response policies `sanitize` masks the result", "write `sanitize [result]`, `sanitize [result.content]` or `sanitize [result.<field>]`");
      return undefined;
    }
    fields.push(f.value);
    paths.push({ path: f.value.split(".").slice(1), span: f.span });
  }
  return { fields, paths };
}
