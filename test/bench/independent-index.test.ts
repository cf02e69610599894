/**
 * The bench's independent simple index (bench/independent.ts): it shares no code with runtime/ or
 * compiler/, and it decides the bench workload exactly as our runtime does (effect and deciding
 * policy), so `npm run bench` can time it against ours.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadCatalog } from "../../compiler/catalog/load.js";
import type { CatalogJson } from "../../compiler/catalog/types.js";
import { checkProject } from "../../compiler/check/index.js";
import { buildBundle, serializeBundle } from "../../compiler/emit/index.js";
import { createEnforcer } from "../../runtime/index.js";
import type { SessionEvent } from "../../runtime/types.js";
import { catalogJson, makeEvents, makeIntegrations, makePolicies, policySources } from "../../bench/workload.js";
import { independentIndex, parseLine } from "../../bench/independent.js";

const DEFAULTS = { Read: "allow", Write: "allow", Delete: "require_approval", Unknown: "block" } as const;

describe("the independent simple index", () => {
  it("imports nothing from runtime/ or compiler/", () => {
    const src = readFileSync(new URL("../../bench/independent.ts", import.meta.url), "utf8");
    const imports = [...src.matchAll(/^import .* from "([^"]+)"/gm)].map((m) => m[1]);
    expect(imports.every((p) => p === "./workload.js")).toBe(true);
  });

  it("agrees with our runtime on every event of the bench workload (400 policies, 20,000 events)", () => {
    const integrations = makeIntegrations();
    const { catalog } = loadCatalog([], { builtin: false });
    catalog.add(catalogJson(integrations) as CatalogJson, "bench");
    const policies = makePolicies(400, 3, integrations);
    const enf = createEnforcer(JSON.parse(serializeBundle(buildBundle(checkProject(policySources(policies), catalog)))));
    const indep = independentIndex(policies.map((p) => p.rule), integrations, DEFAULTS);
    const events = makeEvents(20_000, 5, integrations);
    const effects = new Set<string>();
    let decidedByPolicy = 0;
    for (const e of events) {
      const d = enf.decide(e as unknown as SessionEvent), o = indep(e as never);
      expect(`${o.effect}:${o.policy}`, JSON.stringify(e)).toBe(`${d.effect}:${d.policy?.id ?? null}`);
      effects.add(d.effect);
      if (d.policy) decidedByPolicy++;
    }
    // The workload exercises every effect and mostly policy-decided outcomes: agreement is not vacuous.
    expect([...effects].sort()).toEqual(["allow", "block", "require_approval"]);
    expect(decidedByPolicy).toBeGreaterThan(events.length / 4);
  }, 60_000);

  it("reads the workload's condition lines as the language does", () => {
    const call = { integration: "repo", name: "delete_branch_v2", key: "repo.delete_branch_v2", known: false, op: "Unknown", cli: false, args: { tags: ["prod"], limit: 500 }, texts: ["a CONFIDENTIAL note"] } as never;
    const ev = { agent: { name: "Cursor" }, call: {} } as never;
    expect(parseLine('tool matches "delete_*"')(call, ev)).toBe(true);
    expect(parseLine("args.visibility is not public")(call, ev)).toBe(true);
    expect(parseLine('args.tags contains "prod"')(call, ev)).toBe(true);
    expect(parseLine("args.limit > 500")(call, ev)).toBe(false);
    expect(parseLine("args.limit >= 500")(call, ev)).toBe(true);
    expect(parseLine("agent.review_status is Unreviewed")(call, ev)).toBe(true);
    expect(parseLine('not (args.visibility is internal or args.tags contains "prod")')(call, ev)).toBe(false);
    expect(parseLine("data_class in [PII, INTERNAL]")(call, ev)).toBe(true);
    expect(() => parseLine("args.x frobnicates 3")).toThrow(/cannot read/);
  });
});
