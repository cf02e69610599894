/**
 * `policy replay <sessions...> --bundle b.json [--against old.json]`: decisions for recorded
 * sessions (streamed, one enforcer per session), and what would change against another bundle.
 * Exit 1 when a decision changed under `--against` or a line was malformed; 2 when a file is
 * unreadable.
 */
import type { Command } from "commander";
import { statSync } from "node:fs";
import { replayFiles, replayJsonLine, ReplaySummary } from "../../testing/session/replay.js";
import type { Bundle } from "../../runtime/types.js";
import { readBundle } from "../project-io.js";
import { CliError, EXIT_FINDINGS, parseFormat, pc } from "../output.js";
import { io } from "../io.js";
import { oneLine } from "../../compiler/terminal-safe.js";
import { loadShellParser } from "../../compiler/shell/shell-parser.js";

function checkReadable(path: string): void {
  let st;
  try { st = statSync(path); } catch (e) {
    throw new CliError(`cannot read session file "${path}": ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  if (!st.isFile()) throw new CliError(`cannot read session file "${path}": not a file`);
}

/** Joins small writes into 64 KiB ones and reports when the stream wants to drain. */
class BufferedWriter {
  private parts: string[] = [];
  private size = 0;
  private full = false;
  constructor(private readonly stream: NodeJS.WritableStream) {}
  write(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= 1 << 16) this.flush();
  }
  private flush(): void {
    if (!this.parts.length) return;
    if (!this.stream.write(this.parts.join(""))) this.full = true;
    this.parts = [];
    this.size = 0;
  }
  /** A promise to await when the stream's buffer is full. */
  drained(): Promise<void> | undefined {
    if (!this.full) return undefined;
    this.full = false;
    return new Promise((res) => this.stream.once("drain", () => res()));
  }
  end(): Promise<void> | undefined {
    this.flush();
    return this.drained();
  }
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
      await loadShellParser();
      const format = parseFormat(o.format);
      for (const s of sessions) checkReadable(s);
      const bundle = readBundle(o.bundle);
      const before: Bundle | undefined = o.against ? readBundle(o.against) : undefined;
      const summary = new ReplaySummary();
      const out = new BufferedWriter(io().stdout);
      await replayFiles(sessions, bundle, (r) => {
        summary.add(r);
        if (r.kind === "bad") io().stderr.write(`${oneLine(r.file)}:${r.line}: ${oneLine(r.message)}\n`);
        else if (format === "json") out.write(JSON.stringify(replayJsonLine(r)) + "\n");
      }, { ...(before ? { against: before } : {}), afterBatch: () => out.drained() });
      await out.end();
      if (format === "text") for (const l of summary.lines(!!before)) io().stdout.write(colour(oneLine(l)) + "\n");
      if (summary.bad) io().stderr.write(`${summary.bad} malformed line${summary.bad === 1 ? "" : "s"}\n`);
      io().exitCode = summary.changed || summary.bad ? EXIT_FINDINGS : 0;
    });
}
