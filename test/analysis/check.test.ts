/**
 * The `policy check` analyses (PDL4020–4022) on small projects, and a property: a policy reported
 * as never deciding is never the deciding policy of any generated event (reference evaluator).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadShellParser } from "../../compiler/shell/shell-parser.js";
import type { ShellParser } from "../../runtime/argv.js";
import fc from "fast-check";
import { checkProject } from "../../compiler/check/index.js";
import { analyzeProject } from "../../compiler/analysis/check.js";
import { referenceDecide } from "../../compiler/reference/index.js";
import { selectPolicies } from "../../compiler/emit/index.js";
import { smallCatalog } from "../support/small-catalog.js";
import { policySource, event } from "../support/generators.js";

const catalog = smallCatalog();
let shell: ShellParser | undefined;
beforeAll(async () => { shell = await loadShellParser(); });
const analyze = (src: string) => {
  const p = checkProject([{ file: "a.policy", text: src }], catalog);
  expect(p.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return { project: p, found: analyzeProject(p) };
};
const pol = (id: string, lines: string[], action: string, extra = "") => `policy "${id}" {\n  id ${id}\n${extra}${lines.map((l) => `  if ${l}\n`).join("")}  action ${action}\n}\n`;

describe("policy check analyses", () => {
  it("policies on what comes back decide no call: neither never-deciding nor leaving tools undecided", () => {
    const { found } = analyze([
      pol("withhold", ["tool is alpha.create_item", "result is error"], "block", "  when tool_response\n"),
      pol("mask", ["tool is alpha.create_item"], "sanitize [result.content]", "  when tool_response\n"),
      pol("allow-create", ["tool is alpha.create_item"], "allow"),
      "default allow\n",
    ].join("\n"));
    expect(found.map((d) => d.code)).toEqual([]);
  });

  it("two same-priority blocks that differ only in their reason are not an order tie (PDL4022)", () => {
    const { found } = analyze([
      pol("b1", ["tool is alpha.create_item", 'agent is "B"'], 'block "one"'),
      pol("b2", ["tool is alpha.create_item", 'agent is "B"'], 'block "two"'),
      pol("a1", ["tool is alpha.create_item", 'agent is "A"'], 'require_approval "x" from [technician]', "  priority 5\n"),
      pol("a2", ["tool is alpha.create_item", 'agent is "A"'], 'require_approval "y" from [manager]', "  priority 5\n"),
    ].join("\n"));
    expect(found.filter((d) => d.code === "PDL4022").map((d) => d.message.slice(0, 40))).toEqual(['"a1" and "a2" (both priority 5) decide t']);
  });

  it("names the set of policies that shadows a policy, with the calls (PDL4020)", () => {
    const { project, found } = analyze([
      pol("block-a", ["integration is alpha", "agent is \"A\""], "block"),
      pol("block-others", ["integration is alpha", "agent is not \"A\""], "block"),
      pol("allow-create", ["tool is alpha.create_item"], "allow"),
      "default allow\n",
    ].join("\n"));
    expect(project.diagnostics.filter((d) => d.code === "PDL4001")).toEqual([]);
    const d = found.filter((x) => x.code === "PDL4020");
    expect(d.map((x) => x.message)).toEqual([
      "the allow of \"allow-create\" never decides: wherever it matches, another policy wins — \"block-a\" decides alpha.create_item when agent is \"A\" · \"block-others\" decides alpha.create_item when agent is not \"A\"",
    ]);
    expect(d[0]!.severity).toBe("warning");
  });

  it("says when a policy matches no call at all", () => {
    const { found } = analyze(pol("never", ["agent is \"A\"", "agent is \"B\""], "block") + "default allow\n");
    expect(found.map((x) => x.message)).toEqual(["the block of \"never\" never decides: it matches no call of the catalog"]);
  });

  it("does not claim a policy never decides where it cannot prove it (content is opaque)", () => {
    const { found } = analyze([
      pol("block-secret", ["integration is alpha", "body contains any [\"secret\"]"], "block"),
      pol("allow-clean", ["tool is alpha.create_item", "not (body contains any [\"secret\"])"], "allow"),
      pol("allow-args", ["tool is alpha.create_item", "args.name matches \"a*\"", "args.name matches \"*b\""], "allow", "  priority 50\n"),
      "default block\n",
    ].join("\n"));
    // allow-clean decides where the content is clean; allow-args where its globs both hold ("ab"),
    // a value the candidates do not build: unknown, so possible.
    expect(found.filter((x) => x.code === "PDL4020")).toEqual([]);
  });

  it("lists the tools of a named integration that nothing decides (PDL4021), unless there is a default", () => {
    const src = pol("deletes", ["tool is alpha.delete_item"], "require_approval") + pol("beta-reads", ["integration is beta", "agent is \"A\""], "allow");
    const { found } = analyze(src);
    expect(found.filter((x) => x.code === "PDL4021").map((x) => x.message)).toEqual([
      "3 tools of alpha are decided by no policy and no default (allowed implicitly): alpha.create_item, alpha.get_item, alpha.send_note",
    ]);
    expect(analyze(src + "default allow\n").found.filter((x) => x.code === "PDL4021")).toEqual([]);
  });

  it("finds two same-priority policies that only source order separates (PDL4022)", () => {
    const a = pol("mgr", ["integration is alpha", "operation is Delete"], "require_approval \"ask a manager\" from [manager]");
    const b = pol("tech", ["tool is alpha.delete_item", "agent is \"A\""], "require_approval \"ask a technician\" from [technician]");
    const { found } = analyze(a + b + "default allow\n");
    const d = found.filter((x) => x.code === "PDL4022");
    expect(d.map((x) => x.message)).toEqual(["\"mgr\" and \"tech\" (both priority 100) decide the same calls differently and only source order picks \"mgr\": alpha.delete_item when agent is \"A\""]);
    expect(d[0]!.related?.[0]?.message).toBe("the policy that wins by source order");
    expect(analyze(a + b.replace("  if tool", "  priority 50\n  if tool") + "default allow\n").found.filter((x) => x.code === "PDL4022")).toEqual([]);
  });

  it("never reports a policy that decides some generated event", () => {
    fc.assert(fc.property(policySource, fc.array(event, { minLength: 20, maxLength: 20 }), (src, evs) => {
      const p = checkProject([{ file: "gen.policy", text: src }], catalog);
      const never = analyzeProject(p).filter((d) => d.code === "PDL4020").map((d) => p.policies.find((x) => x.ast.name.span.start === d.span.start && x.file === d.span.file)!.id);
      if (!never.length) return;
      const model = { policies: selectPolicies(p), ...(p.default ? { default: p.default } : {}), ...(p.defaults ? { defaults: p.defaults } : {}), detectors: p.detectors, catalog, shell };
      for (const ev of evs) expect(never).not.toContain(referenceDecide(model, ev).policy);
    }), { numRuns: 150, seed: 4020 });
  }, 300_000);
});
