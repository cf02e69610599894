/**
 * INVARIANT under test: the compiled tables decide exactly as the reference evaluator, and
 * `policy explain` traces exactly the policies the decision matched — over the extended generator
 * (every static condition kind, scopes, statuses, triggers, defaults, hides, obligations, custom
 * detectors). ≥ 10,000 (policy set, event) cases with a fixed seed; `npm run fuzz` runs the same
 * comparison for as long as it is asked to.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { smallCatalog } from "../support/small-catalog.js";
import { projectSource, eventExtended } from "../support/generators-extended.js";
import { compareAsync, compareCase, prepare } from "../fuzz/compare.js";

const catalog = smallCatalog();
const RUNS = Number(process.env.DIFF_RUNS ?? 500);
/** Events per policy set: compiling a set costs about as much as comparing 10 events. */
const EVENTS = 20;
const SEED = Number(process.env.DIFF_SEED ?? 20261124);

describe("extended differential: runtime = reference = explain", () => {
  it(`on ≥ 10,000 (policy set, event) cases (${RUNS} projects × ${EVENTS} events)`, () => {
    let cases = 0;
    fc.assert(fc.property(projectSource, fc.array(eventExtended, { minLength: EVENTS, maxLength: EVENTS }), (p, evs) => {
      cases += evs.length;
      const d = compareCase(p.source, p.includeDrafts, evs, catalog);
      expect(d, d ? `${d.kind}\n${d.detail}\nevent ${JSON.stringify(d.event)}\n--- policies (drafts ${d.includeDrafts}) ---\n${d.source}` : "").toBeUndefined();
    }), { numRuns: RUNS, seed: SEED });
    expect(cases).toBeGreaterThanOrEqual(10_000);
  }, 300_000); // about 12 s on an idle 2-core machine; minutes on a loaded one

  it(`decide and decideAsync agree (50 projects × ${EVENTS} events)`, async () => {
    await fc.assert(fc.asyncProperty(projectSource, fc.array(eventExtended, { minLength: EVENTS, maxLength: EVENTS }), async (p, evs) => {
      const prep = prepare(p.source, p.includeDrafts, catalog);
      if (typeof prep === "string") throw new Error(prep);
      expect(await compareAsync(prep, evs)).toBeUndefined();
    }), { numRuns: 50, seed: SEED });
  });
});
