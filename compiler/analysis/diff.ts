/**
 * `policy diff`: what changes between two policy sets (bundles) before any traffic exists. For
 * every target (catalog tool, unknown tool of an integration, tool outside the catalog, agent
 * discovery) the regions of the other dimensions where the effect or the deciding policy differs
 * — the same test `policy replay --against` applies to each recorded event, so that every
 * recorded event whose decision changes lies in a reported region and every event in a reported
 * region changes (test/analysis/diff.test.ts).
 */
import type { Bundle } from "../../runtime/types.js";
import { AtomTable } from "./atoms.js";
import { sameOutcome, type Outcome } from "./decide.js";
import type { Lit } from "./dims.js";
import { explore, type ExploreOptions, type Region } from "./explore.js";
import { modelOf, targetsOf, type TargetKey, type TargetModel } from "./targets.js";
import { litText, regionText } from "./text.js";
import { oneLine } from "../terminal-safe.js";
import { fieldOf } from "./edit.js";

export interface ChangedRegion {
  readonly lits: readonly Lit[];
  readonly before: Outcome;
  readonly after: Outcome;
}

export interface TargetDiff {
  readonly target: TargetKey;
  readonly atoms: AtomTable;
  readonly regions: readonly ChangedRegion[];
  /** False when the target was too complex to split completely (then more may change). */
  readonly complete: boolean;
}

export interface PolicyDiff {
  readonly targets: readonly TargetDiff[];
}

const same = (x: TargetModel, y: TargetModel) => JSON.stringify([x.pre, x.rows, x.defaults, x.fallback]) === JSON.stringify([y.pre, y.rows, y.defaults, y.fallback]);

/**
 * Joins two regions with the same change that differ in one literal's value only, again and again,
 * always the first such pair (i < j, in order) first. After a join at i, the pairs before row i
 * are known not to join except with the new region at i, so the search resumes there instead of
 * from the start (the same joins in the same order, without rescanning every pair each time).
 */
function merge(regions: ChangedRegion[]): ChangedRegion[] {
  if (regions.length > 400) return regions;
  const rs = [...regions];
  let fresh = -1; // rows before it join only with the region at `fresh` (-1: none known yet)
  for (;;) {
    const hit = firstJoin(rs, fresh);
    if (!hit) return rs;
    rs[hit.i] = hit.m;
    rs.splice(hit.j, 1);
    fresh = hit.i;
  }
}

/** The first pair (i < j) of regions that join: before row `fresh` only pairs with it are tried. */
function firstJoin(rs: readonly ChangedRegion[], fresh: number): { i: number; j: number; m: ChangedRegion } | undefined {
  for (let i = 0; i < fresh; i++) {
    const m = mergeTwo(rs[i]!, rs[fresh]!);
    if (m) return { i, j: fresh, m };
  }
  for (let i = Math.max(fresh, 0); i < rs.length; i++) {
    for (let j = i + 1; j < rs.length; j++) {
      const m = mergeTwo(rs[i]!, rs[j]!);
      if (m) return { i, j, m };
    }
  }
  return undefined;
}

function mergeTwo(x: ChangedRegion, y: ChangedRegion): ChangedRegion | undefined {
  if (!sameOutcome(x.before, y.before) || !sameOutcome(x.after, y.after) || x.lits.length !== y.lits.length) return undefined;
  const ym = new Map(y.lits);
  let differ: number | undefined;
  for (const [i, v] of x.lits) {
    const w = ym.get(i);
    if (w === undefined) return undefined;
    if (w !== v) { if (differ !== undefined) return undefined; differ = i; }
  }
  return { lits: x.lits.filter(([i]) => i !== differ), before: x.before, after: x.after };
}

/** The changes of one target: regions where `before` and `after` decide differently. */
export function diffTarget(before: Bundle, after: Bundle, t: TargetKey, opts: ExploreOptions = {}): TargetDiff {
  const atoms = new AtomTable();
  const mb = modelOf(before, t, atoms), ma = modelOf(after, t, atoms);
  if (same(mb, ma)) return { target: t, atoms, regions: [], complete: true };
  const x = explore([mb, ma], atoms, opts);
  const regions = x.regions.filter((r: Region) => !sameOutcome(r.outcomes[0]!, r.outcomes[1]!))
    .map((r) => ({ lits: r.lits, before: r.outcomes[0]!, after: r.outcomes[1]! }));
  return { target: t, atoms, regions: merge(regions), complete: x.complete };
}

/** Every change between two policy sets, target by target (targets without a change left out). */
export function diffBundles(before: Bundle, after: Bundle, opts: ExploreOptions = {}): PolicyDiff {
  const targets = targetsOf([before, after]).map((t) => diffTarget(before, after, t, opts)).filter((d) => d.regions.length || !d.complete);
  return { targets };
}

/** A target as a person reads it. */
export function targetLabel(t: TargetKey, bundles: readonly Bundle[] = []): string {
  if (t.startsWith("tool:")) {
    const key = t.slice(5);
    for (const b of bundles) { const f = Object.prototype.hasOwnProperty.call(b.tools, key) ? b.tools[key] : undefined; if (f) return `${key.slice(0, key.indexOf("."))}.${f[6]}`; }
    return key;
  }
  if (t.startsWith("unknown:")) return `any tool of ${t.slice(8)} outside the catalog`;
  return t === "other" ? "any tool of an integration outside the catalog" : "agent discovery";
}

export function outcomeText(o: Outcome): string {
  return `${o.effect} (${o.policy ?? (o.by === "ambiguous" ? "ambiguous path" : "default")})`;
}

/**
 * What the regions say of a call the runtime decides in several parts (a shell line of several
 * commands, an MCP tool with command-line arguments): each part is decided as a call of its own
 * and the strictest wins, so such a call changes only where one of its parts lies in a changed
 * region; whether it then changes depends on its other parts.
 */
export const SEVERAL_PARTS = "a call of several parts (a shell line of several commands, an MCP tool's command arguments) is decided part by part, the strictest winning: it can change only where one of its parts lies in a region above, and whether it does depends on its other parts";

const plain = (o: Outcome) => ({ effect: o.effect, policy: o.policy });

interface Printed { readonly targets: TargetKey[]; readonly lines: string[]; readonly complete: boolean }

/** Readable rules, targets with the same changes grouped: `github.merge_pull_request when …: block (a) → allow (b)`. */
export function formatDiff(d: PolicyDiff, bundles: readonly Bundle[]): string {
  if (!d.targets.length) return "no decision changes";
  const groups = new Map<string, Printed>();
  for (const t of d.targets) {
    const lines = t.regions.map((r) => `${regionText(t.atoms, r.lits)}: ${outcomeText(r.before)} → ${outcomeText(r.after)}`);
    const key = JSON.stringify([lines, t.complete]);
    const g = groups.get(key);
    if (g) g.targets.push(t.target); else groups.set(key, { targets: [t.target], lines, complete: t.complete });
  }
  const out: string[] = [];
  for (const g of groups.values()) {
    out.push(`${g.targets.map((t) => targetLabel(t, bundles)).join(", ")}:`);
    for (const l of g.lines) out.push(`  ${l}`);
    if (!g.complete) out.push("  (too many regions to list them all: more calls may change)");
  }
  const n = d.targets.reduce((s, t) => s + t.regions.length, 0);
  out.push(`note: ${SEVERAL_PARTS}`);
  out.push(`${n} region${n === 1 ? "" : "s"} change${n === 1 ? "s" : ""} in ${d.targets.length} target${d.targets.length === 1 ? "" : "s"}`);
  // Conditions, names and ids come from sources: each line stays one inert line.
  return out.map(oneLine).join("\n");
}

/** One literal of a region: the condition, whether it holds, the event field it reads (when one does). */
export function literalJson(atoms: AtomTable, i: number, holds: boolean): Record<string, unknown> {
  const a = atoms.atoms[i]!;
  const field = fieldOf(a.dim);
  return { condition: litText(a.x, true), holds, ...(field ? { field } : {}), atom: a.x };
}

/** The `--format json` document (schemas/diff.schema.json). */
export function diffJson(d: PolicyDiff, bundles: readonly Bundle[]): Record<string, unknown> {
  return {
    format: "policy-diff/1",
    changed: d.targets.length > 0,
    several_parts: SEVERAL_PARTS,
    targets: d.targets.map((t) => ({
      target: t.target,
      label: targetLabel(t.target, bundles),
      complete: t.complete,
      regions: t.regions.map((r) => ({
        when: r.lits.map(([i, v]) => literalJson(t.atoms, i, v)),
        text: regionText(t.atoms, r.lits),
        before: plain(r.before),
        after: plain(r.after),
      })),
    })),
  };
}
