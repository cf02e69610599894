/**
 * Unreachable effects: a policy whose effect can never decide because another policy matches
 * every event it matches (its `if` lines are a subset) and wins — a block/hide always wins; an
 * allow/require_approval with a lower priority number wins over a later one.
 * Also flags `if` lines that contradict each other on the integration.
 * The pieces (`ifKeys`, `shadows`, `shadowedDiagnostic`, `contradiction`) are exported for the
 * incremental check (`../incremental/shadowed.ts`), which keeps the same rule up to date per edit.
 */
import type { CheckedPolicy } from "../../model.js";
import type { Diagnostic } from "../../../grammar/diagnostic.js";
import { diagnostic } from "../../diagnostics/codes.js";
import type { CheckContext } from "../context.js";
import { conjunctsOf } from "../../../runtime/language-facts.js";

function scopeCovers(a: CheckedPolicy, b: CheckedPolicy): boolean {
  if (a.scope.kind === "platform") return true;
  if (a.scope.kind === "tenant") return b.scope.kind !== "platform" && (a.scope.tenant === undefined || (b.scope.kind === "tenant" && b.scope.tenant === a.scope.tenant));
  return b.scope.kind === "agent" && b.scope.agent === a.scope.agent;
}

const key = (e: unknown) => JSON.stringify(e);

/**
 * The indices of several ascending lists (no index in two of them), in ascending order, lazily:
 * the scan below usually stops at its first candidates, so the lists are neither copied nor sorted
 * for every policy (10,000 unconditional policies took seconds).
 */
function* inOrder(lists: readonly (readonly number[])[]): Generator<number> {
  const at = lists.map(() => 0);
  for (;;) {
    let best = -1;
    for (let l = 0; l < lists.length; l++) {
      if (at[l]! < lists[l]!.length && (best < 0 || lists[l]![at[l]!]! < lists[best]![at[best]!]!)) best = l;
    }
    if (best < 0) return;
    yield lists[best]![at[best]!++]!;
  }
}

/** The policies whose effect the rule is about: not deprecated, with an effect. */
export const shadowable = (p: CheckedPolicy): boolean => p.status !== "deprecated" && !!p.effect;

/** A policy's `if` lines as keys: two lines are the same condition exactly when their keys are equal. */
export function ifKeys(p: CheckedPolicy): string[] {
  return p.ifs.map((i) => key(i.expr));
}

/** Whether `q` (its `if` keys `qKeys`) matches every call `p` (keys `pKeys`) matches and wins over it. */
export function shadows(q: CheckedPolicy, qKeys: readonly string[], p: CheckedPolicy, pKeys: ReadonlySet<string>): boolean {
  // Versions of one policy (same name, e.g. a draft clone of an active one) are not rivals.
  if (q === p || q.name === p.name || q.trigger !== p.trigger || qKeys.length > pKeys.size || !scopeCovers(q, p)) return false;
  if (!qKeys.every((k) => pKeys.has(k))) return false;
  const qBlocks = q.effect === "block" || q.effect === "hide";
  const pBlocks = p.effect === "block" || p.effect === "hide";
  return qBlocks ? !pBlocks : !pBlocks && (q.priority < p.priority || (q.priority === p.priority && q.order < p.order && !(p.effect === "require_approval" && q.effect === "allow")));
}

/** PDL4001 on `p`, shadowed by `q`. */
export function shadowedDiagnostic(p: CheckedPolicy, q: CheckedPolicy): Diagnostic {
  const qBlocks = q.effect === "block" || q.effect === "hide";
  return diagnostic("PDL4001", p.ast.name.span, `the ${p.effect} of "${p.name}" never decides: "${q.name}" matches every call it matches and ${qBlocks ? "a block always wins" : `is considered first (priority ${q.priority})`}`,
    "remove this policy, narrow the other one, or change the priorities", { related: [{ span: q.ast.name.span, message: "the policy that shadows it" }] });
}

/** PDL4002 when the `integration` conditions of a (not deprecated) policy exclude each other. */
export function contradiction(p: CheckedPolicy): Diagnostic | undefined {
  if (p.status === "deprecated") return undefined;
  let ints: string[] | undefined;
  for (const c of p.ifs.flatMap((i) => conjunctsOf(i.expr))) {
    if (c.k !== "integration") continue;
    const ids = c.ids;
    ints = ints ? ints.filter((x) => ids.includes(x)) : [...ids];
  }
  return ints && ints.length === 0 ? diagnostic("PDL4002", p.ast.name.span, `"${p.name}" can never match: its integration conditions exclude each other`, "fix the `if integration …` lines") : undefined;
}

export function checkShadowed(ctx: CheckContext, policies: readonly CheckedPolicy[]): void {
  const live = policies.filter(shadowable);
  // Each policy's `if` lines as keys, computed once.
  const keys = live.map(ifKeys);
  const sets = keys.map((k) => new Set(k));
  // A policy q can only shadow p when every key of q is a key of p: index each q under one of its
  // keys (the rarest), and the policies without `if` lines separately. The candidates for p are
  // then the unconstrained policies plus those indexed under one of p's keys, tried in project
  // order (the first that wins is reported, as a scan of every pair would).
  const freq = new Map<string, number>();
  for (const set of sets) for (const k of set) freq.set(k, (freq.get(k) ?? 0) + 1);
  const byKey = new Map<string, number[]>();
  const unconstrained: number[] = [];
  sets.forEach((set, qi) => {
    let rarest: string | undefined;
    for (const k of set) if (rarest === undefined || freq.get(k)! < freq.get(rarest)!) rarest = k;
    if (rarest === undefined) unconstrained.push(qi);
    else { const list = byKey.get(rarest); if (list) list.push(qi); else byKey.set(rarest, [qi]); }
  });
  live.forEach((p, pi) => {
    const mine = sets[pi]!;
    const lists = [unconstrained];
    for (const k of mine) { const list = byKey.get(k); if (list) lists.push(list); }
    let qi: number | undefined;
    for (const i of inOrder(lists)) if (shadows(live[i]!, keys[i]!, p, mine)) { qi = i; break; }
    if (qi !== undefined) ctx.diagnostics.push(shadowedDiagnostic(p, live[qi]!));
  });
  for (const p of policies) {
    const d = contradiction(p);
    if (d) ctx.diagnostics.push(d);
  }
}
