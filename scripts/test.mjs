#!/usr/bin/env node
/**
 * `npm test`: the strict type-check (`tsc -p tsconfig.check.json`) and the test suite (`vitest run`,
 * projects unit and e2e) side by side, so the single-threaded type-check uses the time the e2e
 * tests spend waiting on their processes. The type-check's report is printed after the tests';
 * the exit status is non-zero when either fails. Arguments go to vitest.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const bin = (pkg, file) => join(dirname(require.resolve(`${pkg}/package.json`)), file);
const tsc = bin("typescript", "bin/tsc");
const vitest = bin("vitest", "vitest.mjs");

/** Runs node `args`; resolves with the exit status and, when `quiet`, the output. */
function run(args, quiet) {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit" });
    let out = "";
    if (quiet) for (const s of [child.stdout, child.stderr]) s.on("data", (c) => { out += c; });
    child.on("error", (e) => done({ code: 1, out: `${e.message}\n` }));
    child.on("close", (code, signal) => done({ code: code ?? (signal ? 1 : 0), out }));
  });
}

const started = Date.now();
const [types, tests] = await Promise.all([
  run([tsc, "-p", "tsconfig.check.json"], true),
  run([vitest, "run", ...process.argv.slice(2)], false),
]);
const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (types.code) process.stderr.write(`\ntype-check (tsc -p tsconfig.check.json) failed:\n${types.out}`);
else process.stdout.write(`\ntype-check passed (tsc -p tsconfig.check.json)\n`);
process.stdout.write(`npm test: ${seconds} s\n`);
process.exitCode = types.code || tests.code;
