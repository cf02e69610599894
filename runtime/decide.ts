/**
 * The decision rule (SPEC §5), in one place. Two rules live here:
 *
 * 1. One event, its matched policies → one decision (`decide`). Given every policy that is active,
 *    in scope, triggered and whose conditions all hold, in decision order (priority, then source
 *    order):
 *    - every matching `alert` fires and every matching `sanitize` applies (obligations);
 *    - if any match is `block` or `hide`, the effect is `block`: block always wins, and the first
 *      such match in decision order decides (`hide` also marks the tool hidden);
 *    - otherwise the first match with an effect (`allow` / `require_approval`) decides, except that
 *      a later `require_approval` of the same priority beats an `allow` (a tie goes to approval);
 *    - if no match has an effect, the default applies (runtime/defaults.ts: the first fitting
 *      `default for …`, else the project `default`, else allow; for `agent_discovered` events: allow).
 * 2. One call made of several parts (the simple commands of a command line, or an MCP call and the
 *    command lines in its `command` arguments) → one decision (`strictest`, SPEC §5 settled: "CLI
 *    command lines are decided per simple command, strictest effect wins").
 *
 * Effects are compared by their strength (`Strength`), never by bare integers at call sites.
 */
import type { Bundle, BundlePolicy, Decision, SessionEvent } from "./types.js";
import type { ResolvedCall } from "./event.js";
import { approverPeople } from "./user.js";
import { defaultDecision } from "./defaults.js";

/** How strongly a policy's effect binds: the order SPEC §5 combines effects in. */
export const enum Strength {
  /** Obligations only (`alert`, `sanitize`): takes no part in the effect. */
  None = 0,
  Allow = 1,
  RequireApproval = 2,
  /** `block` and `hide` always win over the others. */
  Block = 3,
  Hide = 4,
}

const STRENGTH: Readonly<Record<string, Strength>> = { allow: Strength.Allow, require_approval: Strength.RequireApproval, block: Strength.Block, hide: Strength.Hide };

/** Does a policy of this strength block the call (`block` or `hide`)? */
export function blocks(s: Strength): boolean {
  return s >= Strength.Block;
}

/** What a decision needs of a policy, built once per policy (a match touches this object only). */
export interface Meta {
  readonly p: BundlePolicy;
  readonly ref: Readonly<{ id: string; name: string }>;
  readonly policy: Readonly<{ id: string; name: string; file: string; line: number }>;
  readonly effect: Strength;
  readonly priority: number;
  readonly alerts: BundlePolicy["alerts"] | undefined;
  readonly sanitize: readonly string[] | undefined;
  /** The conditions an alert quotes. */
  readonly why: string;
}

const metas = new WeakMap<BundlePolicy, Meta>();

export function metaOf(p: BundlePolicy): Meta {
  let m = metas.get(p);
  if (!m) {
    m = {
      p,
      ref: Object.freeze({ id: p.id, name: p.name }),
      policy: Object.freeze({ id: p.id, name: p.name, file: p.file, line: p.line }),
      effect: p.effect ? STRENGTH[p.effect] ?? Strength.None : Strength.None,
      priority: p.priority,
      alerts: p.alerts?.length ? p.alerts : undefined,
      sanitize: p.sanitize?.length ? p.sanitize : undefined,
      why: p.ifs.length ? p.ifs.map((i) => i.text).join(" and ") : `policy "${p.name}"`,
    };
    metas.set(p, m);
  }
  return m;
}

/**
 * Of two matches with an allow / require_approval effect, `chosen` earlier in decision order:
 * the one that decides. The earlier wins, except that approval beats allow at the same priority.
 */
function tieBreak(chosen: Meta, later: Meta): Meta {
  const approvalOnTie = chosen.effect === Strength.Allow && later.effect === Strength.RequireApproval && later.priority === chosen.priority;
  return approvalOnTie ? later : chosen;
}

function defaultText(e: string): string {
  return e === "allow" ? "allowed" : e === "block" ? "blocked" : "requires approval";
}

/** The alert a match fires (its own message, or one naming the agent and the tool). */
function alertOf(m: Meta, a: NonNullable<BundlePolicy["alerts"]>[number], call: ResolvedCall | undefined, e: SessionEvent): Decision["alerts"][number] {
  const agent = e.agent?.name;
  const tool = call ? call.tool : null;
  return {
    policy: m.ref.id,
    message: a.message ?? `${m.ref.name}: ${agent ?? "an agent"} ${call ? `called ${tool}` : "was discovered"}`,
    to: a.to ?? null,
    agent: agent ?? null,
    tool,
    integration: call ? call.integration : null,
    why: m.why,
  };
}

/**
 * SPEC §5 over the matches `ms[0..n)` in decision order: obligations from every match; block wins;
 * else the lowest priority, approval beating allow on a tie; else the default.
 */
export function decide(b: Bundle, ms: readonly Meta[], n: number, call: ResolvedCall | undefined, e: SessionEvent): Decision {
  let alerts: Decision["alerts"] | undefined;
  let sanitize: Decision["sanitize"] | undefined;
  let blocker: Meta | undefined;
  let chosen: Meta | undefined;
  let hidden = false;
  const matched: Decision["matched"] = new Array(n);
  for (let i = 0; i < n; i++) {
    const m = ms[i]!;
    matched[i] = m.ref;
    if (m.alerts) for (const a of m.alerts) (alerts ??= []).push(alertOf(m, a, call, e));
    if (m.sanitize) (sanitize ??= []).push({ policy: m.ref.id, fields: [...m.sanitize] });
    if (blocks(m.effect)) {
      if (m.effect === Strength.Hide) hidden = true;
      blocker ??= m;
    } else if (m.effect !== Strength.None) {
      chosen = chosen === undefined ? m : tieBreak(chosen, m);
    }
  }
  return decision(b, blocker ?? chosen, call, e, matched, alerts ?? [], sanitize ?? [], hidden);
}

/** The decision `decider` (or, without one, the default) gives, with the obligations collected. */
function decision(b: Bundle, decider: Meta | undefined, call: ResolvedCall | undefined, e: SessionEvent, matched: Decision["matched"], alerts: Decision["alerts"], sanitize: Decision["sanitize"], hidden: boolean): Decision {
  const tool = call ? call.tool : null;
  let effect: Decision["effect"];
  let reason: string;
  let approvers: string[] = [];
  if (decider) {
    const p = decider.p;
    effect = p.effect === "hide" ? "block" : (p.effect as Decision["effect"]);
    reason = p.reason ?? (p.effect === "hide" ? `${tool ?? "this tool"} is not available to this agent (policy "${p.name}")` : `${defaultText(effect)} by policy "${p.name}"`);
    if (effect === "require_approval" && p.approvers) approvers = [...p.approvers];
  } else if (!call) {
    effect = "allow";
    reason = "no policy matched; agent_discovered events are allowed by default";
  } else {
    ({ effect, reason } = defaultDecision(b, call, e, matched));
  }
  const policy = decider ? decider.policy : null;
  const d: Decision = call
    ? { effect, policy, reason, approvers, matched, alerts, sanitize, hidden, revision: b.revision, tool, operation: call.operation }
    : { effect, policy, reason, approvers, matched, alerts, sanitize, hidden, revision: b.revision, tool };
  const people = e.user ? approverPeople(approvers, e.user) : undefined;
  if (people) d.approver_people = people;
  return d;
}

/** SPEC §5 over matched policies given in decision order (the plain form, for explain and tests). */
export function decisionOf(b: Bundle, matched: readonly BundlePolicy[], call: ResolvedCall | undefined, e: SessionEvent): Decision {
  return decide(b, matched.map(metaOf), matched.length, call, e);
}

// ---- 2. the strictest of a call's parts ----

const RANK: Readonly<Record<Decision["effect"], Strength>> = { allow: Strength.Allow, require_approval: Strength.RequireApproval, block: Strength.Block };

/** A part's decision, with the reason saying why a command that could not be decided was unknown. */
export function withUnknownReason(d: Decision, call: ResolvedCall): Decision {
  if (call.unknown === undefined) return d;
  return { ...d, reason: `${d.reason} (not decided statically: ${call.unknown})` }; // `d` may be frozen
}

/** The per-command entry of `Decision.commands`. */
function commandEntry(d: Decision, call: ResolvedCall): NonNullable<Decision["commands"]>[number] {
  return {
    argv: [...(call.argv ?? [])],
    raw_argv: [...(call.rawArgv ?? call.argv ?? [])],
    tool: call.tool,
    operation: call.operation,
    effect: d.effect,
    policy: d.policy ? d.policy.id : null,
    reason: d.reason,
    ...(call.unknown !== undefined ? { unknown: call.unknown } : {}),
  };
}

/**
 * The strictest of the parts' decisions (at least one): block > require_approval > allow, the
 * first part with the strictest effect decides (its policy, reason, approvers, tool); `matched` is
 * every matched policy once, in part order; alerts of every part; sanitize of every part (once per
 * policy); `hidden` when any part's tool is hidden; `commands` lists each command part's verdict.
 */
export function strictest(ds: readonly Decision[], calls: readonly ResolvedCall[]): Decision {
  let best = ds[0]!;
  for (const d of ds) if (RANK[d.effect] > RANK[best.effect]) best = d;
  const seen = new Set<string>();
  const matched: Decision["matched"] = [];
  const alerts: Decision["alerts"] = [];
  const sanitize: Decision["sanitize"] = [];
  const sanitized = new Set<string>();
  for (const d of ds) {
    for (const m of d.matched) if (!seen.has(m.id)) { seen.add(m.id); matched.push(m); }
    alerts.push(...d.alerts);
    for (const s of d.sanitize) if (!sanitized.has(s.policy)) { sanitized.add(s.policy); sanitize.push(s); }
  }
  const commands = ds.flatMap((d, i) => (calls[i]!.callType === "cli" ? [commandEntry(d, calls[i]!)] : []));
  return { ...best, matched, alerts, sanitize, hidden: ds.some((d) => d.hidden), commands };
}
