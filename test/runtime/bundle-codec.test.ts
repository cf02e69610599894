/**
 * The compact on-disk form of a bundle (runtime/bundle-codec.ts): decoding what `policy build`
 * writes gives back the bundle built in memory, an enforcer decides the same from either, the
 * revision is checked on the compact form, and a malformed compact document is refused with a
 * reason (never decoded into something else).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { gzipSync } from "node:zlib";
import { createEnforcer } from "../../runtime/index.js";
import { decodeBundle, encodeBundle, isBundleFile, type BundleFile } from "../../runtime/bundle-codec.js";
import { bundleProblem, loadBundle } from "../../runtime/bundle-check.js";
import { contentRevision } from "../../runtime/revision.js";
import { serializeBundle, validateBundle } from "../../compiler/emit/index.js";
import type { Bundle } from "../../runtime/types.js";
import { smallCatalog } from "../support/small-catalog.js";
import { policySource, event } from "../support/generators.js";
import { prepare } from "../fuzz/compare.js";

const catalog = smallCatalog();

function built(src: string): Bundle {
  const p = prepare(src, true, catalog);
  if (typeof p === "string") throw new Error(p);
  return p.bundle;
}

const SRC = [
  'policy "No delete" {\n  id no-delete\n  priority 1\n  if operation is Delete\n  if agent is "A"\n  action block "no"\n}\n',
  'policy "Reads" {\n  id reads\n  if operation is Delete\n  if agent is "A"\n  action allow\n}\n',
  'policy "Alert" {\n  id alert\n  if tool is alpha.send_note\n  action alert "note sent" to "#sec"\n}\n',
].join("\n");

describe("the compact bundle", () => {
  it("decodes to the bundle built in memory, and an enforcer decides the same from either (random policy sets and events)", () => {
    fc.assert(fc.property(policySource, fc.array(event, { minLength: 5, maxLength: 5 }), (src, evs) => {
      const p = prepare(src, true, catalog);
      if (typeof p === "string") return;
      const text = serializeBundle(p.bundle);
      const file = JSON.parse(text) as unknown;
      expect(isBundleFile(file)).toBe(true);
      expect(validateBundle(file)).toEqual([]);
      const r = loadBundle(file);
      if ("problem" in r) throw new Error(r.problem);
      expect(r.bundle).toEqual(p.bundle);
      expect(JSON.stringify(encodeBundle(r.bundle))).toBe(text.trimEnd());
      const a = createEnforcer(p.bundle), b = createEnforcer(file);
      for (const ev of evs) expect(b.decide(ev)).toEqual(a.decide(ev));
    }), { numRuns: 150, seed: 20261203 });
  }, 120_000);

  it("writes each distinct if line once, policies as columns and the index delta-encoded", () => {
    const b = built(SRC);
    const f = encodeBundle(b);
    expect(f.conditions.map(([text]) => text)).toEqual(["operation is Delete", 'agent is "A"', "tool is alpha.send_note"]);
    expect(f.policies["ifs"]).toEqual([[0, 1], [0, 1], [2]]);
    expect(f.policies["id"]).toEqual(["no-delete", "reads", "alert"]);
    expect(f.policies["effect"]).toEqual(["block", "allow", null]);
    expect(f.policies["version"]).toBeUndefined();
    const lists = (b.index.tool_call.tools as Record<string, readonly number[]>)["alpha.delete_item"]!;
    expect((f.index["tool_call"] as { tools: Record<string, number[]> }).tools["alpha.delete_item"]).toEqual(lists.map((x, i) => (i ? x - lists[i - 1]! : x)));
    expect(decodeBundle(f)).toEqual(b);
  });

  it("is smaller: at 1,000 policies its gzip is under 60 % of the per-policy form's", () => {
    const src = Array.from({ length: 1000 }, (_, i) => `policy "P ${i}" {\n  id p${i}\n  if tool is alpha.get_item\n  if args.name is "x${i % 7}"\n  action block "no"\n}\n`).join("\n");
    const b = built(src);
    const plain = gzipSync(JSON.stringify(b)).length, compact = gzipSync(serializeBundle(b)).length;
    expect(compact).toBeLessThan(plain * 0.6);
  }, 60_000);

  it("checks the revision on the compact form: an edited condition, column or index is refused", () => {
    const f = JSON.parse(serializeBundle(built(SRC))) as { conditions: [string, { k: string; ops?: string[] }][]; policies: Record<string, unknown[]>; index: { tool_call: { tools: Record<string, number[]> } } };
    expect(bundleProblem(f)).toBeUndefined();
    const edits: ((x: typeof f) => void)[] = [
      (x) => { x.conditions[0]![1].ops = ["Read"]; },
      (x) => { x.policies["effect"]![0] = "allow"; },
      (x) => { x.index.tool_call.tools["alpha.delete_item"]![0] = 2; },
    ];
    for (const edit of edits) {
      const x = structuredClone(f);
      edit(x);
      expect(bundleProblem(x)).toMatch(/is not the hash of the content/);
      expect(createEnforcer(x).decide({ type: "agent_discovered", agent: { name: "A" } })).toMatchObject({ effect: "block", reason: expect.stringMatching(/^bundle rejected: revision/) });
    }
  });

  it("keeps a `__proto__` key of the document as data: the decoded bundle inherits nothing from it", () => {
    const text = serializeBundle(built(SRC)).replace('"tools":', '"__proto__":{"default":{"Read":"block","Write":"block","Delete":"block","Unknown":"block","form":"single"}},"tools":');
    const doc = JSON.parse(text) as Record<string, unknown>;
    const stamped = { ...doc, revision: contentRevision(doc) };
    Object.defineProperty(stamped, "__proto__", { value: doc["__proto__"], enumerable: true, writable: true, configurable: true });
    const r = loadBundle(stamped);
    if ("problem" in r) return; // refused is fine too; what must not happen is a bundle that inherits
    expect(Object.getPrototypeOf(r.bundle)).toBe(Object.prototype);
    expect(r.bundle.default).toBeUndefined();
  });

  it("refuses a malformed compact document with a reason, even with a matching revision", () => {
    const good = JSON.parse(serializeBundle(built(SRC))) as BundleFile & { policies: Record<string, unknown[]> };
    const cases: [string, (x: Record<string, unknown> & { policies: Record<string, unknown[]>; conditions: unknown[] }) => void, RegExp][] = [
      ["an if line pointing at no condition", (x) => { x.policies["ifs"]![0] = [0, 9]; }, /policies\.ifs: an if line points at no condition/],
      ["a column of another length", (x) => { x.policies["name"]!.pop(); }, /policies\.name: not a list of one value per policy/],
      ["an unknown column", (x) => { x.policies["weight"] = [1, 2, 3]; }, /policies\.weight: unknown field/],
      ["a required column missing", (x) => { delete x.policies["scope"]; }, /policies\.scope: missing/],
      ["a condition that is not [text, condition]", (x) => { x.conditions[0] = { text: "t" }; }, /conditions: each must be \[text, condition\]/],
      ["an unknown condition kind", (x) => { (x.conditions[0] as [string, { k: string }])[1] = { k: "quantum" }; }, /unknown condition kind "quantum"/],
    ];
    for (const [what, edit, reason] of cases) {
      const x = structuredClone(good) as unknown as Parameters<typeof edit>[0];
      edit(x);
      const stamped = { ...x, revision: contentRevision(x as { revision?: unknown }) };
      expect(bundleProblem(stamped), what).toMatch(reason);
    }
  });
});
