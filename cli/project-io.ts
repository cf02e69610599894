/** Shared steps of commands: load and check a project, read a bundle, read JSON input. */
import type { Command } from "commander";
import { renameSync, writeFileSync } from "node:fs";
import { loadProject, type LoadedProject } from "../compiler/project.js";
import { checkBundleFile } from "../compiler/emit/index.js";
import type { Bundle } from "../runtime/types.js";
import { CliError, EXIT_USAGE, renderDiagnostic, summarize, pc } from "./output.js";
import type { Diagnostic } from "../grammar/diagnostic.js";
import { io } from "./io.js";
import { readJsonFile } from "./read-input.js";

export { readJsonFile, readTextInput } from "./read-input.js";

export function collectCatalogs(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/** Loads the project; unreadable paths are a usage error (exit 2). */
export function loadOrExit(paths: readonly string[], catalogs: readonly string[] | undefined, opts: { allowOutside?: boolean } = {}): LoadedProject {
  const loaded = loadProject(paths, { catalogs: catalogs ?? [], ...(opts.allowOutside ? { allowOutside: true } : {}) });
  if (loaded.unreadable.length) throw new CliError(`cannot read ${loaded.unreadable.map((p) => `"${p}"`).join(", ")}: no such file or directory`, EXIT_USAGE);
  const unreadableCatalog = loaded.project.diagnostics.find((d) => d.code === "PDL3002");
  if (unreadableCatalog) throw new CliError(unreadableCatalog.message, EXIT_USAGE);
  return loaded;
}

/** Prints diagnostics to stderr with code frames; returns the summary. */
export function reportDiagnostics(ds: readonly Diagnostic[], loaded: LoadedProject, opts: { quietInfo?: boolean } = {}): ReturnType<typeof summarize> {
  const sources = new Map(loaded.project.files.map((f) => [f.file, f.text]));
  for (const d of ds) {
    if (opts.quietInfo && d.severity === "info") continue;
    io().stderr.write(renderDiagnostic(d, sources) + "\n\n");
  }
  return summarize(ds);
}

export function summaryLine(s: ReturnType<typeof summarize>): string {
  const parts = [`${s.errors} error${s.errors === 1 ? "" : "s"}`, `${s.warnings} warning${s.warnings === 1 ? "" : "s"}`];
  return s.errors ? pc.red(parts.join(", ")) : s.warnings ? pc.yellow(parts.join(", ")) : pc.green(parts.join(", "));
}

/** A text input file (`-` is stdin); an unreadable one is a usage error naming the path. */
export function readBundle(path: string): Bundle {
  const r = checkBundleFile(readJsonFile(path, "bundle"), path);
  if ("problem" in r) throw new CliError(r.problem);
  return r.bundle;
}

/** Writes a file atomically (no half-written output). */
/** `--allow-outside` on a command that reads a project. */
export const ALLOW_OUTSIDE_HELP = "read catalogs and replayed session files outside the project root too";

export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/**
 * `--lock <file>` and `--no-lock` on a command; both at once is a usage error (exit 2) rather than
 * whichever came last.
 */
export function lockOptions(cmd: Command, lockHelp: string, noLockHelp: string): Command {
  let lock = false, noLock = false;
  return cmd.option("--lock <file>", lockHelp).option("--no-lock", noLockHelp)
    .on("option:lock", () => { lock = true; })
    .on("option:no-lock", () => { noLock = true; })
    .hook("preAction", () => {
      const both = lock && noLock;
      lock = noLock = false;
      if (both) throw new CliError("--lock and --no-lock contradict each other: give one of them");
    });
}
