/**
 * One loaded revision of a bundle, ready to decide with: the bundle (checked), its detectors, what
 * its session conditions need of the store (lookback, `rate` / `burst` counters), and the cache of
 * MCP calls resolved against its catalog (SPEC §8: a hash lookup, then residual checks).
 */
import type { Bundle, BundlePolicy, CExpr } from "./types.js";
import { mcpInfo, type ToolInfo } from "./event.js";
import { countersOf, lookback, needsState } from "./evaluate.js";
import { compileDetectors, type Detector } from "./detectors.js";
import type { CountQuery } from "./store.js";
import { bundleProblem } from "./bundle-check.js";

export interface Compiled {
  readonly bundle: Bundle;
  readonly detectors: readonly Detector[];
  readonly stateful: boolean;
  readonly lookback: number;
  /** `rate` / `burst` counters (id → filter) and the counts to read. */
  readonly filters: ReadonlyMap<string, CExpr | undefined>;
  readonly counts: ReadonlyMap<string, CountQuery>;
  /** MCP calls resolved so far (bounded): raw integration → raw tool → facts and decision-table entries. */
  readonly calls: { n: number; readonly m: Map<string, Map<string, Slot>> };
}

export interface Slot { readonly info: ToolInfo; readonly entries: readonly number[] }

const EMPTY: readonly number[] = [];
const MAX_CALLS = 10_000;
const own = Object.prototype.hasOwnProperty;

/** The decision-table entries for a call (SPEC §8: a hash lookup, then residual checks). */
export function entriesOf(b: Bundle, call: ToolInfo | undefined): readonly number[] {
  const ix = b.index;
  if (!call) return ix.agent_discovered;
  if (call.known) return own.call(ix.tool_call.tools, call.key) ? ix.tool_call.tools[call.key]! : EMPTY;
  if (own.call(ix.tool_call.integrations, call.integration)) return ix.tool_call.integrations[call.integration]!;
  return own.call(b.integrations, call.integration) ? EMPTY : ix.tool_call.other;
}

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
  const problem = bundleProblem(b);
  if (problem) throw new Error(problem);
  const all = (b.policies as readonly BundlePolicy[]).flatMap((p) => p.ifs.map((i) => i.expr));
  return {
    bundle: b,
    detectors: compileDetectors(b.detectors ?? []),
    stateful: all.some(needsState),
    lookback: all.reduce((m, e) => Math.max(m, lookback(e)), 0),
    ...counters(all),
    calls: { n: 0, m: new Map() },
  };
}

function counters(exprs: readonly CExpr[]): { filters: Map<string, CExpr | undefined>; counts: Map<string, CountQuery> } {
  const into = { filters: new Map<string, CExpr | undefined>(), counts: new Map<string, CountQuery>() };
  for (const e of exprs) countersOf(e, into);
  return into;
}
