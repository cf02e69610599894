// Entry point of the VS Code extension: starts the policy language server and registers the
// `Policy: …` commands.
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import { pickFolder, runCaptured, runInTerminal } from "./cli";
import { createClient, WATCHED_FILES } from "./client";
import { catalogPaths, RESTART_SETTINGS } from "./settings";
import { TraceChannel } from "./trace";

let client: LanguageClient | undefined;
let serverOutput: vscode.LogOutputChannel | undefined;
let traceOutput: TraceChannel | undefined;
let watchers: vscode.FileSystemWatcher[] = [];

/** Called by VS Code on the first `.policy` file (see `activationEvents`). */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  serverOutput = vscode.window.createOutputChannel("Policy Language Server", { log: true });
  traceOutput = new TraceChannel();
  const explainOutput = vscode.window.createOutputChannel("Policy Explain");
  watchers = WATCHED_FILES.map((glob) => vscode.workspace.createFileSystemWatcher(glob));
  context.subscriptions.push(serverOutput, traceOutput, explainOutput, ...watchers);

  context.subscriptions.push(
    vscode.commands.registerCommand("policy.runTests", () => runTests(context)),
    vscode.commands.registerCommand("policy.buildBundle", () => buildBundle(context)),
    vscode.commands.registerCommand("policy.explainEvent", () => explainEvent(context, explainOutput)),
    vscode.commands.registerCommand("policy.restartServer", () => restartServer(context)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (RESTART_SETTINGS.some((s) => e.affectsConfiguration(s))) void startServer(context, true);
    }),
  );

  await startServer(context, false);
}

/** Called by VS Code on shutdown. */
export async function deactivate(): Promise<void> {
  await stopServer();
}

async function stopServer(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    try {
      await running.dispose();
    } catch (error) {
      serverOutput?.error(`Stopping the server failed: ${String(error)}`);
    }
  }
}

/** (Re)creates the client, so new settings (server path, catalogs) take effect. */
async function startServer(context: vscode.ExtensionContext, restarting: boolean): Promise<void> {
  await stopServer();
  if (!serverOutput || !traceOutput) return;
  const created = createClient(context, serverOutput, traceOutput, watchers);
  if (typeof created === "string") {
    void vscode.window.showErrorMessage(created);
    return;
  }
  client = created;
  try {
    await created.start();
    if (restarting) void vscode.window.setStatusBarMessage("Policy language server restarted", 3000);
  } catch (error) {
    void vscode.window.showErrorMessage(`The policy language server failed to start: ${String(error)}`);
  }
}

async function restartServer(context: vscode.ExtensionContext): Promise<void> {
  await startServer(context, true);
}

/** `--catalog <file>` for each user catalog in `policy.catalogs` (test, build and explain take it). */
function catalogArgs(): string[] {
  return catalogPaths().flatMap((file) => ["--catalog", file]);
}

async function runTests(context: vscode.ExtensionContext): Promise<void> {
  const folder = await pickFolder();
  if (folder) await runInTerminal(context, folder, "test", ["test", ...catalogArgs()]);
}

async function buildBundle(context: vscode.ExtensionContext): Promise<void> {
  const folder = await pickFolder();
  if (!folder) return;
  await runInTerminal(context, folder, "build", ["build", "-o", "bundle.json", ...catalogArgs()]);
}

async function explainEvent(context: vscode.ExtensionContext, output: vscode.OutputChannel): Promise<void> {
  const folder = await pickFolder();
  if (!folder) return;
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    defaultUri: folder.uri,
    filters: { "Event JSON": ["json", "jsonl"], "All files": ["*"] },
    openLabel: "Explain",
    title: "Policy: choose an event to explain",
  });
  const file = picked?.[0];
  if (!file) return;

  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: "Policy: explaining event…" },
    () => runCaptured(context, folder, ["explain", file.fsPath, "--format", "text", ...catalogArgs()]),
  );
  output.clear();
  output.appendLine(`$ policy explain ${vscode.workspace.asRelativePath(file)} --format text`);
  output.append(result.stdout);
  if (result.stderr) output.append(result.stderr);
  output.show(true);
  // Exit 1 means "findings" (e.g. a block decision); only 2 and above are failures.
  if (result.code >= 2) {
    void vscode.window.showErrorMessage(`policy explain failed (exit ${result.code}); see the "Policy Explain" output.`);
  }
}
