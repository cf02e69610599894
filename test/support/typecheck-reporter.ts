/**
 * The reporter of `npm test` (scripts/test.mjs): vitest's default report, with the strict
 * type-check (`tsc -p tsconfig.check.json`) run beside the tests. The type-check starts when
 * vitest does (it uses the time the e2e tests spend waiting on their processes; at a lower priority
 * it would run alone at the end on a busy machine, one core idle); its result is printed as soon as
 * it is known, and in any case before vitest's summary, which stays the last thing the run prints.
 * A failed type-check prints tsc's report and makes the run exit non-zero.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { SerializedError } from "vitest";
import type { TestModule, Vitest } from "vitest/node";
import { DefaultReporter } from "vitest/node";

type TestRunEndReason = Parameters<DefaultReporter["onTestRunEnd"]>[2];

interface TypeCheck { code: number; output: string; seconds: number }

const require = createRequire(import.meta.url);
const TSC = join(dirname(require.resolve("typescript/package.json")), "bin/tsc");

/** Runs the type-check; resolves with its exit status and output. */
function typeCheck(cwd: string): Promise<TypeCheck> {
  const started = performance.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, [TSC, "-p", "tsconfig.check.json"], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    for (const s of [child.stdout, child.stderr]) s.on("data", (c: Buffer) => { output += c.toString(); });
    const end = (code: number) => done({ code, output, seconds: (performance.now() - started) / 1000 });
    child.on("error", (e) => { output += `${e.message}\n`; end(1); });
    child.on("close", (code, signal) => end(code ?? (signal ? 1 : 0)));
  });
}

export default class TypeCheckReporter extends DefaultReporter {
  private result: Promise<TypeCheck> | undefined;
  private printed = false;

  override onInit(ctx: Vitest): void {
    super.onInit(ctx);
    this.result = typeCheck(ctx.config.root);
    void this.result.then((r) => this.print(r));
  }

  /** Holds vitest's summary until the type-check's result is printed. */
  override async onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<SerializedError>, reason: TestRunEndReason): Promise<void> {
    if (this.result) this.print(await this.result);
    super.onTestRunEnd(modules, errors, reason);
  }

  private print(r: TypeCheck): void {
    if (this.printed) return;
    this.printed = true;
    const what = `type-check (tsc -p tsconfig.check.json, ${r.seconds.toFixed(1)} s)`;
    if (r.code === 0) { this.ctx.logger.log(`${what} passed`); return; }
    process.exitCode = 1;
    this.ctx.logger.error(`${r.output.trimEnd()}\n${what} failed`);
  }
}
