/**
 * The default that decides a tool call no policy with an effect decided (SPEC §5 step 4): the
 * first `default for …` (bundle `defaults`, in precedence order) whose tenant, agent and
 * integration fit the call and that names its operation; else the project-wide `default`; else
 * allow. The reason names the default, and says so when policies matched only for their
 * obligations (`sanitize`, `alert`), so that "no policy matched" is never said of a call that
 * matched one.
 */
import type { Bundle, ScopedDefault, SessionEvent } from "./types.js";
import type { ResolvedCall } from "./event.js";

type DefaultEffect = "allow" | "block" | "require_approval";

/** Does a scoped default apply to this call? Names compare as the policy scopes do. */
export function defaultFits(d: ScopedDefault, call: { readonly integration: string }, e: SessionEvent): boolean {
  if (d.tenant !== undefined && e.tenant !== d.tenant) return false;
  if (d.agent !== undefined && e.agent?.name !== d.agent) return false;
  return d.integration === undefined || d.integration === call.integration;
}

function forText(d: ScopedDefault): string {
  const parts: string[] = [];
  if (d.agent !== undefined) parts.push(`agent ${JSON.stringify(d.agent)}`);
  if (d.tenant !== undefined) parts.push(`tenant ${JSON.stringify(d.tenant)}`);
  if (d.integration !== undefined) parts.push(`integration ${d.integration}`);
  return parts.join(" ");
}

/** The effect and reason of the default for a tool call; `matched` are the ids of policies without an effect that matched. */
export function defaultDecision(b: Bundle, call: ResolvedCall, e: SessionEvent, matched: readonly { readonly id: string }[]): { effect: DefaultEffect; reason: string } {
  const lead = matched.length === 0 ? "no policy matched" : `no policy decided (matched only for alerts or sanitizing: ${matched.map((m) => m.id).join(", ")})`;
  const op = call.operation;
  for (const d of b.defaults ?? []) {
    const effect = d.ops[op];
    if (effect === undefined || !defaultFits(d, call, e)) continue;
    return { effect, reason: d.form === "single" ? `${lead}; default for ${forText(d)}: ${effect}` : `${lead}; default for ${forText(d)} by operation: ${op} → ${effect}` };
  }
  const d = b.default;
  if (!d) return { effect: "allow", reason: `${lead}; allowed by default` };
  const effect = d[op];
  return { effect, reason: d.form === "single" ? `${lead}; default ${effect}` : `${lead}; default by operation: ${op} → ${effect}` };
}
