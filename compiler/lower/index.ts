/**
 * `compiler/lower`: checked policies → decision tables.
 * Each policy's `if` lines are split into tool-static lines (decided per catalog tool at build
 * time) and residual lines (checked at run time). Catalog tools get a bucket holding exactly the
 * policies whose static lines hold for them; events for tools outside the catalog fall back to a
 * per-integration bucket or the `other` bucket, whose entries are checked in full.
 * INVARIANT: the tables decide exactly as the reference evaluator does (property-tested).
 */
import type { BundlePolicy, BundleTool, CExpr, Trigger } from "../../runtime/types.js";
import { isToolStatic, staticEval, type ToolFacts } from "../../runtime/static-eval.js";
import type { CheckedPolicy } from "../model.js";
import type { Catalog, CatalogTool } from "../catalog/catalog.js";
import { toolFactsOf } from "../catalog/facts.js";
import { toolCandidates } from "../check/tool-candidates.js";

export interface Tables {
  readonly policies: BundlePolicy[];
  readonly tools: Record<string, BundleTool>;
  readonly integrations: Record<string, "mcp" | "cli">;
  readonly commands: (readonly [readonly string[], string])[];
  /** Per program: options stepped over before the subcommand (empty when no catalog declares any). */
  readonly globalOptions: Readonly<Record<string, { readonly with_value: readonly string[]; readonly flags: readonly string[] }>>;
  readonly index: {
    tool_call: { tools: Record<string, number[]>; integrations: Record<string, number[]>; other: number[] };
    agent_discovered: number[];
    tool_response?: { tools: Record<string, number[]>; integrations: Record<string, number[]>; other: number[] };
    message_to_user?: number[];
    message_from_user?: number[];
  };
}

function scopeOf(p: CheckedPolicy): string[] {
  switch (p.scope.kind) {
    case "platform": return ["platform"];
    case "tenant": return p.scope.tenant === undefined ? ["tenant"] : ["tenant", p.scope.tenant];
    case "agent": return ["agent", p.scope.agent];
  }
}

export function sortByKeys<T>(o: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k]!;
  return out;
}

/** Policies in decision order: priority, then project order. */
export function decisionOrder(ps: readonly CheckedPolicy[]): CheckedPolicy[] {
  return [...ps].sort((a, b) => a.priority - b.priority || a.order - b.order);
}

export function lower(selected: readonly CheckedPolicy[], catalog: Catalog): Tables {
  const ordered = decisionOrder(selected);
  const policies: BundlePolicy[] = ordered.map((p) => ({
    id: p.id,
    name: p.name,
    file: p.file,
    line: p.line,
    priority: p.priority,
    ...(p.version !== undefined ? { version: p.version } : {}),
    status: p.status === "draft" ? "draft" : "active",
    trigger: p.trigger,
    scope: scopeOf(p),
    ifs: p.ifs.map((i) => ({ text: i.text, expr: i.expr })),
    residual: p.ifs.map((i, n) => (isToolStatic(i.expr) ? -1 : n)).filter((n) => n >= 0),
    ...(p.effect ? { effect: p.effect } : {}),
    ...(p.reason !== undefined ? { reason: p.reason } : {}),
    ...(p.approvers.length ? { approvers: [...p.approvers] } : {}),
    ...(p.alerts.length ? { alerts: p.alerts.map((a) => ({ ...a })) } : {}),
    ...(p.sanitize.length ? { sanitize: [...p.sanitize] } : {}),
    ...(p.session?.length ? { session: p.session.map((c) => ({ ...c })) } : {}),
  }));
  const staticParts: CExpr[] = ordered.map((p) => ({ k: "and", items: p.ifs.filter((i) => isToolStatic(i.expr)).map((i) => i.expr) }));
  const fullConds: CExpr[] = ordered.map((p) => ({ k: "and", items: p.ifs.map((i) => i.expr) }));

  const tools: Record<string, BundleTool> = {};
  const integrations: Record<string, "mcp" | "cli"> = {};
  const discovered: number[] = [];
  const facts = new Map<CatalogTool, ToolFacts>();
  for (const t of catalog.allTools()) facts.set(t, toolFactsOf(t));
  const triggered = (trigger: Trigger) => ordered.map((p, i) => (p.trigger === trigger ? i : -1)).filter((i) => i >= 0);
  const toolCall = bucketsOf(triggered("tool_call"), staticParts, fullConds, catalog, facts);
  const responses = triggered("tool_response");
  const toolResponse = responses.length ? bucketsOf(responses, staticParts, fullConds, catalog, facts) : undefined;
  for (const integ of [...catalog.integrations.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    integrations[integ.id] = integ.callType;
    for (const t of integ.tools.values()) {
      const f = facts.get(t) ?? toolFactsOf(t);
      const key = t.key.toLowerCase();
      const kinds = Object.keys(t.argKinds).sort();
      tools[key] = kinds.length
        ? [t.operation, [...t.labels].sort(), f.method, f.category, f.verbs, t.resource ?? null, t.name, Object.fromEntries(kinds.map((k) => [k, t.argKinds[k]!]))]
        : [t.operation, [...t.labels].sort(), f.method, f.category, f.verbs, t.resource ?? null, t.name];
    }
  }
  ordered.forEach((p, i) => { if (p.trigger === "agent_discovered") discovered.push(i * 2 + 1); });
  const messages = (trigger: "message_to_user" | "message_from_user") => { const l = triggered(trigger).map((i) => i * 2 + 1); return l.length ? { [trigger]: l } : {}; };

  return {
    policies,
    tools: sortByKeys(tools),
    integrations,
    commands: catalog.commands().map((c) => [c.pattern, c.tool.toLowerCase()] as const),
    globalOptions: catalog.globalOptions(),
    index: {
      tool_call: toolCall,
      agent_discovered: discovered,
      ...(toolResponse ? { tool_response: toolResponse } : {}),
      ...messages("message_to_user"),
      ...messages("message_from_user"),
    },
  };
}

type Buckets = { tools: Record<string, number[]>; integrations: Record<string, number[]>; other: number[] };

/**
 * The decision tables of the policies `chosen` (indexes in decision order): per catalog tool the
 * policies whose static lines hold for it (entries `i * 2`), per integration and for tools outside
 * the catalog those whose conditions may hold (entries `i * 2 + 1`, checked in full).
 */
function bucketsOf(chosen: readonly number[], staticParts: readonly CExpr[], fullConds: readonly CExpr[], catalog: Catalog, facts: ReadonlyMap<CatalogTool, ToolFacts>): Buckets {
  // Policy by policy over the tools its integration/tool conditions leave (policies in decision
  // order, so each bucket is in decision order too).
  const buckets = new Map<CatalogTool, number[]>();
  for (const i of chosen) {
    for (const t of toolCandidates(catalog, staticParts[i]!)) {
      if (staticEval(staticParts[i]!, facts.get(t) ?? toolFactsOf(t)) !== true) continue;
      const b = buckets.get(t);
      if (b) b.push(i * 2); else buckets.set(t, [i * 2]);
    }
  }
  const toolIdx: Record<string, number[]> = {};
  const integIdx: Record<string, number[]> = {};
  for (const integ of [...catalog.integrations.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const unknownTool: ToolFacts = { integration: integ.id, name: null, operation: "Unknown", labels: [], method: null, category: null, verbs: [] };
    const list = chosen.filter((i) => staticEval(fullConds[i]!, unknownTool) !== false).map((i) => i * 2 + 1);
    if (list.length) integIdx[integ.id] = list;
    for (const t of integ.tools.values()) { const bucket = buckets.get(t); if (bucket) toolIdx[t.key.toLowerCase()] = bucket; }
  }
  const outside: ToolFacts = { integration: "", name: null, operation: "Unknown", labels: [], method: null, category: null, verbs: [] };
  const other = chosen.filter((i) => staticEval(fullConds[i]!, outside) !== false).map((i) => i * 2 + 1);
  return { tools: sortByKeys(toolIdx), integrations: integIdx, other };
}
