/**
 * Code lenses: "▶ run test" on each `test` block (with the result of the last run), and on each
 * policy the number of recorded session events it matched in that run (when tests replay
 * sessions). The run is the compiler's test runner over the checked project, done lazily when
 * the editor asks for lenses, at most once per checked version, and only when the project has no
 * errors (an erroneous project has no bundle to test). On each failing `expect` step, a "why"
 * lens: what the step got, and the counterfactuals (what would have given another effect) exactly
 * as `policy test` prints them; the hover on that step shows the whole failure detail.
 */
import type { CodeLens } from "vscode-languageserver";
import type { CheckedProject } from "../compiler/model.js";
import { buildBundle } from "../compiler/emit/index.js";
import { runTests, type Failure, type TestReport } from "../testing/index.js";
import type * as A from "../grammar/ast.js";
import { spanHas, toRange } from "./positions.js";
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
  out.push(...whyLenses(file, report));
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

/** The failures of the last run that sit in this file. */
function failuresIn(file: string, report: TestReport | undefined): Failure[] {
  return (report?.results ?? []).filter((r) => !r.passed).flatMap((r) => r.failures).filter((f) => f.span.file === file);
}

/**
 * The counterfactual lines of a failure's detail, as `policy test` prints them: the lines under
 * "what would change it:" (or its one-line form when the decision has none to give).
 */
export function whyLines(detail: string | undefined): string[] {
  const lines = (detail ?? "").split("\n");
  const at = lines.findIndex((l) => l.startsWith("what would change it:"));
  if (at < 0) return [];
  const head = lines[at]!.slice("what would change it:".length).trim();
  if (head) return [head];
  const out: string[] = [];
  for (const l of lines.slice(at + 1)) {
    if (!l.startsWith("  ")) break;
    out.push(l.trim());
  }
  return out;
}

/** "✗ <what it got>" on a failing `expect` step, then one "why" lens per counterfactual. */
function whyLenses(file: string, report: TestReport | undefined): CodeLens[] {
  const out: CodeLens[] = [];
  for (const f of failuresIn(file, report)) {
    const range = toRange(f.span);
    out.push({ range, command: { title: `✗ ${f.message}`, command: "" } });
    for (const l of whyLines(f.detail)) out.push({ range, command: { title: `why: ${l}`, command: "" } });
  }
  return out;
}

/** Hover on a failing step: its message and the whole failure detail (event, trace, counterfactuals). */
export function failureHover(file: string, offset: number, report: TestReport | undefined): string | undefined {
  const hit = failuresIn(file, report).filter((f) => spanHas(f.span, offset));
  if (!hit.length) return undefined;
  return hit.map((f) => {
    const body = f.detail ?? "";
    const fence = "`".repeat(Math.max(3, ...[...body.matchAll(/`+/g)].map((m) => m[0].length + 1)));
    return `**✗ test step failed:** ${f.message.replace(/[\\`*_[\]<>]/g, "\\$&")}${body ? `\n\n${fence}text\n${body}\n${fence}` : ""}`;
  }).join("\n\n---\n\n");
}
