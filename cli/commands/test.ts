/**
 * `policy test [paths]`: inline tests and replays of recorded sessions; reporters text, json and
 * junit; decision snapshots of replayed sessions; coverage; watch mode. Ends with
 * `N passed, N failed`. Exit 1 on a failed test, 2 when a replayed session file is unreadable.
 */
import type { Command } from "commander";
import { watch, writeFileSync } from "node:fs";
import { buildBundle } from "../../compiler/emit/index.js";
import { runTests, type TestReport } from "../../compiler/test-runner/index.js";
import { computeCoverage, formatCoverage, type CoverageReport } from "../../compiler/test-runner/coverage.js";
import { coverageWithTraffic, formatTraffic, replayTraffic, TrafficError, type CoverageWithTraffic } from "../../compiler/test-runner/traffic-coverage.js";
import type { CheckedProject } from "../../compiler/model.js";
import type { Bundle } from "../../runtime/types.js";
import { junitXml } from "../../compiler/test-runner/junit.js";
import { collectCatalogs, loadOrExit, reportDiagnostics } from "../project-io.js";
import { discoverProjects } from "../../compiler/project.js";
import { CliError, EXIT_FINDINGS, EXIT_USAGE, parseFormat, pc } from "../output.js";
import { oneLine } from "../../compiler/terminal-safe.js";

interface TestOptions {
  catalog?: string[];
  includeDrafts?: boolean;
  filter?: string;
  reporter?: string;
  output?: string;
  coverage?: boolean;
  coverageJson?: string;
  /** Recordings whose decisions count toward `--coverage` (production traffic). */
  sessions?: string[];
  updateSnapshots?: boolean;
  format?: string;
  watch?: boolean;
}

const out = (s: string) => process.stdout.write(s);

function printText(report: TestReport): void {
  for (const r of report.results) {
    const mark = r.passed ? pc.green("✓") : pc.red("✗");
    // Test names, messages and details quote sources and recorded events: one inert line each.
    out(`${mark} ${oneLine(r.name)} ${pc.dim(`(${oneLine(r.file)}:${r.line})`)}\n`);
    for (const f of r.failures) {
      out(`    ${pc.red("✗")} ${oneLine(f.span.file)}:${f.span.line}:${f.span.column}: ${oneLine(f.message)}\n`);
      if (f.detail) out(f.detail.split("\n").map(oneLine).map((l) => `        ${l.startsWith("- ") ? pc.red(l) : l.startsWith("+ ") ? pc.green(l) : pc.dim(l)}`).join("\n") + "\n");
    }
  }
}

function reportJson(report: TestReport, coverage: CoverageReport | undefined): unknown {
  return {
    passed: report.passed, failed: report.failed,
    tests: report.results.map((r) => ({
      name: r.name, file: r.file, line: r.line, passed: r.passed, durationMs: Math.round(r.durationMs * 1000) / 1000, decisions: r.decisions.length,
      failures: r.failures.map((f) => ({ message: f.message, file: f.span.file, line: f.span.line, column: f.span.column, ...(f.detail ? { detail: f.detail } : {}) })),
    })),
    unreadable: report.unreadable.map((u) => ({ path: u.path, file: u.span.file, line: u.span.line, column: u.span.column })),
    ...(report.snapshots ? { snapshots: report.snapshots } : {}),
    ...(coverage ? { coverage } : {}),
  };
}

function mergeReports(rs: readonly TestReport[], broken: number): TestReport {
  const snaps = rs.map((r) => r.snapshots).filter((x): x is NonNullable<TestReport["snapshots"]> => !!x);
  return {
    results: rs.flatMap((r) => r.results),
    passed: rs.reduce((n, r) => n + r.passed, 0),
    failed: rs.reduce((n, r) => n + r.failed, 0) + broken,
    unreadable: rs.flatMap((r) => r.unreadable),
    ...(snaps.length ? { snapshots: { written: snaps.flatMap((x) => x.written), checked: snaps.flatMap((x) => x.checked), missing: snaps.flatMap((x) => x.missing) } } : {}),
  };
}

/** Coverage of the tests and of recorded traffic (`--sessions`); a bad recording is a usage error. */
function trafficCoverage(project: CheckedProject, bundle: Bundle, r: TestReport, files: readonly string[]): CoverageWithTraffic {
  try {
    return coverageWithTraffic(project, bundle, r, replayTraffic(bundle, files), files);
  } catch (e) {
    if (e instanceof TrafficError) throw new CliError(e.message, EXIT_USAGE);
    throw e;
  }
}

function mergeCoverage(cs: readonly CoverageReport[]): CoverageReport {
  if (cs.length === 1) return cs[0]!;
  const sum = (k: keyof CoverageReport["summary"]) => cs.reduce((n, c) => n + c.summary[k], 0);
  return {
    events: cs.reduce((n, c) => n + c.events, 0),
    policies: cs.flatMap((c) => c.policies),
    neverExercised: cs.flatMap((c) => c.neverExercised),
    neverMatched: cs.flatMap((c) => c.neverMatched),
    summary: { policies: sum("policies"), exercised: sum("exercised"), matched: sum("matched"), conditions: sum("conditions"), conditionsBoth: sum("conditionsBoth"), conditionsHeld: sum("conditionsHeld"), conditionsFailed: sum("conditionsFailed") },
  };
}

/** One run; returns the exit status. */
function runOnce(paths: string[], o: TestOptions): number {
  const reporter = o.reporter ?? (parseFormat(o.format) === "json" ? "json" : "text");
  if (!["text", "json", "junit"].includes(reporter)) throw new CliError(`--reporter must be text, json or junit, not "${reporter}"`);
  // Each project (a folder with its own policy.config.json) is built and tested on its own.
  const reports: TestReport[] = [];
  const coverages: CoverageReport[] = [];
  let broken = 0;
  for (const group of discoverProjects(paths)) {
    const loaded = loadOrExit(group, o.catalog);
    const errors = loaded.project.diagnostics.filter((d) => d.severity === "error");
    if (errors.length) {
      reportDiagnostics(loaded.project.diagnostics, loaded, { quietInfo: true });
      out(`${group.join(", ")}: policies have errors, no test ran\n`);
      broken += Math.max(1, loaded.project.tests.length);
      continue;
    }
    const bundle = buildBundle(loaded.project, { includeDrafts: !!o.includeDrafts });
    const r = runTests(loaded.project, bundle, {
      ...(o.filter ? { only: (n: string) => n.includes(o.filter!) } : {}),
      snapshots: o.updateSnapshots ? "update" : "check",
    });
    reports.push(r);
    if (o.coverage || o.coverageJson) coverages.push(o.sessions?.length ? trafficCoverage(loaded.project, bundle, r, o.sessions) : computeCoverage(loaded.project, bundle, r));
  }
  const report = mergeReports(reports, broken);
  const coverage = coverages.length ? mergeCoverage(coverages) : undefined;
  if (o.coverageJson) writeFileSync(o.coverageJson, JSON.stringify(coverage, null, 2) + "\n");
  const summary = `${report.passed} passed, ${report.failed} failed\n`;
  const xmlToStdout = reporter === "junit" && !o.output;
  if (reporter === "junit") {
    const xml = junitXml(report);
    if (o.output) writeFileSync(o.output, xml);
    else out(xml);
  }
  if (reporter === "json") {
    const json = JSON.stringify(reportJson(report, coverage), null, 2) + "\n";
    if (o.output) writeFileSync(o.output, json);
    else out(json);
  }
  if (reporter === "text" || (o.output && reporter !== "text")) {
    printText(report);
    const snap = report.snapshots;
    if (snap?.written.length) out(pc.cyan(`snapshot${snap.written.length === 1 ? "" : "s"} written: ${snap.written.join(", ")}\n`));
    if (snap?.missing.length) out(pc.dim(`no snapshot yet for ${snap.missing.length} replayed session file${snap.missing.length === 1 ? "" : "s"} (write with --update-snapshots)\n`));
    if (coverage && o.coverage) out(formatCoverage(coverage).join("\n") + "\n");
    for (const c of coverages) if (o.coverage && (c as CoverageWithTraffic).traffic) out(formatTraffic((c as CoverageWithTraffic).traffic!).join("\n") + "\n");
  }
  for (const u of report.unreadable) process.stderr.write(`error: cannot read session file "${u.path}" (replayed at ${u.span.file}:${u.span.line}:${u.span.column})\n`);
  if (xmlToStdout || (reporter === "json" && !o.output)) process.stderr.write(summary);
  else out(summary);
  if (report.unreadable.length) return EXIT_USAGE;
  return report.failed ? EXIT_FINDINGS : 0;
}

/** Re-runs on every change of a `.policy`, session or catalog file under the paths (debounced). */
function watchMode(paths: string[], o: TestOptions): Promise<void> {
  const roots = paths.length ? paths : ["."];
  let timer: NodeJS.Timeout | undefined;
  const rerun = () => {
    out("\x1bc");
    try { process.exitCode = runOnce(paths, o); } catch (e) { process.stderr.write(`error: ${(e as Error).message}\n`); }
    out(pc.dim("watching for changes (Ctrl-C to stop)\n"));
  };
  rerun();
  return new Promise(() => {
    for (const root of roots) {
      watch(root, { recursive: true }, (_event, name) => {
        const f = String(name ?? "");
        if (f && !/\.(policy|jsonl|json)$/.test(f)) return;
        if (timer) clearTimeout(timer);
        timer = setTimeout(rerun, 150);
      });
    }
  });
}

export function register(program: Command): void {
  program.command("test").description("run the test blocks (inline calls and recorded-session replays)")
    .argument("[paths...]", "files or folders (default: .)")
    .option("--catalog <file>", "add a user catalog (repeatable)", collectCatalogs)
    .option("--include-drafts", "test draft policies too (as if they were active)")
    .option("--filter <text>", "only tests whose name contains this text")
    .option("--reporter <name>", "text, json or junit")
    .option("-o, --output <file>", "write the json or junit report to this file (the text report still goes to stdout)")
    .option("--coverage", "report which policies and conditions the tests exercised")
    .option("--coverage-json <file>", "write the coverage report as JSON to this file")
    .option("--sessions <files...>", "recorded sessions (production traffic) whose decisions count toward the coverage")
    .option("--update-snapshots", "record the decisions of replayed sessions in <session>.snap files")
    .option("--watch", "run again whenever a .policy or session file changes")
    .option("--format <format>", "text or json", "text")
    .action(async (paths: string[], o: TestOptions) => {
      if (o.watch) return watchMode(paths, o);
      process.exitCode = runOnce(paths, o);
    });
}
