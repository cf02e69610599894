#!/usr/bin/env node
/**
 * The `policy` command. One file per command under `commands/`; each is thin: flags in, library
 * call, printing out. Exit status: 0 success, 1 findings, 2 bad usage or unreadable input.
 */
import { Command, CommanderError } from "commander";
import { CliError, EXIT_USAGE } from "./output.js";
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
import { keepLines } from "../compiler/terminal-safe.js";

export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command("policy")
    .description("policy-as-code for AI agents: check, test, build and explain .policy files")
    .version(COMPILER_VERSION.split("/")[1]!, "-V, --version")
    .exitOverride()
    .showHelpAfterError("(run `policy --help` for usage)")
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const c of [init, check, build, test, fmt, explain, replay, catalog, lsp, enforce, approvals]) c.register(program);
  (await import("./commands/version.js")).register(program);
  (await import("./commands/promote.js")).register(program);
  (await import("./commands/audit.js")).register(program);
  (await import("./commands/keygen.js")).register(program);
  (await import("./commands/export.js")).register(program);
  (await import("./commands/import.js")).register(program);
  (await import("./commands/verify.js")).register(program);
  (await import("./commands/diff.js")).register(program);
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync([...argv], { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return 0;
      return EXIT_USAGE;
    }
    if (e instanceof CliError) {
      process.stderr.write(`error: ${keepLines(e.message)}\n`);
      return e.exitCode;
    }
    process.stderr.write(`internal error: ${keepLines((e as Error)?.message ?? String(e))}\n(please report this with the command you ran)\n`);
    return 70;
  }
}
