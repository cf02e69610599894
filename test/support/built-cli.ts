/**
 * Global setup of the `e2e` test project: the tests that spawn the real binary run `bin/policy.js`,
 * which runs `dist/`. When any source is newer than the build (or there is none), this builds it
 * once (`tsc -p tsconfig.json`, what `npm run build` does) before the first test file starts. At
 * the end it removes what the run's files left for each other (the imported catalogs).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");
/** The folders `tsconfig.json` compiles into dist/. */
const SOURCES = ["grammar", "compiler", "importers", "lifecycle", "testing", "runtime", "lsp", "cli", "adapters", "enforce"];
const STAMP = join(ROOT, "dist/cli/main.js");

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith(".ts")) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** True when dist/ is missing or older than a source file. */
export function distIsStale(): boolean {
  if (!existsSync(STAMP)) return true;
  const built = statSync(STAMP).mtimeMs;
  return SOURCES.some((s) => existsSync(join(ROOT, s)) && newestSource(join(ROOT, s)) > built);
}

/** Removes what the run's test files left for each other (test/enforce/helpers.ts: the imported catalogs). */
function teardown(): void {
  rmSync(join(tmpdir(), `policy-test-catalogs-${process.pid}`), { recursive: true, force: true });
}

export default function setup(): () => void {
  if (!distIsStale()) return teardown;
  const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
  const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: ROOT, encoding: "utf8" });
  if (distIsStale()) throw new Error(`dist/ is older than the sources and \`tsc -p tsconfig.json\` did not rebuild it:\n${r.stdout}${r.stderr}`);
  return teardown;
}
