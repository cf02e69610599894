#!/usr/bin/env node
/**
 * `npm test`: the test suite (`vitest run`, projects unit and e2e) with the strict type-check
 * (`tsc -p tsconfig.check.json`) beside it, run by the suite's reporter
 * (test/support/typecheck-reporter.ts): the type-check uses the time the e2e tests spend waiting
 * on their processes, its result is printed before vitest's summary (the summary ends the run),
 * and the exit status is non-zero when either fails. Arguments go to vitest.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const vitest = join(dirname(require.resolve("vitest/package.json")), "vitest.mjs");
const reporter = "./test/support/typecheck-reporter.ts";

const child = spawn(process.execPath, [vitest, "run", `--reporter=${reporter}`, ...process.argv.slice(2)], { stdio: "inherit" });
child.on("error", (e) => { process.stderr.write(`npm test: ${e.message}\n`); process.exitCode = 1; });
child.on("close", (code, signal) => { process.exitCode = code ?? (signal ? 1 : 0); });
