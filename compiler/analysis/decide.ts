/**
 * SPEC §5 over rows whose conditions are partly known: the decision when the known atoms already
 * fix it, else an atom it still depends on. With every atom known this is exactly the reference
 * evaluator's rule (an ambiguous path blocks first; then block/hide wins, lowest priority number
 * first; on a tie require_approval beats allow, then source order; else the first `default for …`
 * that fits, the project default, allow), so an analysis that splits on the atoms it
 * is given decides every event as the reference does.
 */
import { truth, unknownAtom } from "./atoms.js";
import type { Row, TargetModel } from "./targets.js";

export interface Outcome {
  readonly effect: "allow" | "block" | "require_approval";
  /** The deciding policy's id; null when no policy decided. */
  readonly policy: string | null;
  /** When no policy decided: an ambiguous path blocked first, a default decided, or nothing did (allow). */
  readonly by?: "ambiguous" | "default" | "nothing";
}

export type Step = { readonly done: Outcome } | { readonly split: number };

const blocks = (r: Row) => r.effect === "block" || r.effect === "hide";
const decides = (r: Row) => r.effect === "allow" || r.effect === "require_approval";

/** The decision under a partial assignment (1 / 0 / -1 per atom), or an atom to split on. */
export function decide3(m: TargetModel, a: Int8Array): Step {
  // An ambiguous path blocks the call before any policy runs.
  const pre = truth(m.pre, a);
  if (pre === 1) return { done: { effect: "block", policy: null, by: "ambiguous" } };
  if (pre === -1) return { split: unknownAtom(m.pre, a)! };
  for (const r of m.rows) {
    if (!blocks(r)) continue;
    const v = truth(r.cond, a);
    if (v === 1) return { done: { effect: "block", policy: r.id } };
    if (v === -1) return { split: unknownAtom(r.cond, a)! };
  }
  const rows = m.rows.filter(decides);
  for (let i = 0; i < rows.length;) {
    let j = i;
    while (j < rows.length && rows[j]!.priority === rows[i]!.priority) j++;
    let first: Row | undefined, approval: Row | undefined;
    for (let k = i; k < j; k++) {
      const r = rows[k]!;
      // A later row of the group changes nothing once an approval holds, or an allow after one.
      if (approval || (first && r.effect === "allow")) continue;
      const v = truth(r.cond, a);
      if (v === -1) return { split: unknownAtom(r.cond, a)! };
      if (v === 1) { first ??= r; if (r.effect === "require_approval") approval ??= r; }
    }
    const d = approval ?? first;
    if (d) return { done: { effect: d.effect as "allow" | "require_approval", policy: d.id } };
    i = j;
  }
  // The first `default for …` that fits, else the project default (runtime/defaults.ts).
  for (const d of m.defaults) {
    const v = truth(d.cond, a);
    if (v === 1) return { done: { effect: d.effect, policy: null, by: "default" } };
    if (v === -1) return { split: unknownAtom(d.cond, a)! };
  }
  return { done: { effect: m.fallback, policy: null, by: m.hasDefault ? "default" : "nothing" } };
}

export function sameOutcome(x: Outcome, y: Outcome): boolean {
  return x.effect === y.effect && x.policy === y.policy;
}
