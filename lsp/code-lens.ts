/**
 * Code lenses: "▶ run test" on each `test` block (with the result of the last run), and on each
 * policy the number of recorded session events it matched in that run (when tests replay
 * sessions). The run is the compiler's test runner over the checked project, done lazily when
 * the editor asks for lenses, at most once per checked version, and only when the project has no
 * errors (an erroneous project has no bundle to test).
 */
import type { CodeLens } from "vscode-languageserver";
import type { CheckedProject } from "../compiler/model.js";
import { buildBundle } from "../compiler/emit/index.js";
import { runTests, type TestReport } from "../testing/index.js";
import type * as A from "../grammar/ast.js";
import { toRange } from "./positions.js";
import { policiesOf } from "./policy-index.js";

export const RUN_TESTS_COMMAND = "policy.runTests";

const reports = new WeakMap<CheckedProject, TestReport | undefined>();

/** The test report of a project (run once per checked project); undefined when it cannot run. */
export function lastRun(project: CheckedProject, cwd: string, log: (m: string) => void): TestReport | undefined {
  if (reports.has(project)) return reports.get(project);
  let report: TestReport | undefined;
  if (project.tests.length && !project.diagnostics.some((d) => d.severity === "error")) {
    try { report = runTests(project, buildBundle(project), { cwd }); } catch (e) { log(`test run failed: ${(e as Error).stack ?? String(e)}`); }
  }
  reports.set(project, report);
  return report;
}

export function codeLenses(project: CheckedProject, file: string, uri: string, ast: A.PolicyFile, report: TestReport | undefined): CodeLens[] {
  const out: CodeLens[] = [];
  for (const d of ast.decls) {
    if (d.kind !== "Test") continue;
    const r = report?.results.find((x) => x.file === file && x.name === d.name.value);
    const status = r ? (r.passed ? " · ✓ passed" : ` · ✗ ${r.failures.length} failure${r.failures.length === 1 ? "" : "s"}: ${r.failures[0]!.message}`) : "";
    out.push({ range: toRange(d.name.span), command: { title: `▶ run test${status}`, command: RUN_TESTS_COMMAND, arguments: [uri, d.name.value] } });
  }
  if (report) {
    const replayed = report.results.flatMap((r) => r.decisions).filter((x) => !x.file.endsWith(".policy"));
    if (replayed.length) {
      for (const p of policiesOf(project)) {
        if (p.file !== file) continue;
        const n = replayed.filter((x) => x.decision.matched.some((m) => m.id === p.id)).length;
        out.push({ range: toRange(p.decl.name.span), command: { title: `matched ${n} of ${replayed.length} recorded events in the last test run`, command: "" } });
      }
    }
  }
  return out;
}
