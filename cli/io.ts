/**
 * What one run of the `policy` CLI talks to: its output streams, its standard input, its working
 * directory and environment, the colours it prints with and the exit status it ends with.
 *
 * `main(argv, io)` runs a command inside `withCliIo(io, …)`; commands reach the run's streams
 * through `io()` instead of `process.stdout` / `process.stderr` / `process.exitCode`, so that the
 * CLI can run in-process (tests, embedding) with nothing left behind between two runs. Outside a
 * run (a library caller), `io()` is the process itself.
 *
 * INVARIANT: nothing here is module state that outlives a run; the run's context travels with its
 * async calls (AsyncLocalStorage), so overlapping runs each write to their own streams.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { readFileSync } from "node:fs";
import pc from "picocolors";
import type { Colors } from "picocolors/types.js";

/** An output stream: `process.stdout`, or any Writable (one that collects the text, in tests). */
export type CliStream = NodeJS.WritableStream & { readonly isTTY?: boolean };

/** What a caller of `main` gives one run. Everything but the output streams defaults to the process. */
export interface CliIo {
  readonly stdout: CliStream;
  readonly stderr: CliStream;
  /** Standard input as text (for `-` arguments); default: the process's standard input. */
  readonly stdin?: string;
  /** The working directory relative paths resolve against; default: the process's. */
  readonly cwd?: string;
  /** The environment (colours: NO_COLOR, FORCE_COLOR, TERM, CI); default: the process's. */
  readonly env?: NodeJS.ProcessEnv;
}

/** One run as commands see it. */
export interface CliRun {
  readonly stdout: CliStream;
  readonly stderr: CliStream;
  readonly env: NodeJS.ProcessEnv;
  readonly colors: Colors;
  /** The status the run ends with unless a CliError ends it first. */
  exitCode: number | undefined;
  /** Standard input as text, read once. */
  readStdin(): string;
}

/** Colours on or off as picocolors decides, but from the run's environment and stdout. */
export function colorsEnabled(env: NodeJS.ProcessEnv, stdout: CliStream, platform: string = process.platform): boolean {
  if (env["NO_COLOR"]) return false;
  return !!env["FORCE_COLOR"] || platform === "win32" || (!!stdout.isTTY && env["TERM"] !== "dumb") || !!env["CI"];
}

function newRun(io: CliIo): CliRun {
  const env = io.env ?? process.env;
  let stdin = io.stdin;
  return {
    stdout: io.stdout,
    stderr: io.stderr,
    env,
    colors: pc.createColors(colorsEnabled(env, io.stdout)),
    exitCode: undefined,
    readStdin: () => (stdin ??= readFileSync(0, "utf8")),
  };
}

/** The process as a run, for code that calls command helpers outside `main`. */
const processRun: CliRun = {
  get stdout() { return process.stdout; },
  get stderr() { return process.stderr; },
  get env() { return process.env; },
  colors: pc,
  get exitCode() { return typeof process.exitCode === "number" ? process.exitCode : undefined; },
  set exitCode(n) { process.exitCode = n; },
  readStdin: () => readFileSync(0, "utf8"),
};

const current = new AsyncLocalStorage<CliRun>();

/** The run the calling code belongs to (the process outside `main`). */
export function io(): CliRun {
  return current.getStore() ?? processRun;
}

/** Colours of the current run, under picocolors' names (`pc.red(…)`), so command files need no change. */
export const colors: Colors = Object.fromEntries(
  (Object.keys(pc) as (keyof Colors | "createColors")[])
    .filter((k): k is Exclude<keyof Colors, "isColorSupported"> => k !== "createColors" && k !== "isColorSupported")
    .map((k) => [k, (s: string | number | null | undefined) => io().colors[k](s)]),
) as unknown as Colors;
Object.defineProperty(colors, "isColorSupported", { get: () => io().colors.isColorSupported, enumerable: true });

/** Work directories are per process: runs that change it take turns (runs without `cwd` never wait). */
let cwdTurn: Promise<unknown> = Promise.resolve();

/** Runs `f` as one CLI run with `cliIo` (in its working directory, when it names one). */
export async function withCliIo<T>(cliIo: CliIo, f: () => Promise<T>): Promise<T> {
  const run = newRun(cliIo);
  if (cliIo.cwd === undefined) return current.run(run, f);
  const cwd = cliIo.cwd;
  const turn = cwdTurn.then(async () => {
    const before = process.cwd();
    process.chdir(cwd);
    try { return await current.run(run, f); } finally { process.chdir(before); }
  });
  cwdTurn = turn.catch(() => undefined);
  return turn;
}

/** The process's own streams, directory and environment (what `bin/policy.js` runs with). */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr };
}
