/**
 * `policy explain`: the decision for one event and why — every policy considered, whether it is in
 * scope, and the first `if` line that failed. Evaluates with the runtime's own evaluator, so the
 * trace cannot disagree with the decision.
 */
import { isErrorResult, resultStrings } from "../runtime/response.js";
import type { ReturnTrigger } from "../runtime/types.js";
import type { Bundle, BundlePolicy, Decision, SessionEvent, UserInfo } from "../runtime/types.js";
import { createEnforcer } from "../runtime/index.js";
import { canonicalCall, inScope, pathContextOf } from "../runtime/enforcer.js";
import { resolveCall, resolveSimple, type ResolvedCall } from "../runtime/event.js";
import { loadedShellParser } from "./shell/shell-parser.js";
import { evaluate, type EvalContext } from "../runtime/evaluate.js";
import { compileDetectors } from "../runtime/detectors.js";
import type { StateSnapshot } from "../runtime/store.js";
import { reviewOf } from "../runtime/static-eval.js";
import { oneLine } from "./terminal-safe.js";
import { readsHistory } from "../runtime/language-facts.js";

export interface PolicyTrace {
  readonly id: string;
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly priority: number;
  readonly effect: string | null;
  readonly outcome: "matched" | "condition failed" | "out of scope" | "other trigger";
  /** The first `if` line that did not hold. */
  readonly failed?: string;
  /**
   * The failed line reads session history (session labels and tools, resources, rate, burst,
   * spend) and no history was given: it was evaluated on an empty one, so it may hold in a session.
   */
  readonly needsHistory?: true;
}

export interface Explanation {
  readonly decision: Decision;
  /** The call's arguments as sent and in canonical form (what the policies saw), when the two differ. */
  readonly args?: { readonly raw: Record<string, unknown>; readonly canonical: Record<string, unknown> };
  readonly tool: string | null;
  readonly operation: string | null;
  /** The event's user, as `id (roles …; groups …)`, when it has one. */
  readonly user?: string;
  readonly policies: readonly PolicyTrace[];
}

/** A session with no history: the state a first request sees. */
export const EMPTY_STATE: StateSnapshot = { labels: [], called: [], revision: "", lastTs: null, resourceSeen: false, spend: {} };

/** Whether a condition reads the session's or the agent's history (not just the event). */

export const NEEDS_HISTORY = "needs session history (evaluated on an empty one)";

/**
 * Explains one event against a bundle. `state` is the session state the decision was made with
 * (from `EnforcerOptions.trace`); without it, session conditions are evaluated on an empty
 * history and a failed one is marked `needsHistory`.
 */
export function explain(bundle: Bundle, event: unknown, state?: StateSnapshot, decision?: Decision): Explanation {
  const ret = returnTrigger(event);
  if (ret) return explainReturn(bundle, event as SessionEvent, ret, decision);
  const d = decision ?? createEnforcer(bundle, { shell: loadedShellParser() }).decide(event);
  const e = event as SessionEvent;
  const ok = e && typeof e === "object" && (e.type === "tool_call_request" || e.type === "agent_discovered") && d.reason.indexOf("invalid event") !== 0;
  if (!ok) return { decision: d, tool: null, operation: null, policies: [] };
  const resolved = e.type === "tool_call_request" ? decidingCall(bundle, e, d) : undefined;
  const canon = resolved ? canonicalCall(resolved, e.call!) : undefined;
  if (typeof canon === "string") return { decision: d, tool: `${resolved!.integration}.${resolved!.display}`, operation: resolved!.operation, policies: [] };
  const call = canon;
  const parsed = e.ts ? Date.parse(e.ts) : NaN;
  const now = state?.ts ?? (Number.isFinite(parsed) ? parsed : Date.now());
  const ctx: EvalContext = { bundle, call, agentName: e.agent?.name, review: reviewOf(e.agent, bundle.agent_reviews), toolChanged: (e.call?.definition_changed?.length ?? 0) > 0, user: e.user, detectors: compileDetectors(bundle.detectors), now, state: state ?? EMPTY_STATE, paths: pathContextOf(e.call) };
  const trigger = call ? "tool_call" : "agent_discovered";
  const policies: PolicyTrace[] = bundle.policies.map((p) => {
    const base = { id: p.id, name: p.name, file: p.file, line: p.line, priority: p.priority, effect: p.effect ?? null };
    if (p.trigger !== trigger) return { ...base, outcome: "other trigger" };
    if (!inScope(p, e)) return { ...base, outcome: "out of scope" };
    for (const i of p.ifs) {
      if (evaluate(i.expr, ctx)) continue;
      return { ...base, outcome: "condition failed", failed: `if ${i.text}`, ...(!state && readsHistory(i.expr) ? { needsHistory: true as const } : {}) };
    }
    return { ...base, outcome: "matched" };
  });
  const user = e.user ? userLine(e.user) : undefined;
  const args = call && resolved && call.args !== resolved.args ? { raw: resolved.args, canonical: call.args } : undefined;
  return { decision: d, ...(args ? { args } : {}), tool: call ? `${call.integration}.${call.display}` : null, operation: call?.operation ?? null, ...(user ? { user } : {}), policies };
}

/** The trigger of a response or message event; undefined for the others. */
function returnTrigger(event: unknown): ReturnTrigger | undefined {
  const t = event && typeof event === "object" ? (event as { type?: unknown }).type : undefined;
  return t === "tool_call_response" ? "tool_response" : t === "message_to_user" || t === "message_from_user" ? t : undefined;
}

/**
 * A response (joined to the `call` it carries, as `decideResponse` joins it without the request)
 * or a message, traced against the policies of its trigger: the result's or message's text is what
 * `body` and `data_class` scan.
 */
function explainReturn(bundle: Bundle, e: SessionEvent, trigger: ReturnTrigger, decision?: Decision): Explanation {
  const d = decision ?? createEnforcer(bundle, { shell: loadedShellParser() }).decideResponse(e);
  if (d.reason.startsWith("invalid event")) return { decision: d, tool: null, operation: null, policies: [] };
  const raw = trigger === "tool_response" && e.call ? resolveCall(bundle, e.call, loadedShellParser()) : undefined;
  const canon = raw ? canonicalCall(raw, e.call!) : undefined;
  const call = typeof canon === "string" ? raw : canon;
  let text: string[];
  try { text = trigger === "tool_response" ? [...new Set(resultStrings(e.result))] : [typeof e.text === "string" ? e.text : ""]; } catch { text = []; }
  const parsed = e.ts ? Date.parse(e.ts) : NaN;
  const ctx: EvalContext = { bundle, call, agentName: e.agent?.name, review: reviewOf(e.agent, bundle.agent_reviews), user: e.user, detectors: compileDetectors(bundle.detectors), now: Number.isFinite(parsed) ? parsed : Date.now(), state: EMPTY_STATE, strings: text, ...(trigger === "tool_response" ? { result: { result: e.result, isError: isErrorResult(e.result) } } : {}) };
  const policies: PolicyTrace[] = bundle.policies.map((p) => {
    const base = { id: p.id, name: p.name, file: p.file, line: p.line, priority: p.priority, effect: p.effect ?? null };
    if (p.trigger !== trigger) return { ...base, outcome: "other trigger" };
    if (!inScope(p, e)) return { ...base, outcome: "out of scope" };
    for (const i of p.ifs) if (!evaluate(i.expr, ctx)) return { ...base, outcome: "condition failed", failed: `if ${i.text}` };
    return { ...base, outcome: "matched" };
  });
  return { decision: d, tool: call ? `${call.integration}.${call.display}` : null, operation: call?.operation ?? null, policies };
}

function userLine(u: UserInfo): string {
  const parts = [u.roles?.length ? `roles ${u.roles.join(", ")}` : "", u.groups?.length ? `groups ${u.groups.join(", ")}` : "", u.manager ? `manager ${u.manager}` : ""].filter(Boolean);
  return `${u.id}${parts.length ? ` (${parts.join("; ")})` : ""}`;
}

/**
 * The part of the call the policies are traced against: for a command line of several simple
 * commands (or an MCP call with command arguments), the first command with the decision's effect.
 */
function decidingCall(bundle: Bundle, e: SessionEvent, d: Decision): ResolvedCall {
  const c = d.commands?.find((x) => x.effect === d.effect);
  if (c) return resolveSimple(bundle, { raw: c.raw_argv, argv: c.argv, ...(c.unknown !== undefined ? { unknown: c.unknown } : {}) });
  return resolveCall(bundle, e.call!, loadedShellParser());
}

/** Human-readable form of an explanation. */
export function formatExplanation(x: Explanation): string {
  const d = x.decision;
  const lines = [
    `decision: ${d.effect}${d.policy ? ` by "${d.policy.name}" (${d.policy.id}, ${d.policy.file}:${d.policy.line})` : ""}`,
    `reason:   ${d.reason}`,
  ];
  if (x.tool) lines.push(`tool:     ${x.tool} (${x.operation})`);
  if (x.user) lines.push(`user:     ${x.user}`);
  if (x.args) lines.push(`args:     ${JSON.stringify(x.args.raw)}`, `canonical: ${JSON.stringify(x.args.canonical)} (what the policies saw)`);
  for (const c of d.commands ?? []) {
    const raw = c.raw_argv.join(" ") !== c.argv.join(" ") ? ` (as written: ${c.raw_argv.join(" ")})` : "";
    lines.push(`command:  ${c.argv.join(" ")}${raw} → ${c.tool}: ${c.effect}${c.policy ? ` by ${c.policy}` : ""}${c.unknown ? ` — not decided statically: ${c.unknown}` : ""}`);
  }
  if (d.approvers.length) lines.push(`approvers: ${d.approvers.join(", ")}`);
  for (const [role, people] of Object.entries(d.approver_people ?? {})) lines.push(`${role}: ${people.length ? people.join(", ") : "nobody (the requester cannot approve their own request)"} (from the user record)`);
  for (const a of d.alerts) lines.push(`alert:    ${a.message}${a.to ? ` → ${a.to}` : ""} (${a.policy})`);
  for (const s of d.sanitize) lines.push(`sanitize: ${s.fields.join(", ")} (${s.policy})`);
  for (const c of d.session_changes ?? []) lines.push(`session:  ${c.change} ${c.label} (${c.policy})${d.session_changed ? "" : ", not applied"}`);
  if (x.policies.length) {
    lines.push("policies considered:");
    for (const p of x.policies) {
      const mark = p.outcome === "matched" ? "✓" : p.needsHistory ? "?" : "✗";
      lines.push(`  ${mark} ${p.id} [${p.effect ?? "obligations"}, priority ${p.priority}] ${p.needsHistory ? NEEDS_HISTORY : p.outcome}${p.failed ? `: ${p.failed}` : ""}`);
    }
  }
  // Names, reasons and tools come from events and sources: each line stays one inert line.
  return lines.map(oneLine).join("\n");
}
