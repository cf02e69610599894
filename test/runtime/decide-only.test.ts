/**
 * The decide-only entry (`<package>/runtime/decide-only`, runtime/decide-only.ts), bundled on its
 * own by esbuild as a host would ship it (so nothing of the full runtime is loaded beside it):
 * its size, that it decides every stateless bundle exactly as the full runtime, and that a
 * bundle or call needing the full runtime gets a clear `block`, never another decision.
 */
import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import * as esbuild from "esbuild";
import { createEnforcer } from "../../runtime/index.js";
import { CALL_KINDS } from "../../runtime/conditions.js";
import type { Bundle, CExpr, Decision } from "../../runtime/types.js";
import { smallCatalog } from "../support/small-catalog.js";
import { policySource, event } from "../support/generators.js";
import { prepare, view } from "../fuzz/compare.js";

/** The entry's budget, minified + gzip -9 (docs/runtime.md; the target is 10 KB). */
const BUDGET = 20.5 * 1024;

type Entry = typeof import("../../runtime/decide-only.js");
let entry: Entry;
let code: Uint8Array;

beforeAll(async () => {
  const r = await esbuild.build({ entryPoints: ["runtime/decide-only.ts"], bundle: true, minify: true, format: "esm", platform: "neutral", write: false, logLevel: "silent" });
  code = r.outputFiles[0]!.contents;
  entry = (await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`)) as Entry;
});

const catalog = smallCatalog();

function kindsOf(e: CExpr, out: string[] = []): string[] {
  out.push(e.k);
  if (e.k === "and" || e.k === "or") for (const x of e.items) kindsOf(x, out);
  else if (e.k === "not") kindsOf(e.x, out);
  return out;
}

/** Does the bundle need the full runtime (a kind the decide-only entry leaves out, a response or message policy)? */
const needsFull = (b: Bundle): boolean =>
  b.policies.some((p) => !["tool_call", "agent_discovered"].includes(p.trigger) || p.ifs.some((i) => kindsOf(i.expr).some((k) => !CALL_KINDS.has(k))));

const isCli = (d: Decision) => /^command lines are decided by the full runtime \(policy-toolchain\/runtime\)/.test(d.reason);

describe("the decide-only entry", () => {
  it(`is at most ${BUDGET / 1024} KB minified + gzip, with no session store, observe or command-line parser in it`, () => {
    const gz = gzipSync(code, { level: 9 }).length;
    expect(gz).toBeLessThanOrEqual(BUDGET);
    const text = Buffer.from(code).toString("utf8");
    for (const absent of ["session store", "observe(", "sh -c", "MemoryStore"]) expect(text.includes(absent), absent).toBe(false);
  });

  it("decides every stateless bundle exactly as the full runtime (random policy sets and events)", () => {
    let decided = 0, refused = 0;
    fc.assert(fc.property(policySource, fc.array(event, { minLength: 10, maxLength: 10 }), (src, evs) => {
      const p = prepare(src, false, catalog);
      if (typeof p === "string") return;
      const full = createEnforcer(p.bundle), lite = entry.createEnforcer(p.bundle);
      if (needsFull(p.bundle)) {
        refused++;
        expect(lite.problem).toMatch(/^bundle rejected: this bundle needs the full runtime \(import \{ createEnforcer \} from "policy-toolchain\/runtime"\): policy "/);
        for (const ev of evs) expect(lite.decide(ev)).toMatchObject({ effect: "block", reason: lite.problem, policy: null });
        return;
      }
      expect(lite.problem).toBeUndefined();
      for (const ev of evs) {
        const d = lite.decide(ev);
        if (ev.call?.type === "cli" || isCli(d)) { expect(d.effect, JSON.stringify(ev)).toBe("block"); expect(isCli(d)).toBe(true); continue; }
        decided++;
        expect(view(d), `event ${JSON.stringify(ev)}\n--- policies ---\n${src}`).toEqual(view(full.decide(ev)));
      }
    }), { numRuns: Number(process.env.DIFF_RUNS ?? 150), seed: 20261203 });
    expect(decided).toBeGreaterThan(500);
    expect(refused).toBeGreaterThan(0);
  }, 120_000);

  it("refuses a bundle with a session condition at load, naming the policy and the full entry", () => {
    const p = prepare('policy "Limit" {\n  id limit\n  if rate(1m) > 3\n  action block\n}\n', false, catalog);
    if (typeof p === "string") throw new Error(p);
    const lite = entry.createEnforcer(p.bundle);
    expect(lite.problem).toBe('bundle rejected: this bundle needs the full runtime (import { createEnforcer } from "policy-toolchain/runtime"): policy "limit" (gen.policy:1) has `rate(1m) > 3` (a rate condition)');
    const d = lite.decide({ type: "tool_call_request", session_id: "s", agent: { name: "A" }, call: { type: "mcp", integration: "alpha", tool: "get_item", args: {} } });
    expect(d).toMatchObject({ effect: "block", policy: null, reason: lite.problem });
  });

  it("blocks a tampered bundle and a bad event with a reason, never throwing", () => {
    const p = prepare('policy "No delete" {\n  id no-delete\n  if operation is Delete\n  action block\n}\n', false, catalog);
    if (typeof p === "string") throw new Error(p);
    const tampered = JSON.parse(JSON.stringify(p.bundle)) as { policies: { effect: string }[] };
    tampered.policies[0]!.effect = "allow";
    expect(entry.createEnforcer(tampered).decide({ type: "agent_discovered", agent: { name: "A" } })).toMatchObject({ effect: "block", reason: expect.stringMatching(/^bundle rejected: .*revision/) });
    const lite = entry.createEnforcer(p.bundle);
    expect(lite.decide(null)).toMatchObject({ effect: "block", reason: "invalid event: the event is not a JSON object" });
    expect(lite.decide({ type: "tool_call_response", call_id: "c" }).reason).toMatch(/^decide\(\) takes tool_call_request and agent_discovered events/);
    expect(lite.decide({ type: "tool_call_request", session_id: "s", agent: { name: "A" }, call: { type: "mcp", integration: "alpha", tool: "delete_item", args: {} } })).toMatchObject({ effect: "block", policy: { id: "no-delete" } });
  });

  it("the full runtime bundled on its own still decides the kinds it registers (a rate limit)", async () => {
    const r = await esbuild.build({ entryPoints: ["runtime/index.ts"], bundle: true, minify: true, format: "esm", platform: "neutral", write: false, logLevel: "silent" });
    const full = (await import(`data:text/javascript;base64,${Buffer.from(r.outputFiles[0]!.contents).toString("base64")}`)) as typeof import("../../runtime/index.js");
    const p = prepare('policy "Limit" {\n  id limit\n  if rate(1m) > 1\n  action block\n}\n', false, catalog);
    if (typeof p === "string") throw new Error(p);
    const enf = full.createEnforcer(JSON.parse(JSON.stringify(p.bundle)));
    const ev = (i: number) => ({ type: "tool_call_request", session_id: "s", ts: `2026-12-03T10:00:0${i}Z`, agent: { name: "A" }, call: { type: "mcp", integration: "alpha", tool: "get_item", args: {} } });
    expect([0, 1, 2].map((i) => enf.decide(ev(i)).policy?.id ?? null)).toEqual([null, "limit", "limit"]);
  });

  it("is exported as policy-toolchain/runtime/decide-only", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { exports: Record<string, string> };
    expect(pkg.exports["./runtime/decide-only"]).toBe("./dist/runtime/decide-only.js");
  });
});
