/**
 * `policy test --coverage`: for every policy and every `if` line, whether some test step or
 * replayed event exercised it — the policy matched, or the line held / made the policy fail.
 * The trace comes from `explain` (the runtime's own evaluator) on the session state each decision
 * was made with, corrected by the decision's `matched` list: when a decision was recorded without
 * its state and the trace disagrees, the decision wins and the failure is put on the first
 * session condition.
 */
import type { Bundle, Decision, SessionEvent } from "../runtime/types.js";
import type { CheckedProject } from "../compiler/model.js";
import { explain } from "../compiler/explain.js";
import type { StateSnapshot } from "../runtime/store.js";
import { stateOf } from "./expect.js";
import type { TestReport } from "./index.js";
import { readsHistory } from "../runtime/language-facts.js";

export interface ConditionCoverage {
  readonly line: number;
  readonly text: string;
  /** How often the line held (was evaluated true) / made the policy fail. */
  readonly held: number;
  readonly failed: number;
}

export interface PolicyCoverage {
  readonly id: string;
  readonly name: string;
  readonly file: string;
  readonly line: number;
  /** False for drafts (without `--include-drafts`) and deprecated policies. */
  readonly inBundle: boolean;
  readonly matched: number;
  /** How often a condition made it fail (the policy was in scope and its trigger fired). */
  readonly failed: number;
  readonly conditions: readonly ConditionCoverage[];
}

export interface CoverageReport {
  readonly events: number;
  readonly policies: readonly PolicyCoverage[];
  /** Ids of policies in the bundle that no event matched or made fail. */
  readonly neverExercised: readonly string[];
  /** Ids of policies in the bundle that no event matched. */
  readonly neverMatched: readonly string[];
  readonly summary: {
    readonly policies: number;
    readonly exercised: number;
    readonly matched: number;
    readonly conditions: number;
    /** Conditions seen both holding and failing. */
    readonly conditionsBoth: number;
    readonly conditionsHeld: number;
    readonly conditionsFailed: number;
  };
}


/** Coverage of the project's policies by every decision the tests produced. */
export function computeCoverage(project: CheckedProject, bundle: Bundle, report: TestReport): CoverageReport {
  const index = new Map(bundle.policies.map((p, i) => [p.id, i]));
  const tallies = bundle.policies.map((p) => ({ matched: 0, failed: 0, held: p.ifs.map(() => 0), fails: p.ifs.map(() => 0) }));
  let events = 0;
  const seen = new Set<string>();
  for (const r of report.results) {
    for (const d of r.decisions) {
      // A step is one line of a .policy file; a session file replayed by several tests counts once.
      const key = `${d.file}\u0000${d.line}`;
      if (seen.has(key)) continue;
      seen.add(key);
      events++;
      tally(bundle, d.event, d.decision, stateOf(d), index, tallies);
    }
  }
  const policies: PolicyCoverage[] = project.policies.map((p) => {
    const i = index.get(p.id);
    const t = i === undefined ? undefined : tallies[i];
    return {
      id: p.id, name: p.name, file: p.file, line: p.line, inBundle: t !== undefined,
      matched: t?.matched ?? 0, failed: t?.failed ?? 0,
      conditions: p.ifs.map((c, k) => ({ line: c.span.line, text: c.text, held: t?.held[k] ?? 0, failed: t?.fails[k] ?? 0 })),
    };
  });
  const inBundle = policies.filter((p) => p.inBundle);
  const conds = inBundle.flatMap((p) => p.conditions);
  return {
    events,
    policies,
    neverExercised: inBundle.filter((p) => !p.matched && !p.failed).map((p) => p.id),
    neverMatched: inBundle.filter((p) => !p.matched).map((p) => p.id),
    summary: {
      policies: inBundle.length,
      exercised: inBundle.filter((p) => p.matched || p.failed).length,
      matched: inBundle.filter((p) => p.matched).length,
      conditions: conds.length,
      conditionsBoth: conds.filter((c) => c.held && c.failed).length,
      conditionsHeld: conds.filter((c) => c.held).length,
      conditionsFailed: conds.filter((c) => c.failed).length,
    },
  };
}

type Tally = { matched: number; failed: number; held: number[]; fails: number[] };

function tally(bundle: Bundle, event: SessionEvent, decision: Decision, state: StateSnapshot | undefined, index: Map<string, number>, tallies: Tally[]): void {
  const x = explain(bundle, event, state, decision);
  const matched = new Set(decision.matched.map((m) => m.id));
  for (const p of x.policies) {
    const i = index.get(p.id);
    if (i === undefined) continue;
    if (p.outcome !== "matched" && p.outcome !== "condition failed") continue;
    const t = tallies[i]!;
    const ifs = bundle.policies[i]!.ifs;
    if (matched.has(p.id)) {
      t.matched++;
      for (let k = 0; k < ifs.length; k++) t.held[k]!++;
      continue;
    }
    let at = p.outcome === "condition failed" ? ifs.findIndex((c) => `if ${c.text}` === p.failed) : -1;
    if (at < 0) at = ifs.findIndex((c) => readsHistory(c.expr));
    if (at < 0) at = ifs.length - 1;
    if (at < 0) continue;
    t.failed++;
    for (let k = 0; k < at; k++) t.held[k]!++;
    t.fails[at]!++;
  }
}

/** The coverage table as text lines (no colours). */
export function formatCoverage(c: CoverageReport): string[] {
  const s = c.summary;
  const out = [`coverage over ${c.events} decision${c.events === 1 ? "" : "s"}: ${s.exercised}/${s.policies} policies exercised, ${s.matched}/${s.policies} matched; ${s.conditionsBoth}/${s.conditions} conditions seen both holding and failing`];
  const width = Math.max(6, ...c.policies.map((p) => p.id.length));
  out.push(`  ${"policy".padEnd(width)}  ${"matched".padStart(7)}  ${"failed".padStart(6)}  where`);
  for (const p of c.policies) {
    const where = `${p.file}:${p.line}`;
    if (!p.inBundle) { out.push(`  ${p.id.padEnd(width)}  ${"-".padStart(7)}  ${"-".padStart(6)}  ${where} (not in the bundle)`); continue; }
    out.push(`  ${p.id.padEnd(width)}  ${String(p.matched).padStart(7)}  ${String(p.failed).padStart(6)}  ${where}`);
    for (const k of p.conditions) {
      const mark = k.held && k.failed ? "✓" : k.held ? "held only" : k.failed ? "failed only" : "never reached";
      out.push(`    line ${String(k.line).padEnd(4)} held ${String(k.held).padStart(4)}  failed ${String(k.failed).padStart(4)}  ${mark}: if ${k.text}`);
    }
  }
  if (c.neverExercised.length) out.push(`never exercised: ${c.neverExercised.join(", ")}`);
  const idle = c.neverMatched.filter((id) => !c.neverExercised.includes(id));
  if (idle.length) out.push(`never matched: ${idle.join(", ")}`);
  return out;
}
