/**
 * `expect` steps: checks the last call, run, discover or replay against an expectation, and
 * builds the failure detail (event, expected, got, explain trace).
 */
import type * as A from "../grammar/ast.js";
import type { Span } from "../grammar/span.js";
import type { Bundle, Decision } from "../runtime/types.js";
import type { StateSnapshot } from "../runtime/store.js";
import { EMPTY_STATE, explain, formatExplanation } from "../compiler/explain.js";
import { counterfactuals, counterfactualText } from "../compiler/analysis/counterfactual.js";
import { oneLine } from "../compiler/terminal-safe.js";
import type { ReplayedEvent } from "./index.js";

const EFFECTS: Record<string, Decision["effect"]> = { allow: "allow", block: "block", deny: "block", require_approval: "require_approval" };

/** What the last step decided. */
export interface Last {
  kind: "call" | "replay";
  decisions: ReplayedEvent[];
  span: Span;
  /** The replay failed (unreadable file, bad lines): its expectations are not checked. */
  broken?: boolean;
}

/** The state a recorded decision was made with (an empty one when it needed none; unknown when not recorded). */
export function stateOf(r: ReplayedEvent): StateSnapshot | undefined {
  return r.state === undefined ? undefined : r.state ?? EMPTY_STATE;
}

function refMatches(d: Decision, by: string): boolean {
  return !!d.policy && (d.policy.id === by || d.policy.name === by);
}

/** The failure detail: the event, what was expected, what it got, and the explain trace. */
function describe(r: ReplayedEvent, bundle: Bundle, expected: string): string {
  const ev = JSON.stringify(r.event);
  const d = r.decision;
  return [
    `event:    ${r.file}:${r.line} ${ev.length > 400 ? ev.slice(0, 400) + "…" : ev}`,
    `expected: ${expected}`,
    `got:      ${d.effect}${d.policy ? ` by "${d.policy.id}"` : " (default)"}${d.alerts.length ? `, alerts ${d.alerts.map((a) => JSON.stringify(a.message)).join(", ")}` : ""}`,
    ...trace(bundle, r, d),
  ].join("\n");
}

/**
 * The explain trace, without the policies that could not apply (out of scope, other trigger).
 * Session conditions are evaluated on the state the decision was made with.
 */
function trace(bundle: Bundle, r: ReplayedEvent, d: Decision): string[] {
  const x = explain(bundle, r.event, stateOf(r), d);
  const relevant = x.policies.filter((p) => p.outcome === "matched" || p.outcome === "condition failed");
  const hidden = x.policies.length - relevant.length;
  const lines = [formatExplanation({ ...x, policies: relevant })];
  if (hidden) lines.push(`  (${hidden} other polic${hidden === 1 ? "y" : "ies"} out of scope or for another trigger)`);
  lines.push(...whatWouldChange(bundle, r));
  return lines;
}

/** The counterfactuals of the decision: what would have given another effect. */
function whatWouldChange(bundle: Bundle, r: ReplayedEvent): string[] {
  const state = stateOf(r);
  const cf = counterfactuals(bundle, r.event, state ? { state } : {});
  if (cf.undecidable) return [`what would change it: ${oneLine(cf.undecidable)}`];
  if (!cf.counterfactuals.length) return [];
  return ["what would change it:", ...cf.counterfactuals.map((c) => `  ${oneLine(counterfactualText(cf.atoms, c))}`)];
}

/** "(the nearest decided events are seq 23 and 25)" — seq N may be a response or a message. */
function seqHint(ds: readonly ReplayedEvent[], n: number): string {
  const seqs = ds.map((d) => d.event.seq).filter((x): x is number => x !== undefined);
  const below = Math.max(...seqs.filter((x) => x < n));
  const above = Math.min(...seqs.filter((x) => x > n));
  const near = [below, above].filter(Number.isFinite);
  return near.length ? ` (decided events nearby: seq ${near.join(" and ")})` : "";
}

/**
 * `expect approvers [technician, manager]`: the decision asks for exactly these roles.
 * `expect approver "carol"`: the user record names carol as the only person for a role (`approver_people`).
 */
function checkApprovers(s: A.ExpectStep, r: ReplayedEvent, label: string, bundle: Bundle, fail: (span: Span, m: string, d?: string) => void): void {
  const d = r.decision;
  if (s.what.value === "approvers") {
    const want = s.argument?.kind === "List" ? s.argument.items.map((i) => (i.kind === "Name" || i.kind === "String" ? i.value : "")) : undefined;
    if (!want) { fail(s.span, "`expect approvers` takes a list of roles, e.g. `expect approvers [technician, manager]`"); return; }
    if (want.join("\u0000") !== d.approvers.join("\u0000")) fail(s.span, `${label}: expected approvers [${want.join(", ")}], got [${d.approvers.join(", ")}]`, describe(r, bundle, `approvers [${want.join(", ")}]`));
    return;
  }
  const person = s.argument?.kind === "String" ? s.argument.value : undefined;
  if (person === undefined) { fail(s.span, "`expect approver` takes a person, e.g. `expect approver \"carol\"`"); return; }
  const people = Object.entries(d.approver_people ?? {});
  if (!people.some(([, ps]) => ps.includes(person))) {
    fail(s.span, `${label}: expected ${person} to be named as an approver, got ${people.length ? people.map(([role, ps]) => `${role}: ${ps.join(", ") || "nobody"}`).join("; ") : "no approver named by the user record"}`, describe(r, bundle, `approver "${person}"`));
  }
}

/** Checks one `expect` step; reports failures through `fail`. */
export function checkExpect(s: A.ExpectStep, last: Last | undefined, refs: Set<string>, bundle: Bundle, fail: (span: Span, m: string, d?: string) => void): void {
  const what = s.what.value;
  const by = s.by?.value;
  if (by !== undefined && !refs.has(by)) { fail(s.by!.span, `no policy has the id or name "${by}"`); return; }
  if (!last) { fail(s.span, "nothing to check yet: `expect` follows a call, run, discover or replay"); return; }
  if (last.broken) return;
  const effect = EFFECTS[what];
  const expected = `${what}${by !== undefined ? ` by "${by}"` : ""}`;
  const checkDecision = (r: ReplayedEvent, label: string) => {
    if (effect) {
      if (r.decision.effect !== effect) { fail(s.span, `${label}: expected ${effect}${by ? ` by "${by}"` : ""}, got ${r.decision.effect}${r.decision.policy ? ` by "${r.decision.policy.id}"` : " (default)"}`, describe(r, bundle, expected)); return; }
      if (by !== undefined && !refMatches(r.decision, by)) { fail(s.span, `${label}: expected ${effect} by "${by}", got ${effect} by ${r.decision.policy ? `"${r.decision.policy.id}"` : "the default"}`, describe(r, bundle, expected)); return; }
      if (s.from) {
        const want = s.from.items.map((i) => (i.kind === "Name" || i.kind === "String" ? i.value : "")).sort();
        const got = [...r.decision.approvers].sort();
        if (want.join(",") !== got.join(",")) fail(s.from.span, `${label}: expected approvers [${want.join(", ")}], got ${got.length ? `[${got.join(", ")}]` : "none (any one approver)"}`, describe(r, bundle, `${expected} from [${want.join(", ")}]`));
      }
      return;
    }
    if (what === "hidden") { if (!r.decision.hidden) fail(s.span, `${label}: expected the tool to be hidden`, describe(r, bundle, "hidden")); return; }
    if (what === "withheld") {
      if (!r.decision.withheld) fail(s.span, `${label}: expected the ${r.decision.event === "tool_response" ? "response" : r.decision.event ? "message" : "response (`expect withheld` follows `respond` or a message)"} to be withheld, got ${r.decision.effect}${r.decision.policy ? ` by "${r.decision.policy.id}"` : ""}: ${r.decision.reason}`, describe(r, bundle, "withheld"));
      return;
    }
    if (what === "approvers" || what === "approver") { checkApprovers(s, r, label, bundle, fail); return; }
    if (what === "sanitize") {
      const want = s.argument?.kind === "List" ? s.argument.items.map((i) => (i.kind === "Name" || i.kind === "String" ? i.value : "")) : [];
      const got = r.decision.sanitize.flatMap((x) => x.fields);
      if (!want.every((f) => got.includes(f)) || (want.length === 0 && got.length === 0)) fail(s.span, `${label}: expected sanitize of ${want.join(", ") || "some field"}, got ${got.join(", ") || "none"}`, describe(r, bundle, `sanitize ${want.join(", ")}`));
    }
  };
  if (what === "alert") {
    const t = s.target;
    const pool = t?.kind === "event" ? last.decisions.filter((r) => r.event.seq === t.seq.value) : last.decisions;
    const alerts = pool.flatMap((r) => r.decision.alerts);
    const msg = s.argument?.kind === "String" ? s.argument.value : undefined;
    const hit = alerts.filter((a) => msg === undefined || a.message === msg || a.message.includes(msg));
    if (s.negated && hit.length) {
      const first = pool.find((r) => r.decision.alerts.some((a) => hit.includes(a)));
      fail(s.span, `expected no alert${msg ? ` "${msg}"` : ""}, got ${hit.map((a) => `"${a.message}" (${a.policy})`).join(", ")}`, first ? describe(first, bundle, `no alert${msg ? ` "${msg}"` : ""}`) : undefined);
    }
    if (!s.negated && !hit.length) {
      const one = pool.length === 1 ? pool[0] : undefined;
      fail(s.span, `expected an alert${msg ? ` "${msg}"` : ""}, got ${alerts.length ? alerts.map((a) => `"${a.message}"`).join(", ") : "none"}${pool.length > 1 ? ` in ${pool.length} decisions` : ""}`, one ? describe(one, bundle, `alert${msg ? ` "${msg}"` : ""}`) : undefined);
    }
    return;
  }
  if (s.negated) { fail(s.span, `\`expect no ${what}\` is not supported: only \`expect no alert\``); return; }
  if (!effect && !["hidden", "sanitize", "approvers", "approver", "withheld"].includes(what)) { fail(s.what.span, `unknown expectation "${what}" (use allow, block, require_approval, alert, sanitize, hidden, withheld, approvers, approver)`); return; }
  if (s.target?.kind === "event") {
    const n = s.target.seq.value;
    const withSeq = last.decisions.filter((r) => r.event.seq === n);
    const sessions = [...new Set(withSeq.map((r) => r.event.session_id ?? "(no session_id)"))];
    if (sessions.length > 1) {
      fail(s.target.seq.span, `event ${n} is ambiguous: sessions ${sessions.join(", ")} each have an event with seq ${n} (replay one session per file, or use \`expect calls to\`)`);
      return;
    }
    const r = withSeq[0] ?? (last.decisions.every((x) => x.event.seq === undefined) ? last.decisions[n - 1] : undefined);
    if (!r) {
      fail(s.target.seq.span, `no tool call with seq ${n} in the replayed session${seqHint(last.decisions, n)}`);
      return;
    }
    checkDecision(r, `event ${n}`);
    return;
  }
  if (s.target?.kind === "calls") {
    const want = s.target.tool.value.toLowerCase();
    const calls = last.decisions.filter((r) => r.decision.tool?.toLowerCase() === want || r.decision.tool?.toLowerCase().endsWith("." + want));
    if (!calls.length) { fail(s.target.tool.span, `no call to ${s.target.tool.value} in the replayed session`); return; }
    for (const r of calls) checkDecision(r, `call to ${r.decision.tool} (${r.file}:${r.line})`);
    return;
  }
  const r = last.decisions[last.decisions.length - 1];
  if (!r) { fail(s.span, "the replay had no tool calls to check"); return; }
  if (last.kind === "replay" && last.decisions.length > 1) { for (const x of last.decisions) checkDecision(x, `${x.file}:${x.line}`); return; }
  checkDecision(r, `line ${r.line}`);
}
