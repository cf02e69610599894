#!/usr/bin/env node
/**
 * The `policy` command. One file per command under `commands/`; each is thin: flags in, library
 * call, printing out. Exit status: 0 success, 1 findings, 2 bad usage or unreadable input.
 *
 * `main(argv, io)` runs in-process and returns the exit status; it never exits the process and
 * writes only to `io` (see `io.ts`). `bin/policy.js` calls it with the process's own streams.
 * `--watch`, `lsp` and `enforce` run until stopped and want a process of their own.
 */
import { Command, CommanderError } from "commander";
import { CliError, EXIT_USAGE } from "./output.js";
import { io, processIo, withCliIo, type CliIo, type CliStream } from "./io.js";
import { COMPILER_VERSION } from "../compiler/version.js";
import { keepLines } from "../compiler/terminal-safe.js";

type CommandModule = { register(program: Command): void };

/**
 * Every command, in the order `policy --help` lists them. Modules load on demand: a run that names
 * a command loads only that one (`policy approvals list` never loads the compiler or the MCP SDK),
 * which keeps a spawned CLI's start-up short; `--version` loads none; help and unknown commands
 * load them all.
 */
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  init: () => import("./commands/init.js"),
  check: () => import("./commands/check.js"),
  build: () => import("./commands/build.js"),
  test: () => import("./commands/test.js"),
  fmt: () => import("./commands/fmt.js"),
  explain: () => import("./commands/explain.js"),
  replay: () => import("./commands/replay.js"),
  catalog: () => import("./commands/catalog.js"),
  lsp: () => import("./commands/lsp.js"),
  enforce: () => import("./commands/enforce.js"),
  approvals: () => import("./commands/approvals.js"),
  version: () => import("./commands/version.js"),
  promote: () => import("./commands/promote.js"),
  audit: () => import("./commands/audit.js"),
  keygen: () => import("./commands/keygen.js"),
  export: () => import("./commands/export.js"),
  import: () => import("./commands/import.js"),
  verify: () => import("./commands/verify.js"),
  "serve-bundles": () => import("./commands/serve-bundles.js"),
  console: () => import("./commands/console.js"),
  agent: () => import("./commands/review.js"),
  inventory: () => import("./commands/inventory.js"),
  diff: () => import("./commands/diff.js"),
};

/** Runs `policy <argv>` with `cliIo`'s streams, directory and environment; resolves to the exit status. */
export async function main(argv: readonly string[], cliIo: CliIo = processIo()): Promise<number> {
  return withCliIo(cliIo, () => run(argv));
}

function widthOf(s: CliStream): number {
  return (s.isTTY ? (s as { columns?: number }).columns : undefined) ?? 80;
}

async function program(argv: readonly string[]): Promise<Command> {
  const program = new Command("policy")
    .description("policy-as-code for AI agents: check, test, build and explain .policy files")
    .version(COMPILER_VERSION.split("/")[1]!, "-V, --version")
    .exitOverride()
    .showHelpAfterError("(run `policy --help` for usage)")
    .configureOutput({
      writeOut: (s) => io().stdout.write(s),
      writeErr: (s) => io().stderr.write(s),
      getOutHelpWidth: () => widthOf(io().stdout),
      getErrHelpWidth: () => widthOf(io().stderr),
      getOutHasColors: () => io().colors.isColorSupported,
      getErrHasColors: () => io().colors.isColorSupported,
    });
  const first = argv[0];
  const named = first === "-V" || first === "--version" ? [] : first !== undefined && Object.hasOwn(COMMANDS, first) ? [first] : Object.keys(COMMANDS);
  for (const name of named) (await COMMANDS[name]!()).register(program);
  for (const c of program.commands) c.exitOverride();
  return program;
}

async function run(argv: readonly string[]): Promise<number> {
  try {
    await (await program(argv)).parseAsync([...argv], { from: "user" });
    return io().exitCode ?? 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return 0;
      return EXIT_USAGE;
    }
    if (e instanceof CliError) {
      io().stderr.write(`error: ${keepLines(e.message)}\n`);
      return e.exitCode;
    }
    io().stderr.write(`internal error: ${keepLines((e as Error)?.message ?? String(e))}\n(please report this with the command you ran)\n`);
    return 70;
  }
}
