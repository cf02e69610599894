/**
 * Regression fixtures (test/fixtures/regressions/*.json): each bug found by the fuzzers or the
 * hardening work, kept as policy source + event + the expected decision. `npm run fuzz -- --save`
 * writes new ones. Fields: `source`, `event`, `expected` (a subset of the decision: effect, policy,
 * matched, alerts, sanitize, approvers, hidden), optional `reason` (a regex), `includeDrafts`,
 * `catalog` ("small", the default, or "builtin"). With the small catalog the reference evaluator
 * must agree too.
 */
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { checkProject } from "../../compiler/check/index.js";
import { loadCatalog } from "../../compiler/catalog/load.js";
import { createEnforcer } from "../../runtime/index.js";
import type { SessionEvent } from "../../runtime/types.js";
import { buildBundle } from "../../compiler/emit/index.js";
import { smallCatalog } from "../support/small-catalog.js";
import { compareEvent, prepare } from "../fuzz/compare.js";

interface Fixture {
  readonly description: string;
  readonly source: string;
  readonly event: SessionEvent;
  readonly expected: Record<string, unknown>;
  readonly reason?: string;
  readonly includeDrafts?: boolean;
  readonly catalog?: "small" | "builtin";
}

const dir = new URL("../fixtures/regressions/", import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
const catalogs = { small: smallCatalog(), builtin: loadCatalog().catalog };

describe("regression fixtures", () => {
  it("there are fixtures", () => expect(files.length).toBeGreaterThan(0));
  for (const f of files) {
    const fx = JSON.parse(readFileSync(new URL(f, dir), "utf8")) as Fixture;
    it(`${f}: ${fx.description.split(".")[0]}`, () => {
      const catalog = catalogs[fx.catalog ?? "small"];
      const project = checkProject([{ file: "fixture.policy", text: fx.source }], catalog);
      expect(project.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const d = createEnforcer(buildBundle(project, { includeDrafts: !!fx.includeDrafts })).decide(fx.event);
      expect(d).toMatchObject(fx.expected);
      if (fx.reason) expect(d.reason).toMatch(new RegExp(fx.reason));
      if ((fx.catalog ?? "small") === "small" && !d.reason.startsWith("invalid event")) {
        const p = prepare(fx.source, !!fx.includeDrafts, catalog);
        if (typeof p === "string") throw new Error(p);
        expect(compareEvent(p, fx.event)).toBeUndefined();
      }
    });
  }
});
