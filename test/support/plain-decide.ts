/**
 * The general evaluator the fast path is checked against: every policy of the call's bucket in
 * order, every line it must check through runtime/evaluate.ts, then SPEC §5 through `decisionOf`
 * (test/runtime/fast-index.test.ts, fast-path-agreement.test.ts).
 */
import { decisionOf } from "../../runtime/index.js";
import { evaluate, type EvalContext } from "../../runtime/evaluate.js";
import { compileDetectors } from "../../runtime/detectors.js";
import { resolveCall } from "../../runtime/event.js";
import { inScope } from "../../runtime/enforcer.js";
import { reviewOf } from "../../runtime/static-eval.js";
import type { Bundle, BundlePolicy, Decision, SessionEvent } from "../../runtime/types.js";

const detectorsOf = new WeakMap<Bundle, ReturnType<typeof compileDetectors>>();

export function plainDecide(b: Bundle, e: SessionEvent): Decision {
  let detectors = detectorsOf.get(b);
  if (!detectors) detectorsOf.set(b, (detectors = compileDetectors(b.detectors)));
  const call = resolveCall(b, e.call!);
  const ix = b.index.tool_call;
  const entries = call.known ? ix.tools[call.key] ?? [] : ix.integrations[call.integration] ?? (b.integrations[call.integration] ? [] : ix.other);
  const ctx = { bundle: b, call, agentName: e.agent?.name, review: reviewOf(e.agent, b.agent_reviews), user: e.user, detectors, now: 0, state: undefined, tenant: e.tenant } as EvalContext;
  const matched: BundlePolicy[] = [];
  for (const entry of entries) {
    const p = b.policies[entry >> 1]!;
    const lines = entry & 1 ? p.ifs : p.residual.map((n) => p.ifs[n]!);
    if (inScope(p, e) && lines.every((l) => evaluate(l.expr, ctx))) matched.push(p);
  }
  return decisionOf(b, matched, call, e);
}
