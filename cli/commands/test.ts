/** `policy test [paths]`: inline tests and replays; ends with `N passed, N failed`. */
import type { Command } from "commander";
import { buildBundle } from "../../compiler/emit/index.js";
import { runTests, type TestReport } from "../../compiler/test-runner/index.js";
import { collectCatalogs, loadOrExit, reportDiagnostics } from "../project-io.js";
import { discoverProjects } from "../../compiler/project.js";
import { CliError, EXIT_FINDINGS, EXIT_USAGE, parseFormat, pc, printJson } from "../output.js";

function printText(report: TestReport): void {
  for (const r of report.results) {
    const mark = r.passed ? pc.green("✓") : pc.red("✗");
    process.stdout.write(`${mark} ${r.name} ${pc.dim(`(${r.file}:${r.line})`)}\n`);
    for (const f of r.failures) {
      process.stdout.write(`    ${pc.red("✗")} ${f.span.file}:${f.span.line}:${f.span.column}: ${f.message}\n`);
      if (f.detail) process.stdout.write(f.detail.split("\n").map((l) => `        ${pc.dim(l)}`).join("\n") + "\n");
    }
  }
}

export function register(program: Command): void {
  program.command("test").description("run the test blocks (inline calls and recorded-session replays)")
    .argument("[paths...]", "files or folders (default: .)")
    .option("--catalog <file>", "add a user catalog (repeatable)", collectCatalogs)
    .option("--include-drafts", "test draft policies too (as if they were active)")
    .option("--filter <text>", "only tests whose name contains this text")
    .option("--reporter <name>", "text, json or junit")
    .option("--coverage", "report which policies and conditions the tests exercised")
    .option("--update-snapshots", "record the decisions of replayed sessions as snapshots")
    .option("--format <format>", "text or json", "text")
    .action((paths: string[], o: { catalog?: string[]; includeDrafts?: boolean; filter?: string; reporter?: string; coverage?: boolean; updateSnapshots?: boolean; format?: string }) => {
      const format = o.reporter === "json" ? "json" : parseFormat(o.format);
      if (o.reporter && !["text", "json", "junit"].includes(o.reporter)) throw new CliError(`--reporter must be text, json or junit, not "${o.reporter}"`);
      // Each project (a folder with policy.config.json, e.g. every example) runs on its own.
      const reports: TestReport[] = [];
      let broken = 0;
      for (const group of discoverProjects(paths)) {
        const loaded = loadOrExit(group, o.catalog);
        const errors = loaded.project.diagnostics.filter((d) => d.severity === "error");
        if (errors.length) {
          reportDiagnostics(loaded.project.diagnostics, loaded, { quietInfo: true });
          process.stdout.write(`${group.join(", ")}: policies have errors, no test ran\n`);
          broken += Math.max(1, loaded.project.tests.length);
          continue;
        }
        const bundle = buildBundle(loaded.project, { includeDrafts: !!o.includeDrafts });
        reports.push(runTests(loaded.project, bundle, o.filter ? { only: (n) => n.includes(o.filter!) } : {}));
      }
      const report: TestReport = {
        results: reports.flatMap((r) => r.results),
        passed: reports.reduce((n, r) => n + r.passed, 0),
        failed: reports.reduce((n, r) => n + r.failed, 0) + broken,
        unreadable: reports.flatMap((r) => r.unreadable),
      };
      if (format === "json") printJson({ passed: report.passed, failed: report.failed, tests: report.results.map((r) => ({ name: r.name, file: r.file, line: r.line, passed: r.passed, durationMs: Math.round(r.durationMs * 1000) / 1000, failures: r.failures.map((f) => ({ message: f.message, file: f.span.file, line: f.span.line, column: f.span.column, ...(f.detail ? { detail: f.detail } : {}) })) })) });
      else printText(report);
      if (format !== "json") process.stdout.write(`${report.passed} passed, ${report.failed} failed\n`);
      if (report.unreadable.length) process.exitCode = EXIT_USAGE;
      else process.exitCode = report.failed ? EXIT_FINDINGS : 0;
    });
}
