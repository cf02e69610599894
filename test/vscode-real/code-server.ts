/**
 * code-server for the real VS Code test: packages the extension as `npm run package:vscode` does,
 * installs the `.vsix` into a fresh extensions folder, and starts code-server on 127.0.0.1 (port
 * chosen by the system) with its own user-data, config and data folders, no auth, no telemetry,
 * no update check and no workspace-trust prompt. Everything lives under one temporary folder.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { VscodeTestSetup } from "../../scripts/vscode-test/setup.js";

export const ROOT = resolve(import.meta.dirname, "../..");

/** The folders of one code-server instance. */
export interface CodeServerDirs {
  readonly userData: string;
  readonly extensions: string;
  /** XDG_CONFIG_HOME / XDG_DATA_HOME: code-server writes its config.yaml there, not in ~. */
  readonly xdg: string;
}

export function codeServerDirs(tmp: string): CodeServerDirs {
  const dirs = { userData: join(tmp, "user-data"), extensions: join(tmp, "extensions"), xdg: join(tmp, "xdg") };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  return dirs;
}

/** Runs a command to completion; throws with its output when it fails. */
function must(cmd: string, args: readonly string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): string {
  const r = spawnSync(cmd, args, { ...opts, encoding: "utf8", input: "", timeout: 180_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** Bundles the extension (vscode-extension/build.mjs) and packages it with vsce into `out`. */
export function packageExtension(out: string): string {
  must(process.execPath, ["vscode-extension/build.mjs"], { cwd: ROOT });
  must(join(ROOT, "node_modules/.bin/vsce"), ["package", "--no-dependencies", "--skip-license", "--allow-missing-repository", "-o", out], {
    cwd: join(ROOT, "vscode-extension"),
  });
  return out;
}

function env(dirs: CodeServerDirs): NodeJS.ProcessEnv {
  return {
    ...process.env,
    XDG_CONFIG_HOME: join(dirs.xdg, "config"),
    XDG_DATA_HOME: join(dirs.xdg, "data"),
    // No extension gallery: code-server's default (open-vsx.org) would be queried from the page.
    EXTENSIONS_GALLERY: "{}",
  };
}

function commonArgs(dirs: CodeServerDirs): string[] {
  return ["--user-data-dir", dirs.userData, "--extensions-dir", dirs.extensions];
}

/** `code-server --install-extension vsix`, then the installed extensions (`publisher.name@version`). */
export function installExtension(setup: VscodeTestSetup, dirs: CodeServerDirs, vsix: string): string[] {
  const args = [setup.codeServer, ...commonArgs(dirs)];
  must(setup.node, [...args, "--install-extension", vsix], { cwd: ROOT, env: env(dirs) });
  return must(setup.node, [...args, "--list-extensions", "--show-versions"], { cwd: ROOT, env: env(dirs) })
    .split("\n")
    .filter(Boolean);
}

/** User settings: nothing that opens on start, asks, or reaches out. */
function writeUserSettings(dirs: CodeServerDirs): void {
  const settings = {
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": false,
    "workbench.enableExperiments": false,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoCheckUpdates": false,
    "extensions.autoUpdate": false,
    "extensions.ignoreRecommendations": true,
    "chat.disableAIFeatures": true,
    "security.workspace.trust.enabled": false,
    "editor.hover.delay": 100,
  };
  mkdirSync(join(dirs.userData, "User"), { recursive: true });
  writeFileSync(join(dirs.userData, "User/settings.json"), JSON.stringify(settings, null, 2));
}

/** A running code-server. */
export interface RunningCodeServer {
  /** `http://127.0.0.1:PORT/` */
  readonly url: string;
  /** What it printed so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

const LISTENING = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+\/)/;

/** Starts code-server and resolves once it listens (60 s at most). */
export function startCodeServer(setup: VscodeTestSetup, dirs: CodeServerDirs): Promise<RunningCodeServer> {
  writeUserSettings(dirs);
  const args = [
    setup.codeServer, ...commonArgs(dirs), "--auth", "none", "--bind-addr", "127.0.0.1:0",
    "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust", "--disable-getting-started-override",
  ];
  // Its own process group, so stop() ends code-server and every process it started.
  const child = spawn(setup.node, args, { cwd: ROOT, env: env(dirs), detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => fail(new Error(`code-server did not listen within 60 s:\n${out}`)), 60_000);
    const fail = (e: Error) => { clearTimeout(timer); void stopChild(child).then(() => reject(e)); };
    const onData = (chunk: Buffer) => {
      out += String(chunk);
      const m = LISTENING.exec(out);
      if (!m?.[1]) return;
      clearTimeout(timer);
      resolveStart({ url: m[1], output: () => out, stop: () => stopChild(child) });
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("error", (e) => fail(e));
    child.on("exit", (code) => fail(new Error(`code-server exited (${code}) before listening:\n${out}`)));
  });
}

/** SIGTERM to the process group, SIGKILL after 5 s. */
function stopChild(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const kill = (signal: NodeJS.Signals) => { try { process.kill(-pid, signal); } catch { /* already gone */ } };
    const timer = setTimeout(() => kill("SIGKILL"), 5_000);
    child.once("exit", () => { clearTimeout(timer); done(); });
    kill("SIGTERM");
  });
}
