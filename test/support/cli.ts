/**
 * Spawns the `policy` CLI as a user would run it. The CLI is bundled from sources with esbuild
 * once per test file (dependencies stay external), so tests never run a stale `dist/`.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { buildSync } from "esbuild";

const OUT_DIR = resolve("node_modules/.cache/policy-cli-test");
const OUT = resolve(OUT_DIR, `cli-${process.pid}.mjs`);
let built = false;

function ensureBuilt(): void {
  if (built) return;
  mkdirSync(OUT_DIR, { recursive: true });
  buildSync({ entryPoints: [resolve("test/support/cli-entry.ts")], bundle: true, platform: "node", format: "esm", target: "node20", packages: "external", outfile: OUT, logLevel: "error" });
  built = true;
}

export interface CliRun { stdout: string; stderr: string; code: number }

export function runCli(args: readonly string[], opts: { cwd?: string; input?: string } = {}): CliRun {
  ensureBuilt();
  const r = spawnSync(process.execPath, [OUT, ...args], {
    cwd: opts.cwd ?? process.cwd(),
    encoding: "utf8",
    input: opts.input ?? "",
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    timeout: 60_000,
  });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status ?? -1 };
}
