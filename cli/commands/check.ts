/**
 * `policy check [paths]`: every diagnostic, with code frames; exit 1 on errors. Includes what
 * `policy.lock` says (PDL5010–5012: an active policy changed without a new version), as `policy
 * build` would, but never writes the lock or the audit log.
 */
import type { Command } from "commander";
import { collectCatalogs, loadOrExit, ALLOW_OUTSIDE_HELP, reportDiagnostics, summaryLine, lockOptions } from "../project-io.js";
import { discoverProjects } from "../../compiler/project.js";
import { buildScope, lifecycleFiles, lockDiagnostics } from "../../lifecycle/files.js";
import { analyzeProject } from "../../compiler/analysis/check.js";
import { diagnosticJson, EXIT_FINDINGS, EXIT_OK, parseFormat, printJson, summarize } from "../output.js";
import { io } from "../io.js";
import { ciFormat, printDiagnosticsAs } from "../../ops/ci-output.js";
import type { Diagnostic } from "../../grammar/diagnostic.js";

export function register(program: Command): void {
  lockOptions(program.command("check").description("check .policy files against the catalog and report every problem"), "the lock of built versions to check against (default: policy.lock in the project root)", "do not check against policy.lock")
    .argument("[paths...]", "files or folders (default: .)")
    .option("--catalog <file>", "add a user catalog (repeatable)", collectCatalogs)
    .option("--allow-outside", ALLOW_OUTSIDE_HELP)
    .option("--format <format>", "text, json, sarif (SARIF 2.1.0 for code scanning) or github (workflow annotations)", "text")
    .action((paths: string[], o: { catalog?: string[]; format?: string; lock?: string | false; allowOutside?: boolean }) => {
      const ci = ciFormat(o.format);
      const format = ci ? "json" : parseFormat(o.format);
      const raw: Diagnostic[] = [];
      let total = { errors: 0, warnings: 0, infos: 0 };
      const all: ReturnType<typeof diagnosticJson>[] = [];
      let files = 0, policies = 0;
      for (const group of discoverProjects(paths)) {
        const loaded = loadOrExit(group, o.catalog, { allowOutside: !!o.allowOutside });
        const lf = lifecycleFiles(group, typeof o.lock === "string" ? { lock: o.lock } : {});
        const lock = o.lock === false ? [] : lockDiagnostics(loaded.project, lf.lock, process.cwd(), buildScope(lf.root, group));
        const found = [...loaded.project.diagnostics, ...lock];
        // The analyses of the whole set (never-deciding policies, undecided tools, order ties), once it has no errors.
        const ds = found.some((d) => d.severity === "error") ? found : [...found, ...analyzeProject(loaded.project)];
        const s = summarize(ds);
        total = { errors: total.errors + s.errors, warnings: total.warnings + s.warnings, infos: total.infos + s.infos };
        files += loaded.project.files.length;
        policies += loaded.project.policies.length;
        if (ci) raw.push(...ds);
        if (format === "json") all.push(...ds.map(diagnosticJson));
        else reportDiagnostics(ds, loaded, { quietInfo: true });
      }
      if (ci) printDiagnosticsAs(ci, raw, (s) => io().stdout.write(s));
      if (ci === "github") io().stdout.write(`checked ${files} file${files === 1 ? "" : "s"}, ${policies} polic${policies === 1 ? "y" : "ies"}: ${summaryLine(total)}\n`);
      else if (ci) { /* the SARIF log is the whole output */ } else if (format === "json") printJson({ diagnostics: all, ...total, files, policies });
      else io().stdout.write(`checked ${files} file${files === 1 ? "" : "s"}, ${policies} polic${policies === 1 ? "y" : "ies"}: ${summaryLine(total)}\n`);
      io().exitCode = total.errors ? EXIT_FINDINGS : EXIT_OK;
    });
}
