/**
 * `policy inventory <recordings and decision logs…>`: the tool inventory (inventory/) as text,
 * `--format json` (schemas/inventory.schema.json) or `--html report.html`. The project (its
 * catalogs, reviews and policies) or `--bundle` says what each tool is and decides recorded calls
 * that no decision log decided.
 */
import type { Command } from "commander";
import { io } from "../io.js";
import { buildBundle } from "../../compiler/emit/index.js";
import { parseDuration } from "../../enforce/start.js";
import { buildInventory, formatInventory, InputError, inventoryHtml, readInputs } from "../../inventory/index.js";
import type { Bundle } from "../../runtime/types.js";
import { collectCatalogs, loadOrExit, readBundle, reportDiagnostics, summaryLine, writeAtomic } from "../project-io.js";
import { CliError, EXIT_FINDINGS, parseFormat, printJson } from "../output.js";

function bundleFor(o: { bundle?: string; project?: string; catalog?: string[] }): Bundle | undefined {
  if (o.bundle) return readBundle(o.bundle);
  const loaded = loadOrExit([o.project ?? "."], o.catalog);
  const errors = loaded.project.diagnostics.filter((d) => d.severity === "error");
  if (!errors.length) return buildBundle(loaded.project);
  const s = reportDiagnostics(errors, loaded);
  io().stderr.write(`the project does not build (${summaryLine(s)}): fix it, or give --bundle\n`);
  return undefined;
}

export function register(program: Command): void {
  program.command("inventory").description("the tools agents use, who uses them, their risk, and what is new, unreviewed or unexpected")
    .argument("<files...>", "recordings (policy enforce --record) and decision logs (--decision-log), JSON Lines")
    .option("--project <dir>", "the project whose catalogs, reviews and policies to use (default: .)")
    .option("--catalog <file>", "add a user catalog (repeatable)", collectCatalogs)
    .option("--bundle <file>", "use this bundle instead of building the project")
    .option("--recent <duration>", "unexpected usage: first uses within this time before the last call (default: the second half of the window)")
    .option("--html <file>", "also write a self-contained HTML report")
    .option("--format <format>", "text or json", "text")
    .action((files: string[], o: { project?: string; catalog?: string[]; bundle?: string; recent?: string; html?: string; format?: string }) => {
      const format = parseFormat(o.format);
      const recentMs = o.recent === undefined ? undefined : parseDuration(o.recent);
      if (o.recent !== undefined && recentMs === undefined) throw new CliError(`--recent "${o.recent}" is not a duration (e.g. 24h, 90m)`);
      let observed;
      try { observed = readInputs(files); } catch (e) {
        if (e instanceof InputError) throw new CliError(e.message);
        throw e;
      }
      const bundle = bundleFor(o);
      if (!bundle) { io().exitCode = EXIT_FINDINGS; return; }
      const inv = buildInventory(observed, bundle, recentMs !== undefined ? { recentMs } : {});
      if (o.html) writeAtomic(o.html, inventoryHtml(inv));
      if (format === "json") printJson(inv);
      else io().stdout.write(formatInventory(inv));
      if (o.html) io().stderr.write(`wrote ${o.html}\n`);
    });
}
