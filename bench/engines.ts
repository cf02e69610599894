/**
 * The baselines our runtime is measured against (besides Cedar, in cedar.ts):
 * - `naiveLoop`: what every home-grown gate starts as — a loop over every policy, evaluating
 *   every `if` line (with the runtime's own condition evaluator), then SPEC §5.
 * - `simpleIndex`: the obvious next step — a JS Map by (integration, tool) built at load time from
 *   the policies' tool-level conditions, then the remaining conditions checked per policy.
 * - `referenceDecider`: compiler/reference (SPEC §5 applied literally), when it exists.
 * Each returns an `Outcome` (effect + deciding policy id), the part every engine can report.
 */
import type { Bundle, BundlePolicy, Decision, SessionEvent } from "../runtime/types.js";
import { resolveCall, type ResolvedCall } from "../runtime/event.js";
import { evaluate, type EvalContext } from "../runtime/evaluate.js";
import { compileDetectors } from "../runtime/detectors.js";
import { inScope } from "../runtime/enforcer.js";
import { isToolStatic, staticEval, type ToolFacts } from "../runtime/static-eval.js";

export interface Outcome { readonly effect: "allow" | "block" | "require_approval"; readonly policy: string | null }

export const outcomeKey = (o: Outcome): string => `${o.effect}:${o.policy ?? "-"}`;
export const decisionOutcome = (d: Decision): Outcome => ({ effect: d.effect, policy: d.policy?.id ?? null });

/** SPEC §5 over matched policies given in decision order. */
function resolve(b: Bundle, matched: readonly BundlePolicy[], call: ResolvedCall): Outcome {
  let chosen: BundlePolicy | undefined;
  for (const p of matched) {
    if (p.effect === "block" || p.effect === "hide") return { effect: "block", policy: p.id };
    if (p.effect && (!chosen || (chosen.effect === "allow" && p.effect === "require_approval" && p.priority === chosen.priority))) chosen = p;
  }
  if (chosen) return { effect: chosen.effect as Outcome["effect"], policy: chosen.id };
  return { effect: b.default ? b.default[call.operation] : "allow", policy: null };
}

function ctxOf(b: Bundle, e: SessionEvent, call: ResolvedCall, detectors: ReturnType<typeof compileDetectors>): EvalContext {
  return { bundle: b, call, agentName: e.agent?.name, review: e.agent?.review_status, detectors, now: 0, state: undefined } as EvalContext;
}

/** A loop over every policy (bundle order is decision order). Block wins, so it cannot stop early. */
export function naiveLoop(b: Bundle): (e: SessionEvent) => Outcome {
  const detectors = compileDetectors(b.detectors);
  const policies = b.policies.filter((p) => p.trigger === "tool_call");
  return (e) => {
    const call = resolveCall(b, e.call!);
    const ctx = ctxOf(b, e, call, detectors);
    const matched: BundlePolicy[] = [];
    for (const p of policies) {
      if (!inScope(p, e)) continue;
      let ok = true;
      for (const i of p.ifs) if (!evaluate(i.expr, ctx)) { ok = false; break; }
      if (ok) matched.push(p);
    }
    return resolve(b, matched, call);
  };
}

/**
 * Map integration → Map tool → candidate policies (those whose tool-level lines hold for that
 * catalog tool), each with its remaining lines; calls to tools outside the catalog fall back to
 * the policies that could match anything in that integration, checked in full.
 */
export function simpleIndex(b: Bundle): (e: SessionEvent) => Outcome {
  const detectors = compileDetectors(b.detectors);
  interface Cand { readonly p: BundlePolicy; readonly checks: readonly BundlePolicy["ifs"][number]["expr"][] }
  const policies = b.policies.filter((p) => p.trigger === "tool_call");
  const byTool = new Map<string, Map<string, Cand[]>>();
  const full = (p: BundlePolicy): Cand => ({ p, checks: p.ifs.map((i) => i.expr) });
  for (const [key, t] of Object.entries(b.tools)) {
    const dot = key.indexOf(".");
    const integ = key.slice(0, dot);
    const facts: ToolFacts = { integration: integ, name: key.slice(dot + 1), operation: t[0], labels: t[1], method: t[2], category: t[3], verbs: t[4] };
    const cands: Cand[] = [];
    for (const p of policies) {
      const stat = p.ifs.filter((i) => isToolStatic(i.expr));
      if (stat.every((i) => staticEval(i.expr, facts) === true)) cands.push({ p, checks: p.ifs.filter((i) => !isToolStatic(i.expr)).map((i) => i.expr) });
    }
    let m = byTool.get(integ);
    if (!m) byTool.set(integ, (m = new Map()));
    m.set(key, cands);
  }
  const unknownIn = new Map<string, Cand[]>();
  for (const integ of Object.keys(b.integrations)) {
    const facts: ToolFacts = { integration: integ, name: null, operation: "Unknown", labels: [], method: null, category: null, verbs: [] };
    unknownIn.set(integ, policies.filter((p) => staticEval({ k: "and", items: p.ifs.map((i) => i.expr) }, facts) !== false).map(full));
  }
  const outside: ToolFacts = { integration: "", name: null, operation: "Unknown", labels: [], method: null, category: null, verbs: [] };
  const elsewhere = policies.filter((p) => staticEval({ k: "and", items: p.ifs.map((i) => i.expr) }, outside) !== false).map(full);
  return (e) => {
    const call = resolveCall(b, e.call!);
    const cands = call.known ? byTool.get(call.integration)!.get(call.key)! : unknownIn.get(call.integration) ?? elsewhere;
    const ctx = ctxOf(b, e, call, detectors);
    const matched: BundlePolicy[] = [];
    for (const c of cands) {
      if (!inScope(c.p, e)) continue;
      let ok = true;
      for (const x of c.checks) if (!evaluate(x, ctx)) { ok = false; break; }
      if (ok) matched.push(c.p);
    }
    return resolve(b, matched, call);
  };
}

/** compiler/reference, if present (another part of the project); undefined otherwise. */
export async function referenceDecider(project: unknown): Promise<((e: SessionEvent) => Outcome & { matched: readonly string[] }) | undefined> {
  let mod: { referenceDecide?: (m: never, e: SessionEvent) => { effect: Outcome["effect"]; policy: string | null; matched: readonly string[] } };
  try {
    mod = await import("../compiler/reference/index.js");
  } catch {
    return undefined;
  }
  const f = mod.referenceDecide;
  if (typeof f !== "function") return undefined;
  const p = project as { policies: readonly { status: string }[] };
  const model = { ...p, policies: p.policies.filter((x) => x.status === "active") } as never;
  return (e) => { const r = f(model, e); return { effect: r.effect, policy: r.policy, matched: r.matched }; };
}
