/**
 * The two ways tests run the `policy` CLI. `runCli` calls `main` in-process with its own streams,
 * directory, stdin and environment (no process, no transpiler start-up): the golden and command
 * tests use it. `spawnCli` runs the built binary `bin/policy.js` as a separate process, as a user
 * does, for the few tests that must prove the real thing (exit status, stdin, `lsp --stdio`,
 * `enforce`); the e2e project's global setup (test/support/built-cli.ts) keeps `dist/` current.
 */
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { Writable } from "node:stream";
import { distIsStale } from "./built-cli.js";

export const ROOT = resolve(import.meta.dirname, "../..");
/** The binary `npm install` puts on the PATH as `policy`. */
export const BIN = join(ROOT, "bin/policy.js");

export interface CliResult { code: number; stdout: string; stderr: string }
export interface CliOptions {
  /** Working directory (default: the repository root). */
  cwd?: string;
  /** Standard input (default: empty). */
  stdin?: string;
  /** Added to the environment; colours are off unless this turns them on. */
  env?: Record<string, string>;
}

/** Colours off, as when output goes to a file. */
const PLAIN = { NO_COLOR: "1", FORCE_COLOR: "0" };

function collector(): { stream: Writable; text(): string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, done) { chunks.push(chunk); done(); } });
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

/** Runs `policy <args>` in this process; resolves with its exit status and output. */
export async function runCli(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  const { main } = await import("../../cli/main.js"); // loaded on first use: spawning tests need none of it
  const stdout = collector(), stderr = collector();
  const code = await main(args, {
    stdout: stdout.stream, stderr: stderr.stream, stdin: opts.stdin ?? "",
    cwd: opts.cwd ?? ROOT, env: { ...process.env, ...PLAIN, ...opts.env },
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

let checked = false;

/** Refuses to run a binary older than the sources (the e2e project builds it; elsewhere run `npm run build`). */
function builtBinary(): string {
  if (!checked && distIsStale()) throw new Error("dist/ is older than the sources: run `npm run build` (the e2e project's setup does it before its tests)");
  checked = true;
  return BIN;
}

/** The command line that starts the built binary (for clients that spawn it themselves). */
export function cliCommand(args: readonly string[]): string[] {
  return [process.execPath, builtBinary(), ...args];
}

export interface SpawnOptions extends CliOptions {
  timeoutMs?: number;
  /** Runs the binary as this OS user (`runuser -u <user>`, needs root), with HOME=/tmp. */
  user?: string;
}

/** Runs the built `bin/policy.js <args>` as a separate process (as `opts.user` when given). */
export function spawnCli(args: readonly string[], opts: SpawnOptions = {}): Promise<CliResult> {
  return new Promise((done, fail) => {
    const line = cliCommand(args);
    const [cmd, ...argv] = opts.user ? ["runuser", "-u", opts.user, "--", ...line] : line;
    const env = { ...process.env, ...PLAIN, ...(opts.user ? { HOME: "/tmp" } : {}), ...opts.env };
    const child = spawn(cmd!, argv, { cwd: opts.cwd ?? ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.on("data", (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on("data", (c: Buffer) => { stderr += c.toString(); });
    const timer = setTimeout(() => { child.kill(); fail(new Error(`policy ${args.join(" ")}${opts.user ? ` as ${opts.user}` : ""} timed out\n${stderr}`)); }, opts.timeoutMs ?? 30_000);
    child.on("error", (e) => { clearTimeout(timer); fail(e); });
    child.on("close", (code, signal) => { clearTimeout(timer); done({ code: code ?? (signal ? 128 : -1), stdout, stderr }); });
    child.stdin.end(opts.stdin ?? "");
  });
}
