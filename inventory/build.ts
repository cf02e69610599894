/**
 * The inventory (`policy-inventory/1`, schemas/inventory.schema.json) from observed calls and the
 * project (catalog, reviews, bundle): integrations, tools per integration, agents per tool, calls
 * and effects per tool, first and last seen, a suggested risk per tool (risk.ts), new and
 * unreviewed tools, tools no policy ever decided, unexpected usage, and calls per integration per
 * hour (the report's chart). A recorded call no decision log decided is decided by the project's
 * bundle, in recording order.
 */
import { createEnforcer } from "../runtime/index.js";
import { resolveCall } from "../runtime/event.js";
import type { Bundle, Operation } from "../runtime/types.js";
import type { Observed, ObservedCall } from "./read.js";
import { riskOf, type Risk } from "./risk.js";

export interface InventoryTool {
  readonly key: string;
  readonly integration: string;
  readonly tool: string;
  readonly in_catalog: boolean;
  readonly operation: Operation;
  readonly labels: readonly string[];
  readonly review_status: string;
  readonly changed: readonly string[];
  readonly calls: number;
  readonly effects: { readonly allow: number; readonly block: number; readonly require_approval: number };
  readonly agents: readonly string[];
  readonly policies: readonly string[];
  readonly first_seen: string;
  readonly last_seen: string;
  readonly risk: Risk;
  readonly risk_reasons: readonly string[];
}

export interface Inventory {
  readonly format: "policy-inventory/1";
  readonly window: { readonly from: string | null; readonly to: string | null; readonly baseline_until: string | null };
  readonly sources: readonly { readonly file: string; readonly kind: string; readonly lines: number }[];
  readonly integrations: readonly { readonly id: string; readonly tools: number; readonly calls: number; readonly agents: readonly string[] }[];
  readonly tools: readonly InventoryTool[];
  readonly agents: readonly { readonly name: string; readonly review_status: string; readonly calls: number; readonly tools: number; readonly first_seen: string; readonly last_seen: string }[];
  readonly new_or_unreviewed: readonly { readonly tool: string; readonly why: string }[];
  readonly undecided: readonly string[];
  readonly unexpected: readonly { readonly ts: string; readonly agent: string; readonly tool: string; readonly why: string }[];
  readonly timeline: readonly { readonly hour: string; readonly integration: string; readonly calls: number }[];
}

/** Resolves each recorded call against the bundle and decides the ones no log decided. */
function settle(calls: readonly ObservedCall[], bundle: Bundle): void {
  const enforcer = createEnforcer(bundle);
  for (const c of calls) {
    if (c.event?.call) {
      const r = resolveCall(bundle, c.event.call);
      c.integration = r.integration;
      c.tool = r.known ? r.display : c.event.call.tool ?? r.display;
    }
    if (c.effect === undefined && c.event) {
      const d = enforcer.decide(c.event);
      c.effect = d.effect;
      c.policy = d.policy?.id ?? null;
    }
  }
}

/** One tool's entry; `lower` is its key as the bundle spells keys (lower-case). */
function toolEntry(lower: string, cs: readonly ObservedCall[], bundle: Bundle): InventoryTool {
  const [integration, tool] = [cs[0]!.integration, cs[0]!.tool];
  const key = `${integration}.${tool}`;
  const facts = Object.prototype.hasOwnProperty.call(bundle.tools, lower) ? bundle.tools[lower] : undefined;
  const reviewed = (facts && bundle.tool_reviews?.[lower]) || "Unreviewed";
  const changed = [...new Set(cs.flatMap((c) => c.changed))].sort();
  const effects = { allow: 0, block: 0, require_approval: 0 };
  for (const c of cs) if (c.effect) effects[c.effect]++;
  const base = { key, integration, tool, in_catalog: !!facts, operation: facts ? facts[0] : "Unknown" as Operation, labels: facts ? [...facts[1]] : [], review_status: reviewed !== "Disallowed" && changed.length ? "Unreviewed" : reviewed, changed };
  const r = riskOf({ ...base, effects });
  return {
    ...base, calls: cs.length, effects, agents: [...new Set(cs.map((c) => c.agent))].sort(),
    policies: [...new Set(cs.map((c) => c.policy).filter((p): p is string => !!p))].sort(),
    first_seen: cs[0]!.ts, last_seen: cs[cs.length - 1]!.ts, risk: r.risk, risk_reasons: r.reasons,
  };
}

/** First uses after the baseline: an agent calling a tool (or integration) it had not called before `until`. */
function unexpectedUsage(calls: readonly ObservedCall[], until: string | null): Inventory["unexpected"] {
  if (until === null) return [];
  const usedTools = new Set<string>(), usedInteg = new Set<string>();
  const out: { ts: string; agent: string; tool: string; why: string }[] = [];
  for (const c of calls) {
    const t = `${c.agent}\u0000${c.integration}.${c.tool.toLowerCase()}`, i = `${c.agent}\u0000${c.integration}`;
    if (c.ts > until) {
      if (!usedInteg.has(i)) out.push({ ts: c.ts, agent: c.agent, tool: `${c.integration}.${c.tool}`, why: `first use of integration ${c.integration} by this agent` });
      else if (!usedTools.has(t)) out.push({ ts: c.ts, agent: c.agent, tool: `${c.integration}.${c.tool}`, why: "first call of this tool by this agent" });
    }
    usedTools.add(t); usedInteg.add(i);
  }
  return out;
}

/** The end of the baseline: `recentMs` before the last call, or the middle of the window. */
function baselineUntil(calls: readonly ObservedCall[], recentMs: number | undefined): string | null {
  if (calls.length < 2) return null;
  const from = Date.parse(calls[0]!.ts), to = Date.parse(calls[calls.length - 1]!.ts);
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) return null;
  const at = recentMs !== undefined ? Math.max(from, to - recentMs) : from + (to - from) / 2;
  return new Date(at).toISOString();
}

export function buildInventory(o: Observed, bundle: Bundle, opts: { recentMs?: number } = {}): Inventory {
  settle(o.calls, bundle);
  const byTool = new Map<string, ObservedCall[]>();
  for (const c of o.calls) { const k = `${c.integration}.${c.tool.toLowerCase()}`; (byTool.get(k) ?? byTool.set(k, []).get(k)!).push(c); }
  const tools = [...byTool.entries()].map(([k, cs]) => toolEntry(k, cs, bundle)).sort((a, b) => (a.key < b.key ? -1 : 1));
  const integIds = [...new Set(tools.map((t) => t.integration))].sort();
  const integrations = integIds.map((id) => {
    const ts = tools.filter((t) => t.integration === id);
    return { id, tools: ts.length, calls: ts.reduce((n, t) => n + t.calls, 0), agents: [...new Set(ts.flatMap((t) => t.agents))].sort() };
  });
  const agents = [...o.agents.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, a]) => {
    const mine = o.calls.filter((c) => c.agent === name);
    const review = a.review ?? bundle.agent_reviews?.[name] ?? "Unreviewed";
    return { name, review_status: review, calls: mine.length, tools: new Set(mine.map((c) => `${c.integration}.${c.tool.toLowerCase()}`)).size, first_seen: a.first, last_seen: a.last };
  });
  const hours = new Map<string, number>();
  for (const c of o.calls) { const k = `${c.ts.slice(0, 13)}:00:00Z\u0000${c.integration}`; hours.set(k, (hours.get(k) ?? 0) + 1); }
  const until = baselineUntil(o.calls, opts.recentMs);
  return {
    format: "policy-inventory/1",
    window: { from: o.calls[0]?.ts ?? null, to: o.calls[o.calls.length - 1]?.ts ?? null, baseline_until: until },
    sources: o.sources.map((s) => ({ ...s })),
    integrations, tools, agents,
    new_or_unreviewed: tools.filter((t) => !t.in_catalog || t.review_status !== "Approved").map((t) => ({ tool: t.key, why: !t.in_catalog ? "not in the catalog" : t.changed.length ? `definition changed: ${t.changed.join(", ")}` : t.review_status })),
    undecided: tools.filter((t) => t.policies.length === 0).map((t) => t.key),
    unexpected: unexpectedUsage(o.calls, until),
    timeline: [...hours.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => { const [hour, integration] = k.split("\u0000"); return { hour: hour!, integration: integration!, calls: n }; }),
  };
}
