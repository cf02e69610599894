/**
 * One loaded revision of a bundle, ready to decide with: the bundle (checked), its detectors, what
 * its session conditions need of the store (lookback, `rate` / `burst` counters), and the cache of
 * MCP calls resolved against its catalog (SPEC §8: a hash lookup, then residual checks).
 */
import type { Bundle, BundlePolicy, CExpr } from "./types.js";
import { mcpInfo, type ToolInfo } from "./event.js";
import { allTallies, countersOf, lookback, needsState } from "./evaluate.js";
import type { TallySpec } from "./tally.js";
import { seenWanted, type SeenWanted } from "./seen.js";
import { compileDetectors, type Detector } from "./detectors.js";
import type { CountQuery } from "./store.js";
import { loadBundle } from "./bundle-check.js";
import { entriesOf } from "./lookup.js";

export { entriesOf };

export interface Compiled {
  readonly bundle: Bundle;
  readonly detectors: readonly Detector[];
  readonly stateful: boolean;
  readonly lookback: number;
  /** `rate` / `burst` counters (id → filter) and the counts to read. */
  readonly filters: ReadonlyMap<string, CExpr | undefined>;
  readonly counts: ReadonlyMap<string, CountQuery>;
  /** Tallies (runtime/tally.ts) the conditions read. */
  readonly tallies: readonly TallySpec[];
  /** What responses are scanned for (runtime/seen.ts). */
  readonly seen: SeenWanted;
  /** MCP calls resolved so far (bounded): raw integration → raw tool → facts and decision-table entries. */
  readonly calls: { n: number; readonly m: Map<string, Map<string, Slot>> };
}

export interface Slot { readonly info: ToolInfo; readonly entries: readonly number[] }

const MAX_CALLS = 10_000;

/** An MCP call resolved through the per-bundle cache. */
export function slotOf(c: Compiled, integration: string, tool: string): Slot {
  const calls = c.calls;
  let m = calls.m.get(integration);
  let s = m?.get(tool);
  if (s) return s;
  const info = mcpInfo(c.bundle, integration, tool);
  s = { info, entries: entriesOf(c.bundle, info) };
  if (++calls.n > MAX_CALLS) { calls.m.clear(); calls.n = 1; m = undefined; }
  if (!m) calls.m.set(integration, (m = new Map()));
  m.set(tool, s);
  return s;
}

/** Checks and prepares a bundle; throws with the problem when it is not a usable `policy-bundle/1`. */
export function compile(b: Bundle): Compiled {
  const r = loadBundle(b);
  if ("problem" in r) throw new Error(r.problem);
  b = r.bundle;
  const all = distinctConditions(b.policies);
  return {
    bundle: b,
    detectors: compileDetectors(b.detectors ?? []),
    stateful: all.some(needsState),
    lookback: all.reduce((m, e) => Math.max(m, lookback(e)), 0),
    ...counters(all),
    tallies: all.flatMap((e) => allTallies(e)),
    seen: seenWanted(all),
    calls: { n: 0, m: new Map() },
  };
}

/** Each condition once (a decoded bundle shares the condition objects of repeated `if` lines). */
function distinctConditions(ps: readonly BundlePolicy[]): CExpr[] {
  const seen = new Set<CExpr>();
  for (const p of ps) for (const i of p.ifs) seen.add(i.expr);
  return [...seen];
}

function counters(exprs: readonly CExpr[]): { filters: Map<string, CExpr | undefined>; counts: Map<string, CountQuery> } {
  const into = { filters: new Map<string, CExpr | undefined>(), counts: new Map<string, CountQuery>() };
  for (const e of exprs) countersOf(e, into);
  return into;
}
