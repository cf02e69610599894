/**
 * `policy replay <sessions...> --bundle b.json [--against old.json]`: decisions for recorded
 * sessions (streamed, one enforcer per session), and what would change against another bundle.
 * Exit 1 when a decision changed under `--against` or a line was malformed; 2 when a file is
 * unreadable.
 */
import type { Command } from "commander";
import { statSync } from "node:fs";
import { replayFiles, replayJsonLine, ReplaySummary } from "../../compiler/session/replay.js";
import type { Bundle } from "../../runtime/types.js";
import { readBundle } from "../project-io.js";
import { CliError, EXIT_FINDINGS, parseFormat, pc } from "../output.js";

function checkReadable(path: string): void {
  let st;
  try { st = statSync(path); } catch (e) {
    throw new CliError(`cannot read session file "${path}": ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  if (!st.isFile()) throw new CliError(`cannot read session file "${path}": not a file`);
}

function colour(line: string): string {
  if (line.endsWith("would change")) return pc.yellow(line);
  if (line === "no decision changed") return pc.green(line);
  if (line.endsWith(":")) return pc.bold(line);
  return line;
}

export function register(program: Command): void {
  program.command("replay").description("replay recorded sessions through a bundle (dry run); with --against, what would change")
    .argument("<sessions...>", "session files (JSON Lines)")
    .requiredOption("--bundle <file>", "the bundle to decide with")
    .option("--against <file>", "an older bundle to compare with")
    .option("--format <format>", "text or json", "text")
    .action(async (sessions: string[], o: { bundle: string; against?: string; format?: string }) => {
      const format = parseFormat(o.format);
      for (const s of sessions) checkReadable(s);
      const bundle = readBundle(o.bundle);
      const before: Bundle | undefined = o.against ? readBundle(o.against) : undefined;
      const summary = new ReplaySummary();
      for await (const r of replayFiles(sessions, bundle, before)) {
        summary.add(r);
        if (r.kind === "bad") process.stderr.write(`${r.file}:${r.line}: ${r.message}\n`);
        else if (format === "json") process.stdout.write(JSON.stringify(replayJsonLine(r)) + "\n");
      }
      if (format === "text") for (const l of summary.lines(!!before)) process.stdout.write(colour(l) + "\n");
      if (summary.bad) process.stderr.write(`${summary.bad} malformed line${summary.bad === 1 ? "" : "s"}\n`);
      process.exitCode = summary.changed || summary.bad ? EXIT_FINDINGS : 0;
    });
}
