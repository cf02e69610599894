/**
 * `policy test [paths]`: inline tests and replays of recorded sessions; reporters text, json and
 * junit; decision snapshots of replayed sessions; coverage; watch mode. Ends with
 * `N passed, N failed`. Exit 1 on a failed test, 2 when a replayed session file is unreadable.
 */
import type { Command } from "commander";
import { watch, writeFileSync } from "node:fs";
import { buildBundle } from "../../compiler/emit/index.js";
import { runTests, type TestReport } from "../../testing/index.js";
import { computeCoverage, formatCoverage, type CoverageReport } from "../../testing/coverage.js";
import { coverageWithTraffic, formatTraffic, replayTraffic, TrafficError, type CoverageWithTraffic } from "../../testing/traffic-coverage.js";
import type { CheckedProject } from "../../compiler/model.js";
import type { Bundle } from "../../runtime/types.js";
import { junitXml } from "../../testing/junit.js";
import { collectCatalogs, loadOrExit, ALLOW_OUTSIDE_HELP, reportDiagnostics } from "../project-io.js";
import { discoverProjects, displayPath, findConfig } from "../../compiler/project.js";
import { buildScope, lifecycleFiles, lockDiagnostics } from "../../lifecycle/files.js";
import { dirname, resolve, sep } from "node:path";
import { CliError, EXIT_FINDINGS, EXIT_USAGE, parseFormat, pc } from "../output.js";
import { io } from "../io.js";
import { oneLine } from "../../compiler/terminal-safe.js";
import { loadShellParser } from "../../compiler/shell/shell-parser.js";
import { testReportAnnotations } from "../../ops/ci-output.js";
import { diagnosticAnnotations } from "../../ops/github-annotations.js";

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
  allowOutside?: boolean;
}

const out = (s: string) => io().stdout.write(s);

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

/**
 * What to load for paths given to `policy test`: the project root when the paths lie inside a
 * project (a `policy.config.json` above them), with a filter on the files whose tests run.
 */
function testScope(given: readonly string[]): { load: readonly string[]; only?: (file: string) => boolean } {
  const config = findConfig(resolve(given[0] ?? "."));
  if (!config) return { load: given };
  const root = dirname(config);
  const abs = given.map((p) => resolve(p));
  if (abs.some((p) => p === root) || !abs.every((p) => p.startsWith(root + sep))) return { load: given };
  return { load: [displayPath(root, process.cwd()) || "."], only: (file) => abs.some((p) => { const f = resolve(file); return f === p || f.startsWith(p + sep); }) };
}

/** One run; returns the exit status. */
function runOnce(paths: string[], o: TestOptions): number {
  if (o.reporter !== undefined && o.format !== "github" && parseFormat(o.format) === "json" && o.reporter !== "json") {
    throw new CliError(`--reporter ${o.reporter} and --format json contradict each other: give one of them`);
  }
  const reporter = o.reporter ?? (o.format === "github" ? "github" : parseFormat(o.format) === "json" ? "json" : "text");
  if (!["text", "json", "junit", "github"].includes(reporter)) throw new CliError(`--reporter must be text, json, junit or github, not "${reporter}"`);
  // Each project (a folder with its own policy.config.json) is built and tested on its own.
  const reports: TestReport[] = [];
  const coverages: CoverageReport[] = [];
  let broken = 0;
  for (const given of discoverProjects(paths)) {
    // A file or folder inside a project is tested with the whole project around it (its policies,
    // config and catalogs); only the tests of the paths given run.
    const { load: group, only: onlyFile } = testScope(given);
    const loaded = loadOrExit(group, o.catalog, { allowOutside: !!o.allowOutside });
    // `policy test` fails on every error `policy check` reports, the lock included (CI runs `test`).
    const lf = lifecycleFiles(group);
    const lock = lockDiagnostics(loaded.project, lf.lock, process.cwd(), buildScope(lf.root, group));
    const diagnostics = [...loaded.project.diagnostics, ...lock];
    const errors = diagnostics.filter((d) => d.severity === "error");
    if (errors.length) {
      if (reporter === "github" || o.format === "github") out(diagnosticAnnotations(errors));
      reportDiagnostics(diagnostics, loaded, { quietInfo: true });
      out(`${group.join(", ")}: policies have errors, no test ran\n`);
      broken += Math.max(1, loaded.project.tests.length);
      continue;
    }
    const bundle = buildBundle(loaded.project, { includeDrafts: !!o.includeDrafts });
    const r = runTests(loaded.project, bundle, {
      ...(o.filter ? { only: (n: string) => n.includes(o.filter!) } : {}),
      snapshots: o.updateSnapshots ? "update" : "check",
      ...(onlyFile ? { onlyFile } : {}),
      root: loaded.root, ...(o.allowOutside ? { allowOutside: true } : {}),
    });
    reports.push(r);
    if (o.coverage || o.coverageJson) coverages.push(o.sessions?.length ? trafficCoverage(loaded.project, bundle, r, o.sessions) : computeCoverage(loaded.project, bundle, r));
  }
  const report = mergeReports(reports, broken);
  const coverage = coverages.length ? mergeCoverage(coverages) : undefined;
  if (o.coverageJson) writeFileSync(o.coverageJson, JSON.stringify(coverage, null, 2) + "\n");
  const summary = `${report.passed} passed, ${report.failed} failed\n`;
  const xmlToStdout = reporter === "junit" && !o.output;
  // Annotations go where the runner reads them; beside XML on stdout, to stderr.
  if (reporter === "github" || o.format === "github") (xmlToStdout ? (t: string) => io().stderr.write(t) : out)(testReportAnnotations(report));
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
  if (reporter === "text" || reporter === "github" || (o.output && reporter !== "text")) {
    printText(report);
    const snap = report.snapshots;
    if (snap?.written.length) out(pc.cyan(`snapshot${snap.written.length === 1 ? "" : "s"} written: ${snap.written.join(", ")}\n`));
    if (snap?.missing.length) out(pc.dim(`no snapshot yet for ${snap.missing.length} replayed session file${snap.missing.length === 1 ? "" : "s"}: ${snap.missing.join(", ")} (write with --update-snapshots)\n`));
    if (coverage && o.coverage) out(formatCoverage(coverage).join("\n") + "\n");
    for (const c of coverages) if (o.coverage && (c as CoverageWithTraffic).traffic) out(formatTraffic((c as CoverageWithTraffic).traffic!).join("\n") + "\n");
  }
  for (const u of report.unreadable) io().stderr.write(`error: cannot read session file "${u.path}" (replayed at ${u.span.file}:${u.span.line}:${u.span.column})\n`);
  if (xmlToStdout || (reporter === "json" && !o.output)) io().stderr.write(summary);
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
    try { io().exitCode = runOnce(paths, o); } catch (e) { io().stderr.write(`error: ${(e as Error).message}\n`); }
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
    .option("--allow-outside", ALLOW_OUTSIDE_HELP)
    .option("--include-drafts", "test draft policies too (as if they were active)")
    .option("--filter <text>", "only tests whose name contains this text")
    .option("--reporter <name>", "text, json, junit or github (workflow annotations, then the text report)")
    .option("-o, --output <file>", "write the json or junit report to this file (the text report still goes to stdout)")
    .option("--coverage", "report which policies and conditions the tests exercised")
    .option("--coverage-json <file>", "write the coverage report as JSON to this file")
    .option("--sessions <files...>", "recorded sessions (production traffic) whose decisions count toward the coverage")
    .option("--update-snapshots", "record the decisions of replayed sessions in <session>.snap files")
    .option("--watch", "run again whenever a .policy or session file changes")
    .option("--format <format>", "text, json or github (as --reporter github)", "text")
    .action(async (paths: string[], o: TestOptions) => {
      await loadShellParser();
      if (o.watch) return watchMode(paths, o);
      io().exitCode = runOnce(paths, o);
    });
}
