/**
 * Which listed resources and prompts a `hide` policy removes for an agent. An item is hidden when
 * the hide policies would hide reading it: a resource (or URI template) when a `hide` policy holds
 * for `resources/read {uri}` of its upstream, a prompt when one holds for `prompts/get {name}`.
 * Tool and argument conditions are evaluated as for the call itself; session conditions on an
 * empty history (a listing is not a call). Any fault hides the item (fail closed).
 */
import type { Bundle, BundlePolicy } from "../runtime/types.js";
import { inScope } from "../runtime/enforcer.js";
import { resolveCall } from "../runtime/event.js";
import { evaluate, type EvalContext } from "../runtime/evaluate.js";
import { compileDetectors } from "../runtime/detectors.js";
import { reviewOf } from "../runtime/static-eval.js";
import type { StateSnapshot } from "../runtime/store.js";

const NO_HISTORY: StateSnapshot = { labels: [], called: [], revision: "", lastTs: null, resourceSeen: false, spend: {} };

interface Hides { readonly policies: readonly BundlePolicy[]; readonly detectors: ReturnType<typeof compileDetectors> }
const cache = new WeakMap<Bundle, Hides>();

function hidesOf(b: Bundle): Hides {
  let h = cache.get(b);
  if (!h) {
    h = { policies: b.policies.filter((p) => p.effect === "hide" && p.trigger === "tool_call"), detectors: compileDetectors(b.detectors ?? []) };
    cache.set(b, h);
  }
  return h;
}

export interface HideAgent { readonly name: string; readonly review_status?: string; readonly tenant?: string }

/** True when a `hide` policy holds for the call `integration.tool(args)` of this agent. */
export function hiddenCall(b: Bundle, agent: HideAgent, integration: string, tool: string, args: Record<string, unknown>, now: number): boolean {
  const h = hidesOf(b);
  if (!h.policies.length) return false;
  try {
    const event = { type: "tool_call_request", ...(agent.tenant ? { tenant: agent.tenant } : {}), agent: { name: agent.name, ...(agent.review_status ? { review_status: agent.review_status } : {}) } };
    const call = resolveCall(b, { type: "mcp", integration, tool, args });
    const ctx: EvalContext = { bundle: b, call, agentName: agent.name, review: reviewOf(agent), detectors: h.detectors, now, state: NO_HISTORY, tenant: agent.tenant };
    return h.policies.some((p) => inScope(p, event) && p.ifs.every((i) => evaluate(i.expr, ctx)));
  } catch {
    return true;
  }
}
