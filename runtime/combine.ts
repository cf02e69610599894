/**
 * One decision for a call made of several parts: the simple commands of a command line, or an MCP
 * call and the command lines in its `command` arguments (SPEC §5, settled: "CLI command lines are
 * decided per simple command, strictest effect wins").
 * The rule: block > require_approval > allow; the first part with the strictest effect decides
 * (its policy, reason, approvers, tool); `matched` is every matched policy once, in part order;
 * alerts of every part; sanitize of every part (once per policy); `hidden` when any part's tool
 * is hidden. `commands` lists each command part with its own verdict.
 */
import type { Decision } from "./types.js";
import type { ResolvedCall } from "./event.js";

const RANK = { allow: 0, require_approval: 1, block: 2 } as const;

/** A part's decision, with the reason saying why a command that could not be decided was unknown. */
export function withUnknownReason(d: Decision, call: ResolvedCall): Decision {
  if (call.unknown === undefined) return d;
  d.reason = `${d.reason} (not decided statically: ${call.unknown})`;
  return d;
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

/** The strictest of the parts' decisions (at least one), with every part's obligations. */
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
  const out: Decision = { ...best, matched, alerts, sanitize, hidden: ds.some((d) => d.hidden), commands };
  return out;
}
