/** Shared steps of commands: load and check a project, read a bundle, read JSON input. */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { loadProject, type LoadedProject } from "../compiler/project.js";
import { validateBundle } from "../compiler/emit/index.js";
import type { Bundle } from "../runtime/types.js";
import { CliError, EXIT_USAGE, renderDiagnostic, summarize, pc } from "./output.js";
import type { Diagnostic } from "../grammar/diagnostic.js";
import { io } from "./io.js";

export function collectCatalogs(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/** Loads the project; unreadable paths are a usage error (exit 2). */
export function loadOrExit(paths: readonly string[], catalogs: readonly string[] | undefined): LoadedProject {
  const loaded = loadProject(paths, { catalogs: catalogs ?? [] });
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
export function readTextInput(path: string, what?: string): string {
  try {
    return path === "-" ? io().readStdin() : readFileSync(path, "utf8");
  } catch (e) {
    throw new CliError(`cannot read ${what ? `${what} ` : ""}"${path}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function readJsonFile(path: string, what?: string): unknown {
  const text = readTextInput(path, what);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`${what ? `${what} ` : ""}"${path}" is not valid JSON: ${(e as Error).message}`);
  }
}

export function readBundle(path: string): Bundle {
  const b = readJsonFile(path, "bundle");
  const problems = validateBundle(b);
  if (problems.length) throw new CliError(`bundle "${path}" is not a valid policy-bundle/1 document: ${problems.slice(0, 3).join("; ")}`);
  return b as Bundle;
}

/** Writes a file atomically (no half-written output). */
export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
