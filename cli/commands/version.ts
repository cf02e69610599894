/**
 * `policy version <id> [paths]`: clones a policy as a new draft version (`<base>-v<N>`, `status
 * draft`, `version N`) right after it in the same file. Edit the draft, then `policy promote`.
 */
import type { Command } from "commander";
import { resolve } from "node:path";
import { planClone, applyEdits } from "../../lifecycle/versions.js";
import { collectCatalogs, loadOrExit, reportDiagnostics, writeAtomic } from "../project-io.js";
import { CliError, EXIT_FINDINGS, parseFormat, printJson } from "../output.js";
import { io } from "../io.js";

export function register(program: Command): void {
  program.command("version").description("clone a policy as a new draft version (edit it, then `policy promote`)")
    .argument("<id>", "the policy to clone")
    .argument("[paths...]", "files or folders (default: .)")
    .option("--catalog <file>", "add a user catalog (repeatable)", collectCatalogs)
    .option("--format <format>", "text or json", "text")
    .action((id: string, paths: string[], o: { catalog?: string[]; format?: string }) => {
      const format = parseFormat(o.format);
      const loaded = loadOrExit(paths, o.catalog);
      const syntax = loaded.project.diagnostics.filter((d) => d.severity === "error" && d.code.startsWith("PDL1"));
      if (syntax.length) { reportDiagnostics(syntax, loaded); io().exitCode = EXIT_FINDINGS; return; }
      const plan = planClone(loaded.project, id);
      if ("error" in plan) throw new CliError(plan.error, EXIT_FINDINGS);
      const texts = applyEdits(new Map(loaded.project.files.map((f) => [f.file, f.text])), [plan.edit]);
      for (const [file, text] of texts) writeAtomic(resolve(file), text);
      const line = (texts.get(plan.file) ?? "").slice(0, plan.edit.start).split("\n").length + 2;
      if (format === "json") printJson({ id: plan.id, version: plan.version, file: plan.file, line, from: { id: plan.from.id, version: plan.from.version ?? 1 } });
      else io().stdout.write(`created draft "${plan.id}" (version ${plan.version} of "${plan.from.id}") at ${plan.file}:${line}\nnext: edit it, then \`policy promote ${plan.id} --dry-run\`\n`);
    });
}
