/**
 * The order test files start in. vitest runs the projects one after the other (e2e, then unit) and,
 * within a project, the files it remembers as slowest first — but a fresh clone remembers nothing
 * and falls back to file size. The files known to take longest (measured: `TEST_CPU_LOG`, see
 * test/support/cpu-time.ts) start first in their project, so that no long file starts last while
 * the other worker is idle. A file missing from the list keeps vitest's order after them.
 */
import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** Slowest first (wall seconds on an idle 2-core machine: the package install, the fixed-seed properties, the e2e files that start many processes). */
export const SLOW_FIRST = [
  "test/package/pack.test.ts",
  "test/hardening/differential-extended.test.ts",
  "test/hardening/parser-fuzz.test.ts",
  "test/compiler/differential.test.ts",
  "test/testing/runner.test.ts",
  "test/console/console-e2e.test.ts",
  "test/enforce/approvals.test.ts",
  "test/enforce/audit-and-state.test.ts",
  "test/vscode-extension/packaging.test.ts",
  "test/enforce/http-security.test.ts",
  "test/hardening/detectors-linear.test.ts",
  "test/enforce/alerts-reload.test.ts",
  "test/enforce/hyphen-integration.test.ts",
  "test/enforce/canonical-arguments.test.ts",
  "test/enforce/approvals-lifecycle.test.ts",
  "test/ops/enforce-ops.test.ts",
  "test/runtime/commands/properties.test.ts",
  "test/lsp/incremental-parse.test.ts",
];

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification): number => {
      const i = SLOW_FIRST.indexOf(relative(this.ctx.config.root, f.moduleId).split("\\").join("/"));
      return i < 0 ? SLOW_FIRST.length : i;
    };
    // Only within a project: vitest's own order of the projects stays.
    const project = new Map(sorted.map((f, i) => [f.project.name, i]));
    return sorted.map((f, i) => ({ f, i }))
      .sort((a, b) => project.get(a.f.project.name)! - project.get(b.f.project.name)! || rank(a.f) - rank(b.f) || a.i - b.i)
      .map((x) => x.f);
  }
}
