/**
 * Precomputed decisions (issue 22): outcomes that need no per-call data are built once per bucket
 * and returned frozen, so that the common allow / block path allocates nothing. Per bucket plan
 * there is one slot for "no policy matched" and one per policy for "only this policy matched"; a
 * slot holds the decision with what it depends on (the bundle; the call's integration, tool as shown
 * and operation).
 * An outcome is frozen only when nothing else of the event enters it: no alert (alerts name the
 * agent), no approvers (`approver_people` comes from the event's user), and, when the default
 * decides, no `default for` names a tenant or an agent.
 * INVARIANT: a frozen decision is exactly the one `decide` (runtime/decide.ts) gives for that event;
 * everything it is deep-frozen, so a caller can never change what a later call receives.
 */
import type { Bundle, Decision, SessionEvent } from "./types.js";
import type { ResolvedCall } from "./event.js";
import { decide, type Meta } from "./decide.js";

interface Slot {
  readonly d: Decision;
  /** A plan may serve several bundles (an empty bucket is one shared list). */
  readonly b: Bundle;
  readonly integration: string | undefined;
  readonly tool: string | undefined;
  readonly operation: string | undefined;
}

/** Slot 0: no match; slot i + 1: item i the only match. */
export type FrozenSlots = (Slot | undefined)[];

export function frozenSlots(items: number): FrozenSlots {
  return new Array<Slot | undefined>(items + 1).fill(undefined);
}

const byWho = new WeakMap<Bundle, boolean>();

/** Does some `default for …` of the bundle depend on the tenant or the agent? */
function defaultsByWho(b: Bundle): boolean {
  let v = byWho.get(b);
  if (v === undefined) byWho.set(b, (v = (b.defaults ?? []).some((d) => d.tenant !== undefined || d.agent !== undefined)));
  return v;
}

function deepFreeze(d: Decision): Decision {
  for (const s of d.sanitize) { Object.freeze(s.fields); Object.freeze(s); }
  Object.freeze(d.matched);
  Object.freeze(d.alerts);
  Object.freeze(d.sanitize);
  Object.freeze(d.approvers);
  return Object.freeze(d);
}

/**
 * The decision over the matches `ms[0..n)` (`first`: the item number of the first): a frozen one
 * when a slot holds it for this call, else `decide`'s, kept frozen in the slot when it needs no
 * per-call data.
 */
export function frozenDecision(slots: FrozenSlots, b: Bundle, ms: readonly Meta[], n: number, first: number, call: ResolvedCall | undefined, e: SessionEvent): Decision {
  if (n > 1) return decide(b, ms, n, call, e);
  const at = n === 0 ? 0 : first + 1;
  const s = slots[at];
  if (s !== undefined && s.b === b && s.tool === call?.tool && s.integration === call?.integration && s.operation === call?.operation) return s.d;
  const d = decide(b, ms, n, call, e);
  if (d.alerts.length === 0 && d.approvers.length === 0 && d.approver_people === undefined && (d.policy !== null || call === undefined || !defaultsByWho(b))) {
    slots[at] = { d: deepFreeze(d), b, integration: call?.integration, tool: call?.tool, operation: call?.operation };
  }
  return d;
}
