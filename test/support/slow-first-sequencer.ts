/**
 * The order test files start in. vitest queues the projects one after the other (e2e, then unit:
 * a worker is kept for the next file only when that file is of the same project, so mixing them
 * would start a new worker, and load the modules again, at every switch) and, within a project,
 * the files it remembers as slowest first — but a fresh clone remembers nothing and falls back to
 * file size. The files known to take longest (measured: `TEST_CPU_LOG`, see
 * test/support/cpu-time.ts) start first in their project, so that no long file starts last while
 * the other worker is idle. A file missing from the list keeps vitest's order after them.
 */
import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Slowest first (wall seconds of a run with `TEST_CPU_LOG`: the fixed-seed properties, the package
 * install, the e2e files that start many processes or wait for approval timeouts). Only the order
 * within a project counts (see below).
 */
export const SLOW_FIRST = [
  // unit
  "test/analysis/diff.test.ts",
  "test/package/pack.test.ts",
  "test/hardening/differential-extended.test.ts",
  "test/hardening/parser-fuzz.test.ts",
  "test/analysis/counterfactual.test.ts",
  "test/compiler/differential.test.ts",
  "test/hardening/detectors-linear.test.ts",
  "test/testing/runner.test.ts",
  "test/importers/export-import.test.ts",
  "test/cli/main-in-process.test.ts",
  "test/runtime/commands/properties.test.ts",
  "test/lsp/incremental-parse.test.ts",
  // e2e
  "test/enforce/arrival-order.test.ts",
  "test/enforce/approvals.test.ts",
  "test/console/console-e2e.test.ts",
  "test/enforce/alerts-reload.test.ts",
  "test/enforce/audit-and-state.test.ts",
  "test/cli/binary.test.ts",
  "test/vscode-extension/packaging.test.ts",
  "test/enforce/approvals-lifecycle.test.ts",
  "test/enforce/user-identity.test.ts",
  "test/enforce/startup-check.test.ts",
  "test/enforce/http-security.test.ts",
  "test/ops/enforce-ops.test.ts",
  "test/enforce/canonical-arguments.test.ts",
  "test/ops/bundle-distribution.test.ts",
  "test/enforce/tool-drift.test.ts",
  "test/bench/proxy-latency.test.ts",
  "test/enforce/hyphen-integration.test.ts",
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
