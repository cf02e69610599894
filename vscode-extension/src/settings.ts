// Reads the extension's `policy.*` settings and resolves the paths they contain.
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";

/** The configuration section every setting of this extension lives under. */
export const SECTION = "policy";

/** Settings whose change needs a language server restart to take effect. */
export const RESTART_SETTINGS = [`${SECTION}.server.path`, `${SECTION}.catalogs`];

/**
 * Replaces `${workspaceFolder}` and `~`, then resolves a relative path against `folder`
 * (or returns it unchanged when there is no folder to resolve against).
 */
export function resolvePath(p: string, folder: vscode.WorkspaceFolder | undefined): string {
  let out = p.trim();
  if (folder) out = out.replace(/\$\{workspaceFolder\}/g, folder.uri.fsPath);
  if (out === "~" || out.startsWith("~/")) out = path.join(process.env.HOME ?? "~", out.slice(1));
  if (!path.isAbsolute(out) && folder) out = path.join(folder.uri.fsPath, out);
  return path.normalize(out);
}

/**
 * Absolute paths of the user catalogs in `policy.catalogs`. A relative path is resolved against the
 * first workspace folder that contains it (else the first folder). Duplicates are dropped.
 */
export function catalogPaths(): string[] {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const out: string[] = [];
  for (const folder of folders.length > 0 ? folders : [undefined]) {
    const entries = vscode.workspace.getConfiguration(SECTION, folder?.uri).get<unknown>("catalogs");
    if (!Array.isArray(entries)) continue;
    for (const entry of entries) {
      if (typeof entry !== "string" || entry.trim() === "") continue;
      const candidates = folders.map((f) => resolvePath(entry, f));
      const found = candidates.find((c) => fs.existsSync(c)) ?? resolvePath(entry, folder);
      if (!out.includes(found)) out.push(found);
    }
  }
  return out;
}

/** The server module from `policy.server.path`, or `undefined` to use the bundled one. */
export function serverPathOverride(): string | undefined {
  const value = vscode.workspace.getConfiguration(SECTION).get<string>("server.path", "");
  if (!value || value.trim() === "") return undefined;
  return resolvePath(value, vscode.workspace.workspaceFolders?.[0]);
}
