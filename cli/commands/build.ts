/** `policy build [paths] -o bundle.json [--include-drafts] [--catalog f]`. */
import type { Command } from "commander";
import { buildBundle, serializeBundle, validateBundle } from "../../compiler/emit/index.js";
import { collectCatalogs, loadOrExit, reportDiagnostics, summaryLine, writeAtomic } from "../project-io.js";
import { CliError, diagnosticJson, EXIT_FINDINGS, parseFormat, printJson, summarize } from "../output.js";

export function register(program: Command): void {
  program.command("build").description("compile the policies into a bundle for the runtime")
    .argument("[paths...]", "files or folders (default: .)")
    .option("-o, --output <file>", "where to write the bundle (default: stdout)")
    .option("--include-drafts", "build draft policies too")
    .option("--catalog <file>", "add a user catalog (repeatable)", collectCatalogs)
    .option("--sign <key>", "sign the bundle with an Ed25519 private key (PEM)")
    .option("--format <format>", "text or json (the summary)", "text")
    .action((paths: string[], o: { output?: string; includeDrafts?: boolean; catalog?: string[]; sign?: string; format?: string }) => {
      const format = parseFormat(o.format);
      const loaded = loadOrExit(paths, o.catalog);
      const ds = loaded.project.diagnostics;
      const s = summarize(ds);
      if (s.errors) {
        if (format === "json") printJson({ ok: false, diagnostics: ds.map(diagnosticJson) });
        else { reportDiagnostics(ds, loaded, { quietInfo: true }); process.stderr.write(`no bundle written: ${summaryLine(s)}\n`); }
        process.exitCode = EXIT_FINDINGS;
        return;
      }
      const bundle = buildBundle(loaded.project, { includeDrafts: !!o.includeDrafts });
      const problems = validateBundle(bundle);
      if (problems.length) throw new CliError(`internal error: the bundle does not validate: ${problems.join("; ")}`, EXIT_FINDINGS);
      if (o.sign) throw new CliError("--sign: bundle signing is not available in this build yet");
      const text = serializeBundle(bundle);
      if (o.output) writeAtomic(o.output, text);
      else process.stdout.write(text);
      const summary = { ok: true, revision: bundle.revision, policies: bundle.policies.length, output: o.output ?? null, bytes: Buffer.byteLength(text) };
      if (format === "json" && o.output) printJson(summary);
      else if (o.output) {
        reportDiagnostics(ds.filter((d) => d.severity === "warning"), loaded);
        process.stderr.write(`wrote ${o.output}: ${bundle.policies.length} policies, revision ${bundle.revision}\n`);
      }
    });
}
