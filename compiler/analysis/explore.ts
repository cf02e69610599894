/**
 * Regions: the decisions of one or more policy sets over one target, as disjoint regions of the
 * event space (conjunctions of atom literals) on each of which every set's decision is fixed.
 * Built by splitting on the atoms the decisions still depend on (`decide3`), never on random
 * events, and skipping a branch only when its dimension proves it empty (`dims.ts`).
 *
 * INVARIANT: the regions cover every event of the target (a pruned branch holds no event), and on
 * every event of a region each set decides as the region says (the reference evaluator's rule).
 * A region may still be empty where a dimension cannot prove it (opaque atoms).
 */
import type { AtomTable } from "./atoms.js";
import { decide3, type Outcome } from "./decide.js";
import { witness, type Lit, type Witness } from "./dims.js";
import type { TargetModel } from "./targets.js";

export interface Region {
  readonly lits: readonly Lit[];
  /** Each set's decision on the region, in the order the models were given. */
  readonly outcomes: readonly Outcome[];
}

export interface Exploration {
  readonly regions: readonly Region[];
  /** False when the split stopped at the budget: the regions then cover only part of the target. */
  readonly complete: boolean;
}

export interface ExploreOptions {
  /** At most this many regions per target (default 5,000). */
  readonly maxRegions?: number;
}

/** The integration a target's tool names belong to (for `tool is` / `tool matches` atoms). */
export function integrationOf(target: string): string {
  if (target.startsWith("tool:")) return target.slice(5, target.indexOf("."));
  if (target.startsWith("unknown:")) return target.slice(8);
  return "";
}

/** Splits the target's event space into regions on which every model's decision is fixed. */
export function explore(models: readonly TargetModel[], atoms: AtomTable, opts: ExploreOptions = {}): Exploration {
  const max = opts.maxRegions ?? 5000;
  const integration = integrationOf(models[0]!.target);
  const a = new Int8Array(atoms.atoms.length).fill(-1);
  const byDim = new Map<string, Lit[]>();
  const path: Lit[] = [];
  const regions: Region[] = [];
  const cache = new Map<string, Witness>();
  let complete = true;
  const possible = (dim: string, lits: readonly Lit[]): boolean => {
    const key = `${dim}\u0000${JSON.stringify(lits)}`;
    let w = cache.get(key);
    if (!w) cache.set(key, (w = witness(atoms, dim, lits, integration)));
    return w.found || !w.exact;
  };
  const go = (): void => {
    if (regions.length >= max) { complete = false; return; }
    const outcomes: Outcome[] = [];
    let split: number | undefined;
    for (const m of models) {
      const s = decide3(m, a);
      if ("split" in s) { split ??= s.split; continue; }
      outcomes.push(s.done);
    }
    if (split === undefined) { regions.push({ lits: [...path], outcomes }); return; }
    const dim = atoms.atoms[split]!.dim;
    const prev = byDim.get(dim) ?? [];
    for (const v of [true, false]) {
      const lits = [...prev, [split, v] as Lit];
      if (!possible(dim, lits)) continue;
      a[split] = v ? 1 : 0;
      byDim.set(dim, lits);
      path.push([split, v]);
      go();
      path.pop();
    }
    a[split] = -1;
    byDim.set(dim, prev);
  };
  go();
  return { regions, complete };
}
