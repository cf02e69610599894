/**
 * The atoms of one event: which target it falls in and the truth of every atom on it, evaluated
 * with the runtime's own evaluator (as `policy explain` does), so that an analysis starts from
 * exactly the facts the enforcement point saw. Session atoms are read from the given session
 * state, or from an empty history.
 */
import type { Bundle, SessionEvent } from "../../runtime/types.js";
import { resolveCall } from "../../runtime/event.js";
import { evaluate, type EvalContext } from "../../runtime/evaluate.js";
import { compileDetectors } from "../../runtime/detectors.js";
import { reviewOf } from "../../runtime/static-eval.js";
import type { StateSnapshot } from "../../runtime/store.js";
import type { AtomExpr, AtomTable } from "./atoms.js";
import { targetOfCall, type TargetKey } from "./targets.js";

const EMPTY: StateSnapshot = { labels: [], called: [], revision: "", lastTs: null, resourceSeen: false, spend: {} };

export interface EventFacts {
  readonly target: TargetKey;
  readonly ctx: EvalContext;
  readonly event: SessionEvent;
}

/** The target and evaluation context of a valid `tool_call_request` or `agent_discovered` event. */
export function eventFacts(b: Bundle, e: SessionEvent, state?: StateSnapshot): EventFacts {
  const call = e.type === "tool_call_request" && e.call ? resolveCall(b, e.call) : undefined;
  const parsed = e.ts ? Date.parse(e.ts) : NaN;
  const now = state?.ts ?? (Number.isFinite(parsed) ? parsed : Date.now());
  const ctx: EvalContext = { bundle: b, call, agentName: e.agent?.name, review: reviewOf(e.agent), user: e.user, detectors: compileDetectors(b.detectors), now, state: state ?? EMPTY, tenant: e.tenant };
  return { target: targetOfCall(b, call), ctx, event: e };
}

/** Whether an atom holds on the event (a status atom: whether the policy is in `active`). */
export function atomOnEvent(x: AtomExpr, f: EventFacts, active: ReadonlySet<string>): boolean {
  if (x.k === "tenant") return f.event.tenant === x.tenant;
  if (x.k === "policy_active") return active.has(x.id);
  return evaluate(x, f.ctx);
}

/** The full assignment of the table's atoms on the event. */
export function assignmentOf(atoms: AtomTable, f: EventFacts, active: ReadonlySet<string>): Int8Array {
  const a = new Int8Array(atoms.atoms.length);
  atoms.atoms.forEach((t, i) => { a[i] = atomOnEvent(t.x, f, active) ? 1 : 0; });
  return a;
}
