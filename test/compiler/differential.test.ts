/**
 * INVARIANT under test: the compiled decision tables decide exactly as the reference evaluator
 * (SPEC §5 applied literally) on random policy sets and random events.
 */
import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { referenceDecide } from "../../compiler/reference/index.js";
import { createEnforcer } from "../../runtime/index.js";
import { smallCatalog } from "../support/small-catalog.js";
import { policySource, event } from "../support/generators.js";
import { prepare, view } from "../fuzz/compare.js";
import { expectEqual } from "../support/quick-expect.js";
import { loadShellParser } from "../../compiler/shell/shell-parser.js";
import type { ShellParser } from "../../runtime/argv.js";

const catalog = smallCatalog();
// Both sides split shell lines with the same parser (the decision per simple command is what is compared).
let shell: ShellParser | undefined;
beforeAll(async () => { shell = await loadShellParser(); });

function compare(src: string, events: readonly Parameters<typeof referenceDecide>[1][], includeDrafts: boolean): void {
  const p = prepare(src, includeDrafts, catalog);
  expect(typeof p === "string" ? p.split("\n") : []).toEqual([]);
  if (typeof p === "string") return;
  const enforcer = createEnforcer(p.bundle, { shell });
  const model = { ...p.model, shell };
  for (const ev of events) {
    expectEqual<unknown>(view(enforcer.decide(ev)), referenceDecide(model, ev), () => `event ${JSON.stringify(ev)}\n--- policies ---\n${src}`);
  }
}

describe("compiled tables agree with the reference evaluator", () => {
  // Compiling a policy set costs about as much as deciding 15 events, so each set meets 20 events.
  it("on ≥ 10,000 random (policy set, event) cases (500 policy sets × 20 events)", () => {
    fc.assert(fc.property(policySource, fc.array(event, { minLength: 20, maxLength: 20 }), fc.boolean(), (src, evs, drafts) => compare(src, evs, drafts)),
      { numRuns: Number(process.env.DIFF_RUNS ?? 500), seed: Number(process.env.DIFF_SEED ?? 20261123) });
  }, 300_000); // about 10 s on an idle 2-core machine; minutes on a loaded one
});
