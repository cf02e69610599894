/**
 * `policy diff <old> <new>`: what a change to the policies changes, before any traffic exists —
 * for every catalog tool and every region of the other dimensions where the effect or the
 * deciding policy differs. Each side is a folder or file of `.policy` sources (built with the
 * catalog) or a built bundle. Exit 1 when something changes, 2 on bad input.
 */
import type { Command } from "commander";
import { existsSync, readFileSync, statSync } from "node:fs";
import { buildBundle } from "../../compiler/emit/index.js";
import { diffBundles, diffJson, formatDiff } from "../../compiler/analysis/diff.js";
import type { Bundle } from "../../runtime/types.js";
import { ALLOW_OUTSIDE_HELP, collectCatalogs, loadOrExit, readBundle, reportDiagnostics } from "../project-io.js";
import { io } from "../io.js";
import { CliError, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, parseFormat, printJson } from "../output.js";

/** Whether a path is a built bundle (a JSON file of format `policy-bundle/1`). */
function isBundleFile(path: string): boolean {
  if (!existsSync(path) || !statSync(path).isFile() || !path.endsWith(".json")) return false;
  try { return (JSON.parse(readFileSync(path, "utf8")) as { format?: unknown }).format === "policy-bundle/1"; } catch { return false; }
}

function side(path: string, o: { catalog?: string[]; includeDrafts?: boolean; allowOutside?: boolean }): Bundle {
  if (isBundleFile(path)) return readBundle(path);
  if (!existsSync(path)) throw new CliError(`cannot read "${path}": no such file or directory`, EXIT_USAGE);
  const loaded = loadOrExit([path], o.catalog, { allowOutside: !!o.allowOutside });
  if (loaded.project.diagnostics.some((d) => d.severity === "error")) {
    reportDiagnostics(loaded.project.diagnostics, loaded, { quietInfo: true });
    throw new CliError(`"${path}" has errors: fix them before comparing`, EXIT_USAGE);
  }
  return buildBundle(loaded.project, { includeDrafts: !!o.includeDrafts });
}

export function register(program: Command): void {
  program.command("diff").description("what changes between two policy sets, for every tool and region of calls (before any traffic exists)")
    .argument("<old>", "the policies before: a folder or file of .policy sources, or a bundle (.json)")
    .argument("<new>", "the policies after: a folder or file of .policy sources, or a bundle (.json)")
    .option("--catalog <file>", "add a user catalog for sources (repeatable)", collectCatalogs)
    .option("--allow-outside", ALLOW_OUTSIDE_HELP)
    .option("--include-drafts", "include draft policies when building sources")
    .option("--format <format>", "text or json", "text")
    .action((oldPath: string, newPath: string, o: { catalog?: string[]; includeDrafts?: boolean; format?: string; allowOutside?: boolean }) => {
      const format = parseFormat(o.format);
      const before = side(oldPath, o), after = side(newPath, o);
      const d = diffBundles(before, after);
      if (format === "json") printJson(diffJson(d, [after, before]));
      else io().stdout.write(formatDiff(d, [after, before]) + "\n");
      io().exitCode = d.targets.length ? EXIT_FINDINGS : EXIT_OK;
    });
}
