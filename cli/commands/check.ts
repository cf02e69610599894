/** `policy check [paths]`: every diagnostic, with code frames; exit 1 on errors. */
import type { Command } from "commander";
import { collectCatalogs, loadOrExit, reportDiagnostics, summaryLine } from "../project-io.js";
import { diagnosticJson, EXIT_FINDINGS, EXIT_OK, parseFormat, printJson, summarize } from "../output.js";

export function register(program: Command): void {
  program.command("check").description("check .policy files against the catalog and report every problem")
    .argument("[paths...]", "files or folders (default: .)")
    .option("--catalog <file>", "add a user catalog (repeatable)", collectCatalogs)
    .option("--format <format>", "text or json", "text")
    .action((paths: string[], o: { catalog?: string[]; format?: string }) => {
      const format = parseFormat(o.format);
      const loaded = loadOrExit(paths, o.catalog);
      const ds = loaded.project.diagnostics;
      const s = summarize(ds);
      if (format === "json") printJson({ diagnostics: ds.map(diagnosticJson), ...s, files: loaded.project.files.length, policies: loaded.project.policies.length });
      else {
        reportDiagnostics(ds, loaded, { quietInfo: true });
        process.stdout.write(`checked ${loaded.project.files.length} file${loaded.project.files.length === 1 ? "" : "s"}, ${loaded.project.policies.length} polic${loaded.project.policies.length === 1 ? "y" : "ies"}: ${summaryLine(s)}\n`);
      }
      process.exitCode = s.errors ? EXIT_FINDINGS : EXIT_OK;
    });
}
