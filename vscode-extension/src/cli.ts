// Runs the `policy` CLI for the editor commands: in a terminal task (test, build) or captured into
// an output channel (explain).
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";

/** How to start the CLI: a program, the arguments before the subcommand, extra environment. */
export interface CliCommand {
  readonly program: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Where it came from, for messages. */
  readonly source: string;
}

/**
 * The CLI to run, first found of: the CLI bundled in the extension (`dist/cli.js`, run with the
 * editor's own Node.js), the project's `node_modules/.bin/policy`, `policy` on the PATH.
 */
export function resolveCli(context: vscode.ExtensionContext, folder: vscode.WorkspaceFolder): CliCommand {
  const bundled = context.asAbsolutePath("dist/cli.js");
  if (fs.existsSync(bundled)) {
    // VS Code's executable runs as plain Node.js with ELECTRON_RUN_AS_NODE, so no `node` on the PATH is needed.
    return { program: process.execPath, args: [bundled], env: { ELECTRON_RUN_AS_NODE: "1" }, source: bundled };
  }
  const bin = process.platform === "win32" ? "policy.cmd" : "policy";
  const local = path.join(folder.uri.fsPath, "node_modules", ".bin", bin);
  if (fs.existsSync(local)) return { program: local, args: [], env: {}, source: local };
  return { program: bin, args: [], env: {}, source: "policy on the PATH" };
}

/**
 * The workspace folder to run in: the one of the active `.policy` editor, the only one, or the
 * one the user picks. `undefined` when there is none (or the pick was cancelled).
 */
export async function pickFolder(): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const active = vscode.window.activeTextEditor?.document.uri;
  const own = active ? vscode.workspace.getWorkspaceFolder(active) : undefined;
  if (own) return own;
  if (folders.length <= 1) {
    if (folders.length === 0) void vscode.window.showErrorMessage("Policy: open a folder first.");
    return folders[0];
  }
  return vscode.window.showWorkspaceFolderPick({ placeHolder: "Run the policy CLI in which folder?" });
}

/** Runs `policy <args>` as a task in the terminal panel, in the root of `folder`. */
export async function runInTerminal(
  context: vscode.ExtensionContext,
  folder: vscode.WorkspaceFolder,
  name: string,
  args: readonly string[],
): Promise<void> {
  const cli = resolveCli(context, folder);
  const execution = new vscode.ProcessExecution(cli.program, [...cli.args, ...args], {
    cwd: folder.uri.fsPath,
    env: { ...cli.env },
  });
  const task = new vscode.Task({ type: "policy", command: args[0] ?? "" }, folder, name, "policy", execution);
  task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, clear: true, showReuseMessage: false };
  await vscode.tasks.executeTask(task);
}

/** Result of a captured CLI run. */
export interface CliOutput {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `policy <args>` in the root of `folder` and captures its output. Never rejects. */
export function runCaptured(
  context: vscode.ExtensionContext,
  folder: vscode.WorkspaceFolder,
  args: readonly string[],
): Promise<CliOutput> {
  const cli = resolveCli(context, folder);
  return new Promise((resolve) => {
    execFile(
      cli.program,
      [...cli.args, ...args],
      { cwd: folder.uri.fsPath, env: { ...process.env, ...cli.env }, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => {
        let code = 0;
        if (error) code = typeof error.code === "number" ? error.code : 2;
        const spawnFailure = error && typeof error.code !== "number" ? `${cli.source}: ${error.message}\n` : "";
        resolve({ code, stdout: String(stdout), stderr: spawnFailure + String(stderr) });
      },
    );
  });
}
