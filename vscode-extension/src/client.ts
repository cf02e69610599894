// Creates the language client that talks to the policy language server over Node IPC.
import * as fs from "node:fs";
import * as vscode from "vscode";
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";
import { catalogPaths, serverPathOverride } from "./settings";

/** Options the server receives in `initialize` (`params.initializationOptions`). */
export interface PolicyInitializationOptions {
  /** Absolute paths of user catalog files (`policy-catalog/1` JSON), from `policy.catalogs`. */
  readonly catalogs: readonly string[];
}

/** The server module to run: `policy.server.path`, else `dist/server.js` inside the extension. */
export function serverModule(context: vscode.ExtensionContext): string {
  return serverPathOverride() ?? context.asAbsolutePath("dist/server.js");
}

/** Globs of the files whose changes the server is told about (`workspace/didChangeWatchedFiles`). */
export const WATCHED_FILES = ["**/*.policy", "**/*.catalog.json", "**/policy.config.json", "**/policy.lock"];

/**
 * Builds (but does not start) the client. Returns an error message instead when the server
 * module does not exist, so the caller can tell the user what to do.
 */
export function createClient(
  context: vscode.ExtensionContext,
  outputChannel: vscode.LogOutputChannel,
  traceOutputChannel: vscode.LogOutputChannel,
  fileEvents: vscode.FileSystemWatcher[],
): LanguageClient | string {
  const module = serverModule(context);
  if (!fs.existsSync(module)) {
    return `Policy language server not found at ${module}. Check the "policy.server.path" setting or reinstall the extension.`;
  }

  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: {
      module,
      transport: TransportKind.ipc,
      options: { execArgv: ["--nolazy", "--inspect=6009"] },
    },
  };

  const initializationOptions: PolicyInitializationOptions = { catalogs: catalogPaths() };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "policy" }],
    synchronize: { fileEvents },
    initializationOptions,
    outputChannel,
    // The protocol trace (`policy.trace.server`) goes to its own channel, see trace.ts.
    traceOutputChannel,
  };

  // The id "policy" makes the client honour the "policy.trace.server" setting.
  return new LanguageClient("policy", "Policy Language Server", serverOptions, clientOptions);
}
