/**
 * `policy diff` against replay: on generated pairs of policy sets, an event changes under
 * `replay --against` exactly when it lies in a reported region; events built inside reported
 * regions change; a set diffed with itself is empty; the regions of one set decide every event
 * as the reference evaluator does.
 */
import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { createEnforcer } from "../../runtime/index.js";
import type { Bundle, SessionEvent } from "../../runtime/types.js";
import { referenceDecide } from "../../compiler/reference/index.js";
import { decisionChanged } from "../../testing/session/replay.js";
import { AtomTable } from "../../compiler/analysis/atoms.js";
import { explore } from "../../compiler/analysis/explore.js";
import { modelOf } from "../../compiler/analysis/targets.js";
import { diffBundles, type TargetDiff } from "../../compiler/analysis/diff.js";
import { assignmentOf, atomOnEvent, eventFacts, type PartFacts } from "../../compiler/analysis/event-atoms.js";
import { decide3, type Outcome } from "../../compiler/analysis/decide.js";
import { loadShellParser } from "../../compiler/shell/shell-parser.js";
import type { ShellParser } from "../../runtime/argv.js";
import { witness } from "../../compiler/analysis/dims.js";
import { applyEdit } from "../../compiler/analysis/edit.js";
import { integrationOf } from "../../compiler/analysis/explore.js";
import { smallCatalog } from "../support/small-catalog.js";
import { policySource, event } from "../support/generators.js";
import { projectSource, eventExtended } from "../support/generators-extended.js";
import { prepare, type Prepared } from "../fuzz/compare.js";
import { expectEqual, expectSame } from "../support/quick-expect.js";

const catalog = smallCatalog();
const NONE = new Set<string>();
// The runtime, the reference evaluator and the analysis split shell lines with the same parser.
let shell: ShellParser | undefined;
beforeAll(async () => { shell = await loadShellParser(); });

const RANK = { allow: 0, require_approval: 1, block: 2 } as const;

/** The regions of one target of a bundle, split once and read by every event of the case. */
const split = new WeakMap<Bundle, Map<string, { atoms: AtomTable; m: ReturnType<typeof modelOf>; x: ReturnType<typeof explore> }>>();
function regionsOf(b: Bundle, target: PartFacts["target"]) {
  let byTarget = split.get(b);
  if (!byTarget) split.set(b, byTarget = new Map());
  let r = byTarget.get(target);
  if (!r) {
    const atoms = new AtomTable();
    const m = modelOf(b, target, atoms);
    r = { atoms, m, x: explore([m], atoms, { maxRegions: 400 }) };
    byTarget.set(target, r);
  }
  return r;
}

/**
 * The decision of one part: the region of its target it lies in (exactly one when the target was
 * split completely within a small budget), else SPEC §5 on the part's full assignment.
 */
function partOutcome(b: Bundle, part: PartFacts): Outcome[] {
  const { atoms, m, x } = regionsOf(b, part.target);
  if (x.complete) return x.regions.filter((r) => r.lits.every(([i, v]) => atomOnEvent(atoms.atoms[i]!.x, part, NONE) === v)).map((r) => r.outcomes[0]!);
  const s = decide3(m, assignmentOf(atoms, part, NONE));
  return "done" in s ? [s.done] : [];
}

/** The event's decision from the regions: each part's, the strictest (first) winning, as the runtime combines them. */
function regionsDecide(b: Bundle, ev: SessionEvent): { effect: string; policy: string | null } {
  const per = eventFacts(b, ev).parts.map((p) => {
    const hit = partOutcome(b, p);
    expectSame(hit.length, 1, () => JSON.stringify(ev));
    return hit[0]!;
  });
  const best = per.reduce((a, d) => (RANK[d.effect] > RANK[a.effect] ? d : a));
  return { effect: best.effect, policy: best.policy };
}

function build(src: string, drafts: boolean): Prepared {
  const p = prepare(src, drafts, catalog);
  if (typeof p === "string") throw new Error(p);
  return p;
}

function inRegion(d: TargetDiff, f: PartFacts): boolean {
  return d.regions.some((r) => r.lits.every(([i, v]) => atomOnEvent(d.atoms.atoms[i]!.x, f, NONE) === v));
}

/** An event inside a region, built from `base` by writing each dimension's witness; undefined when it cannot be. */
function sampleIn(d: TargetDiff, b: Bundle, base: SessionEvent, r: TargetDiff["regions"][number]): SessionEvent | undefined {
  const byDim = new Map<string, [number, boolean][]>();
  for (const l of r.lits) { const dim = d.atoms.atoms[l[0]]!.dim; byDim.set(dim, [...(byDim.get(dim) ?? []), [l[0], l[1]]]); }
  let ev: SessionEvent | undefined = base;
  for (const [dim, lits] of [...byDim].sort(([a], [b2]) => (a === "call_type" ? -1 : b2 === "call_type" ? 1 : 0))) {
    const w = witness(d.atoms, dim, lits, integrationOf(d.target));
    if (!w.found) return undefined;
    ev = applyEdit(b, ev!, dim, w.value) ?? ev;
  }
  const f = eventFacts(b, ev!);
  if (f.target !== d.target || f.parts.length !== 1) return undefined;
  return r.lits.every(([i, v]) => atomOnEvent(d.atoms.atoms[i]!.x, f, NONE) === v) ? ev : undefined;
}

function checkPair(before: Bundle, after: Bundle, events: readonly SessionEvent[]): void {
  const diff = diffBundles(before, after, { maxRegions: 600 });
  const eb = createEnforcer(before, { shell }), ea = createEnforcer(after, { shell });
  const targetDiff = (p: PartFacts) => diff.targets.find((x) => x.target === p.target);
  for (const ev of events) {
    const changed = decisionChanged(eb.decide(ev), ea.decide(ev));
    const f = eventFacts(after, ev);
    if (f.parts.some((p) => targetDiff(p)?.complete === false)) continue;
    if (f.parts.length > 1) {
      // Several parts: a call none of whose parts lies in a changed region does not change.
      if (!f.parts.some((p) => { const d = targetDiff(p); return !!d && inRegion(d, p); })) expectSame(changed, false, () => `event ${JSON.stringify(ev)}`);
      continue;
    }
    const d = targetDiff(f);
    expectSame(d ? inRegion(d, f) : false, changed, () => `event ${JSON.stringify(ev)}`);
    // Inside every region of the event's target, an event built from this one changes.
    for (const r of d?.regions ?? []) {
      const s = sampleIn(d!, after, ev, r);
      if (s) expectSame(decisionChanged(eb.decide(s), ea.decide(s)), true, () => `sample ${JSON.stringify(s)} of ${JSON.stringify(r)}`);
    }
  }
}

describe("regions of one policy set", () => {
  it("decide every event as the reference evaluator", () => {
    fc.assert(fc.property(policySource, fc.array(event, { minLength: 6, maxLength: 6 }), (src, evs) => {
      const p = build(src, true);
      for (const ev of evs) {
        const want = referenceDecide({ ...p.model, shell }, ev);
        expectEqual(regionsDecide(p.bundle, ev), { effect: want.effect, policy: want.policy }, () => `${src}\n${JSON.stringify(ev)}`);
      }
    }), { numRuns: 120, seed: 24 });
  }, 300_000);
});

describe("regions of one policy set (extended generators: every static kind, both polarities)", () => {
  it("decide every event as the reference evaluator, and a diff across drafts agrees with replay", () => {
    fc.assert(fc.property(projectSource, fc.array(eventExtended, { minLength: 6, maxLength: 6 }), (g, evs) => {
      const without = build(g.source, false), withDrafts = build(g.source, true);
      const p = g.includeDrafts ? withDrafts : without;
      for (const ev of evs) {
        const want = referenceDecide({ ...p.model, shell }, ev);
        expectEqual(regionsDecide(p.bundle, ev), { effect: want.effect, policy: want.policy }, () => `${g.source}\n${JSON.stringify(ev)}`);
      }
      checkPair(without.bundle, withDrafts.bundle, evs);
    }), { numRuns: 100, seed: 77 });
  }, 300_000);
});

describe("policy diff", () => {
  it("of a set with itself is empty", () => {
    fc.assert(fc.property(policySource, fc.boolean(), (src, drafts) => {
      const p = build(src, drafts);
      expect(diffBundles(p.bundle, p.bundle).targets).toEqual([]);
    }), { numRuns: 200, seed: 7 });
  }, 300_000);

  it("agrees with replay --against on a draft promotion (drafts left out → included)", () => {
    fc.assert(fc.property(policySource, fc.array(event, { minLength: 8, maxLength: 8 }), (src, evs) => {
      checkPair(build(src, false).bundle, build(src, true).bundle, evs);
    }), { numRuns: 120, seed: 2024 });
  }, 300_000);

  it("agrees with replay --against on unrelated pairs of sets", () => {
    fc.assert(fc.property(policySource, policySource, fc.array(event, { minLength: 8, maxLength: 8 }), (a, b, evs) => {
      checkPair(build(a, false).bundle, build(b, false).bundle, evs);
    }), { numRuns: 120, seed: 4242 });
  }, 300_000);
});
