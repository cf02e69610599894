/**
 * INVARIANT under test: the compiled decision tables decide exactly as the reference evaluator
 * (SPEC §5 applied literally) on random policy sets and random events.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { checkProject } from "../../compiler/check/index.js";
import { buildBundle, selectPolicies } from "../../compiler/emit/index.js";
import { referenceDecide } from "../../compiler/reference/index.js";
import { createEnforcer } from "../../runtime/index.js";
import { smallCatalog } from "../support/small-catalog.js";
import { policySource, event } from "../support/generators.js";

const catalog = smallCatalog();

function compare(src: string, events: readonly Parameters<typeof referenceDecide>[1][], includeDrafts: boolean): void {
  const project = checkProject([{ file: "gen.policy", text: src }], catalog);
  const errors = project.diagnostics.filter((d) => d.severity === "error");
  expect(errors.map((d) => `${d.code} ${d.span.line}:${d.span.column} ${d.message}`)).toEqual([]);
  const bundle = buildBundle(project, { includeDrafts });
  const model = { policies: selectPolicies(project, { includeDrafts }), ...(project.default ? { default: project.default } : {}), detectors: project.detectors, catalog };
  const enforcer = createEnforcer(bundle);
  for (const ev of events) {
    const got = enforcer.decide(ev);
    const want = referenceDecide(model, ev);
    const view = {
      effect: got.effect,
      policy: got.policy?.id ?? null,
      matched: got.matched.map((m) => m.id),
      alerts: got.alerts.map((a) => ({ policy: a.policy, to: a.to })),
      sanitize: got.sanitize,
      approvers: got.approvers,
      hidden: got.hidden,
    };
    expect(view, `event ${JSON.stringify(ev)}\n--- policies ---\n${src}`).toEqual(want);
  }
}

describe("compiled tables agree with the reference evaluator", () => {
  it("on ≥ 10,000 random (policy set, event) cases (2,400 policy sets × 5 events)", () => {
    fc.assert(fc.property(policySource, fc.array(event, { minLength: 5, maxLength: 5 }), fc.boolean(), (src, evs, drafts) => compare(src, evs, drafts)),
      { numRuns: Number(process.env.DIFF_RUNS ?? 2400), seed: Number(process.env.DIFF_SEED ?? 20261123) });
  });
});
