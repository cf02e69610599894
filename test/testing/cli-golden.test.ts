/**
 * Golden tests of `policy test` and `policy replay` as a user runs them: each folder of
 * test/fixtures/cli/ holds input files, `args.json` (the arguments, or `{setup, args}` where
 * `setup` commands such as `build` run first) and `expected.stdout` / `expected.stderr` /
 * `expected.exit`. The case is copied to a temporary folder and the CLI runs there, so printed
 * paths are the fixture's own. Update with `UPDATE_GOLDEN=1 npx vitest run test/testing`.
 */
import { describe, expect, it } from "vitest";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runCli } from "../support/cli.js";

const ROOT = resolve(import.meta.dirname, "../..");
const CASES = join(ROOT, "test/fixtures/cli");
const UPDATE = process.env["UPDATE_GOLDEN"] === "1";

/** Runs the CLI (in-process, from sources) in `cwd`. */
export function policy(args: readonly string[], cwd: string): Promise<{ stdout: string; stderr: string; code: number }> {
  return runCli(args, { cwd });
}

/** Removes what changes from run to run or compiler to compiler: timings and bundle revisions. */
export function normalize(s: string): string {
  return s
    .replace(/time="[0-9.]+"/g, 'time="…"')
    .replace(/"durationMs":\s*[0-9.]+/g, '"durationMs": 0')
    .replace(/"revision":"[0-9a-f]+"/g, '"revision":"…"')
    .replace(/revision [0-9a-f]{8,}/g, "revision …");
}

interface CaseSpec { readonly setup?: readonly (readonly string[])[]; readonly args: readonly string[] }

function spec(dir: string): CaseSpec {
  const raw = JSON.parse(readFileSync(join(dir, "args.json"), "utf8")) as CaseSpec | string[];
  return Array.isArray(raw) ? { args: raw } : raw;
}

/** Copies a case to a temporary folder (without its expected files) and runs it there. */
export async function runCase(name: string): Promise<{ stdout: string; stderr: string; code: number; cwd: string }> {
  const src = join(CASES, name);
  const cwd = mkdtempSync(join(tmpdir(), `policy-golden-${name}-`));
  cpSync(src, cwd, { recursive: true, filter: (p) => !/expected\.[a-z]+$/.test(p) });
  const s = spec(src);
  for (const step of s.setup ?? []) {
    const r = await policy(step, cwd);
    if (r.code !== 0) throw new Error(`setup ${step.join(" ")} failed (${r.code}): ${r.stderr}`);
  }
  const r = await policy(s.args, cwd);
  return { ...r, stdout: normalize(r.stdout), stderr: normalize(r.stderr), cwd };
}

function golden(dir: string, file: string, actual: string): void {
  const p = join(dir, file);
  if (UPDATE) { writeFileSync(p, actual); return; }
  if (!existsSync(p)) { if (file === "expected.stderr") return; throw new Error(`missing ${p}: run with UPDATE_GOLDEN=1`); }
  expect(actual, `${file} of ${dir}`).toBe(readFileSync(p, "utf8"));
}

describe("policy test / policy replay golden output", () => {
  const names = readdirSync(CASES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  it.each(names)("%s", async (name) => {
    const dir = join(CASES, name);
    const r = await runCase(name);
    try {
      golden(dir, "expected.stdout", r.stdout);
      golden(dir, "expected.exit", `${r.code}\n`);
      // stderr is compared when the case has one (usage errors, bad lines).
      if (UPDATE ? r.stderr !== "" || existsSync(join(dir, "expected.stderr")) : existsSync(join(dir, "expected.stderr"))) golden(dir, "expected.stderr", r.stderr);
    } finally {
      rmSync(r.cwd, { recursive: true, force: true });
    }
  });
});
