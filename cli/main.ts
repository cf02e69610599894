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
import * as check from "./commands/check.js";
import * as build from "./commands/build.js";
import * as test from "./commands/test.js";
import * as fmt from "./commands/fmt.js";
import * as explain from "./commands/explain.js";
import * as replay from "./commands/replay.js";
import * as catalog from "./commands/catalog.js";
import * as init from "./commands/init.js";
import * as lsp from "./commands/lsp.js";
import * as enforce from "./commands/enforce.js";
import * as approvals from "./commands/approvals.js";
import { COMPILER_VERSION } from "../compiler/version.js";

/** Runs `policy <argv>` with `cliIo`'s streams, directory and environment; resolves to the exit status. */
export async function main(argv: readonly string[], cliIo: CliIo = processIo()): Promise<number> {
  return withCliIo(cliIo, () => run(argv));
}

function widthOf(s: CliStream): number {
  return (s.isTTY ? (s as { columns?: number }).columns : undefined) ?? 80;
}

async function program(): Promise<Command> {
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
  for (const c of [init, check, build, test, fmt, explain, replay, catalog, lsp, enforce, approvals]) c.register(program);
  (await import("./commands/version.js")).register(program);
  (await import("./commands/promote.js")).register(program);
  (await import("./commands/audit.js")).register(program);
  (await import("./commands/keygen.js")).register(program);
  (await import("./commands/export.js")).register(program);
  (await import("./commands/import.js")).register(program);
  (await import("./commands/verify.js")).register(program);
  for (const c of program.commands) c.exitOverride();
  return program;
}

async function run(argv: readonly string[]): Promise<number> {
  try {
    await (await program()).parseAsync([...argv], { from: "user" });
    return io().exitCode ?? 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return 0;
      return EXIT_USAGE;
    }
    if (e instanceof CliError) {
      io().stderr.write(`error: ${e.message}\n`);
      return e.exitCode;
    }
    io().stderr.write(`internal error: ${(e as Error)?.message ?? String(e)}\n(please report this with the command you ran)\n`);
    return 70;
  }
}
