/**
 * `policy test --coverage --sessions <recordings…>`: coverage from production traffic. The
 * recordings are replayed through the bundle (each file through one enforcer, as `policy replay`
 * does) and their decisions are tallied with those of the inline tests: the coverage report is
 * of both, and its `traffic` part says, per policy and per `if` line, what the recordings alone
 * exercised — so a team sees which policies production traffic never did.
 */
import type { Bundle } from "../runtime/types.js";
import type { CheckedProject } from "../compiler/model.js";
import { readSessionFile } from "./session/read.js";
import { computeCoverage, type CoverageReport } from "./coverage.js";
import { replayEvents, type ReplayedEvent, type TestReport, type TestResult } from "./index.js";

export interface TrafficCoverage {
  readonly files: readonly string[];
  readonly events: number;
  /** Policies of the bundle the recordings never matched or made fail / never matched. */
  readonly neverExercised: readonly string[];
  readonly neverMatched: readonly string[];
  readonly policies: readonly { readonly id: string; readonly matched: number; readonly failed: number; readonly conditions: readonly { readonly line: number; readonly held: number; readonly failed: number }[] }[];
}

export type CoverageWithTraffic = CoverageReport & { readonly traffic?: TrafficCoverage };

/** A session file that cannot be used: unreadable, or a bad line (with its number). */
export class TrafficError extends Error {}

/** The recordings replayed through the bundle, as one pseudo test result (its decisions only). */
export function replayTraffic(bundle: Bundle, files: readonly string[]): TestResult {
  const decisions: ReplayedEvent[] = [];
  for (const file of files) {
    let r;
    try { r = readSessionFile(file); } catch (e) { throw new TrafficError(`cannot read session file "${file}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
    const bad = r.bad[0];
    if (bad) throw new TrafficError(`${file}:${bad.line}: ${bad.message}`);
    for (const x of replayEvents(bundle, r.events)) decisions.push({ file, line: x.line, event: x.event, decision: x.decision, state: x.state });
  }
  return { name: "recorded traffic", file: files[0] ?? "", line: 0, passed: true, failures: [], durationMs: 0, decisions };
}

/** The coverage of the tests and the traffic together, with what the traffic alone exercised. */
export function coverageWithTraffic(project: CheckedProject, bundle: Bundle, report: TestReport, traffic: TestResult, files: readonly string[]): CoverageWithTraffic {
  const merged = computeCoverage(project, bundle, { ...report, results: [...report.results, traffic] });
  const alone = computeCoverage(project, bundle, { results: [traffic], passed: 0, failed: 0, unreadable: [] });
  return {
    ...merged,
    traffic: {
      files, events: alone.events, neverExercised: alone.neverExercised, neverMatched: alone.neverMatched,
      policies: alone.policies.filter((p) => p.inBundle).map((p) => ({ id: p.id, matched: p.matched, failed: p.failed, conditions: p.conditions.map((c) => ({ line: c.line, held: c.held, failed: c.failed })) })),
    },
  };
}

/** Text lines: per policy, what the traffic did; then what it never did. */
export function formatTraffic(t: TrafficCoverage): string[] {
  const out = [`recorded traffic: ${t.events} decision${t.events === 1 ? "" : "s"} from ${t.files.length} file${t.files.length === 1 ? "" : "s"}`];
  const width = Math.max(6, ...t.policies.map((p) => p.id.length));
  out.push(`  ${"policy".padEnd(width)}  ${"matched".padStart(7)}  ${"failed".padStart(6)}  if lines never reached by traffic`);
  for (const p of t.policies) {
    const idle = p.conditions.filter((c) => !c.held && !c.failed).map((c) => c.line);
    out.push(`  ${p.id.padEnd(width)}  ${String(p.matched).padStart(7)}  ${String(p.failed).padStart(6)}  ${idle.length ? idle.join(", ") : "-"}`);
  }
  out.push(`never exercised by traffic: ${t.neverExercised.length ? t.neverExercised.join(", ") : "none"}`);
  const idle = t.neverMatched.filter((id) => !t.neverExercised.includes(id));
  if (idle.length) out.push(`never matched by traffic: ${idle.join(", ")}`);
  return out;
}
