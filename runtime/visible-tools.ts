/**
 * Which tools an agent may see (`Enforcer.visibleTools`): those no `hide` policy of the revision
 * removes for it, decided from the catalog and the agent alone; and whether a policy is in scope
 * for an event (platform, tenant or agent).
 */
import type { BundlePolicy, SessionEvent, UserInfo } from "./types.js";
import { resolveCall } from "./event.js";
import { callFacts } from "./conditions.js";
import { reviewOf, staticEval, toolReviewOf } from "./static-eval.js";
import type { Compiled } from "./compiled.js";

/** Is the policy in scope for the event (platform, tenant or agent)? */
export function inScope(p: BundlePolicy, e: SessionEvent): boolean {
  const s = p.scope;
  if (s[0] === "platform" || s.length === 1) return true;
  if (s[0] === "tenant") return e.tenant === s[1];
  return e.agent?.name === s[1];
}

export type AgentFacts = { name?: string; review_status?: string; tenant?: string; user?: UserInfo | null };

/**
 * The tools of `tools` no `hide` policy of `c` removes for the agent. `agent.user` (`null`: known
 * to have none) lets `user` conditions of a hide policy decide; absent, they leave the tool listed
 * (a call to it is still decided in full). A tool given with `changed: true` (its live definition
 * differs from the pinned one) counts as `Unreviewed` for `tool.review_status`. Never throws: a
 * fault lists nothing.
 */
export function visibleTools<T extends string | { name: string; integration?: string; changed?: boolean }>(c: Compiled | undefined, agent: AgentFacts, tools: readonly T[], integration?: string): T[] {
  try {
    if (!c) return [];
    const hides = c.bundle.policies.filter((p) => p.effect === "hide" && p.trigger === "tool_call" && inScope(p, { type: "tool_call_request", ...(agent.tenant ? { tenant: agent.tenant } : {}), agent: { ...(agent.name ? { name: agent.name } : {}) } }));
    if (!hides.length) return [...tools];
    const reviewed = { ...agent, review_status: reviewOf(agent, c.bundle.agent_reviews) };
    return tools.filter((t) => {
      const raw = typeof t === "string" ? t : t.integration ? `${t.integration}.${t.name}` : t.name;
      const dot = raw.indexOf(".");
      const integ = (dot > 0 ? raw.slice(0, dot) : integration ?? "").toLowerCase();
      const name = (dot > 0 ? raw.slice(dot + 1) : raw).toLowerCase();
      const call = resolveCall(c.bundle, { type: "mcp", integration: integ, tool: name });
      const changed = typeof t !== "string" && t.changed === true;
      const facts = { ...callFacts(call), review: toolReviewOf(c.bundle.tool_reviews, call.key, call.known, changed) };
      return !hides.some((p) => p.ifs.every((i) => staticEval(i.expr, facts, reviewed) === true));
    });
  } catch {
    return [];
  }
}
