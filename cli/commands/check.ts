/** `policy check [paths]`: every diagnostic, with code frames; exit 1 on errors. */
import type { Command } from "commander";
import { collectCatalogs, loadOrExit, reportDiagnostics, summaryLine } from "../project-io.js";
import { discoverProjects } from "../../compiler/project.js";
import { diagnosticJson, EXIT_FINDINGS, EXIT_OK, parseFormat, printJson, summarize } from "../output.js";

export function register(program: Command): void {
  program.command("check").description("check .policy files against the catalog and report every problem")
    .argument("[paths...]", "files or folders (default: .)")
    .option("--catalog <file>", "add a user catalog (repeatable)", collectCatalogs)
    .option("--format <format>", "text or json", "text")
    .action((paths: string[], o: { catalog?: string[]; format?: string }) => {
      const format = parseFormat(o.format);
      let total = { errors: 0, warnings: 0, infos: 0 };
      const all: ReturnType<typeof diagnosticJson>[] = [];
      let files = 0, policies = 0;
      for (const group of discoverProjects(paths)) {
        const loaded = loadOrExit(group, o.catalog);
        const ds = loaded.project.diagnostics;
        const s = summarize(ds);
        total = { errors: total.errors + s.errors, warnings: total.warnings + s.warnings, infos: total.infos + s.infos };
        files += loaded.project.files.length;
        policies += loaded.project.policies.length;
        if (format === "json") all.push(...ds.map(diagnosticJson));
        else reportDiagnostics(ds, loaded, { quietInfo: true });
      }
      if (format === "json") printJson({ diagnostics: all, ...total, files, policies });
      else process.stdout.write(`checked ${files} file${files === 1 ? "" : "s"}, ${policies} polic${policies === 1 ? "y" : "ies"}: ${summaryLine(total)}\n`);
      process.exitCode = total.errors ? EXIT_FINDINGS : EXIT_OK;
    });
}
