/**
 * `policy export [paths] --format json [-o file] [--policy id]`: the project's sources as a
 * `policy-export/1` document (schemas/policy-export.schema.json). `policy import` gives them back.
 */
import type { Command } from "commander";
import { exportDocument } from "../../importers/export-json.js";
import { declarationsNeeded } from "../../importers/export-needs.js";
import { COMPILER_VERSION } from "../../compiler/version.js";
import type { Decl } from "../../grammar/ast.js";
import { collectCatalogs, loadOrExit, reportDiagnostics, writeAtomic } from "../project-io.js";
import { CliError, EXIT_FINDINGS } from "../output.js";
import { io } from "../io.js";

export function register(program: Command): void {
  program.command("export").description("export the policies (and tests, defaults, detectors) as JSON")
    .argument("[paths...]", "files or folders (default: .)")
    .option("--format <format>", "json (policy-export/1)", "json")
    .option("-o, --output <file>", "where to write (default: stdout)")
    .option("--policy <id>", "export only the policy with this id (repeatable)", collectCatalogs)
    .option("--catalog <file>", "add a user catalog (repeatable)", collectCatalogs)
    .action((paths: string[], o: { format: string; output?: string; policy?: string[]; catalog?: string[] }) => {
      if (o.format !== "json") throw new CliError(`--format must be json, not "${o.format}"`);
      const loaded = loadOrExit(paths, o.catalog);
      const syntax = loaded.project.diagnostics.filter((d) => d.severity === "error" && d.code.startsWith("PDL1"));
      if (syntax.length) {
        reportDiagnostics(syntax, loaded);
        io().stderr.write("syntax errors: nothing exported\n");
        io().exitCode = EXIT_FINDINGS;
        return;
      }
      let keep: ((d: Decl) => boolean) | undefined;
      if (o.policy?.length) {
        const wanted = new Set(o.policy);
        const chosen = loaded.project.policies.filter((p) => wanted.has(p.id));
        // The policies, and what they rely on (their organization block, their detectors).
        const decls = new Set<Decl>([...chosen.map((p) => p.ast), ...declarationsNeeded(loaded.project, chosen)]);
        const missing = o.policy.filter((id) => !loaded.project.policies.some((p) => p.id === id));
        if (missing.length) throw new CliError(`no policy has the id ${missing.map((m) => `"${m}"`).join(", ")}`);
        keep = (d) => decls.has(d);
      }
      const doc = exportDocument(loaded.project.files, { generator: COMPILER_VERSION, ...(keep ? { keep } : {}) });
      const text = JSON.stringify(doc, null, 2) + "\n";
      if (o.output) writeAtomic(o.output, text);
      else io().stdout.write(text);
    });
}
