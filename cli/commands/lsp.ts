/** `policy lsp --stdio`: the language server, as editors start it. */
import type { Command } from "commander";
import { CliError } from "../output.js";

export function register(program: Command): void {
  program.command("lsp").description("start the language server (editors run this)")
    .option("--stdio", "speak JSON-RPC over stdin/stdout")
    .option("--node-ipc", "speak JSON-RPC over Node IPC")
    .action(async () => {
      let mod: { startServer: () => void };
      try {
        const path = "../../lsp/server.js";
        mod = (await import(path)) as { startServer: () => void };
      } catch (e) {
        throw new CliError(`the language server is not available: ${(e as Error).message}`);
      }
      mod.startServer();
    });
}
