/**
 * Counterfactuals, property-tested on generated policy sets and events: applying a reported
 * counterfactual (its JSON edits of the event and of the policy set) really gives its effect under
 * the reference evaluator, and leaving out any one of its edits does not change the effect.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadShellParser } from "../../compiler/shell/shell-parser.js";
import type { ShellParser } from "../../runtime/argv.js";
import fc from "fast-check";
import { referenceDecide, type ReferenceModel } from "../../compiler/reference/index.js";
import type { SessionEvent } from "../../runtime/types.js";
import { counterfactuals, counterfactualJson } from "../../compiler/analysis/counterfactual.js";
import { schemaValidator } from "../../compiler/json/validate.js";
import { smallCatalog } from "../support/small-catalog.js";
import { policySource, event } from "../support/generators.js";
import { prepare, type Prepared } from "../fuzz/compare.js";
import { expectEqual, expectSame } from "../support/quick-expect.js";

const catalog = smallCatalog();
// The runtime (through the analysis) and the reference evaluator split shell lines with the same parser.
let shell: ShellParser | undefined;
beforeAll(async () => { shell = await loadShellParser(); });

interface Edit { target: "event" | "policy" | "facts"; field?: string; value?: unknown; remove?: boolean; policy?: string; status?: string }

function build(src: string, drafts: boolean): Prepared {
  const p = prepare(src, drafts, catalog);
  if (typeof p === "string") throw new Error(p);
  return p;
}

/** Sets a dotted field of the event (a copy), as a user of the JSON would. */
function setField(ev: SessionEvent, field: string, e: Edit): SessionEvent {
  const copy = JSON.parse(JSON.stringify(ev)) as Record<string, unknown>;
  if (field === "call.type" && e.value === "cli") return ev; // needs a command line: checked through the library only
  const path = field.split(".");
  let o = copy;
  for (const p of path.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
  if (e.remove) delete o[path[path.length - 1]!]; else o[path[path.length - 1]!] = e.value;
  return copy as unknown as SessionEvent;
}

/** The effect with some edits applied; undefined when an edit cannot be applied here. */
function effectWith(universe: ReferenceModel, active: ReadonlySet<string>, ev: SessionEvent, edits: readonly Edit[]): string | undefined {
  const on = new Set(active);
  let e = ev;
  for (const x of edits) {
    if (x.target === "facts") return undefined;
    if (x.target === "policy") { if (x.status === "active") on.add(x.policy!); else on.delete(x.policy!); continue; }
    if (x.field === "call.type") return undefined;
    e = setField(e, x.field!, x);
  }
  return referenceDecide({ ...universe, shell, policies: universe.policies.filter((p) => on.has(p.id)) }, e).effect;
}

describe("counterfactuals", () => {
  it("flip the decision when applied, and no longer do with any one edit left out", () => {
    const validate = schemaValidator("explain.schema.json");
    let applied = 0, reported = 0;
    fc.assert(fc.property(policySource, fc.array(event, { minLength: 4, maxLength: 4 }), (src, evs) => {
      const p = build(src, false), all = build(src, true);
      const active = new Set(p.model.policies.map((x) => x.id));
      for (const ev of evs) {
        const before = referenceDecide({ ...p.model, shell }, ev).effect;
        const r = counterfactuals(p.bundle, ev, { universe: all.bundle });
        expect(r.counterfactuals.length).toBeLessThanOrEqual(5);
        const sizes = r.counterfactuals.map((c) => c.changes.length);
        expectEqual(sizes, [...sizes].sort((a, b) => a - b));
        for (const c of r.counterfactuals) {
          reported++;
          const j = counterfactualJson(r.atoms, c);
          expectSame(validate({ effect: before, policy: null, reason: "", matched: [], alerts: [], sanitize: [], approvers: [], hidden: false, revision: "", counterfactuals: [j] }), true, () => JSON.stringify(validate.errors));
          const edits = j.edits as Edit[];
          const got = effectWith(all.model, active, ev, edits);
          if (got === undefined) continue;
          applied++;
          expectSame(got, c.outcome.effect, () => `${src}\n${JSON.stringify(ev)}\n${j.text}`);
          expect(got).not.toBe(before);
          edits.forEach((_, n) => expectSame(effectWith(all.model, active, ev, edits.filter((_, m) => m !== n)), before, () => `${j.text} without edit ${n}`));
        }
      }
    }), { numRuns: 200, seed: 31 });
    expect(applied).toBeGreaterThan(200);
    expect(reported).toBeGreaterThan(applied / 2);
  }, 300_000);
});
