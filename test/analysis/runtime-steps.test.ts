/**
 * The analyses on what the runtime applies beside the policies: an ambiguous path blocks before
 * any policy (no counterfactuals, a literal of its own in diff regions), tool review status from
 * the bundle's reviews and `call.definition_changed`, `default for tenant|agent|integration`, and
 * shell lines of several commands (decided part by part: no counterfactuals from one part).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createEnforcer } from "../../runtime/index.js";
import type { Bundle, SessionEvent } from "../../runtime/types.js";
import { counterfactuals, counterfactualText } from "../../compiler/analysis/counterfactual.js";
import { diffBundles, formatDiff } from "../../compiler/analysis/diff.js";
import { regionText } from "../../compiler/analysis/text.js";
import { loadShellParser } from "../../compiler/shell/shell-parser.js";
import type { ShellParser } from "../../runtime/argv.js";
import { smallCatalog } from "../support/small-catalog.js";
import { prepare } from "../fuzz/compare.js";

const catalog = smallCatalog();
let shell: ShellParser | undefined;
beforeAll(async () => { shell = await loadShellParser(); });

function bundle(src: string): Bundle {
  const p = prepare(src, false, catalog);
  if (typeof p === "string") throw new Error(p);
  return p.bundle;
}

const pol = (id: string, ifs: string[], action: string) => `policy "${id}" {\n  id ${id}\n${ifs.map((l) => `  if ${l}\n`).join("")}  action ${action}\n}\n`;
const mcp = (tool: string, args: Record<string, unknown>, extra: Record<string, unknown> = {}): SessionEvent =>
  ({ type: "tool_call_request", session_id: "s", agent: { name: "A", review_status: "Approved" }, call: { id: "c", type: "mcp", integration: "alpha", tool, args, ...extra } }) as SessionEvent;

describe("analyses and the runtime's own steps", () => {
  it("give no counterfactuals for a call blocked for an ambiguous path, and say why", () => {
    const b = bundle(pol("read-ok", ["tool is alpha.get_item"], "allow"));
    const ev = mcp("get_item", { path: "%2e%2e/x" });
    expect(createEnforcer(b).decide(ev).effect).toBe("block");
    const r = counterfactuals(b, ev);
    expect(r.counterfactuals).toEqual([]);
    expect(r.undecidable).toContain("before any policy ran");
  });

  it("list the ambiguous path as a literal of a changed region", () => {
    const before = bundle(pol("read-ok", ["tool is alpha.get_item"], "allow"));
    const after = bundle(pol("read-ask", ["tool is alpha.get_item"], "require_approval"));
    const t = diffBundles(before, after).targets.find((x) => x.target === "tool:alpha.get_item")!;
    expect(t.regions.map((r) => regionText(t.atoms, r.lits))).toEqual(["every path argument reads one way"]);
  });

  it("read tool.review_status from the bundle's reviews and call.definition_changed", () => {
    const b = bundle(pol("unreviewed-ask", ["tool.review_status is Unreviewed"], "require_approval"));
    const ev = mcp("get_item", {});
    expect(createEnforcer(b).decide(ev).effect).toBe("allow");
    const r = counterfactuals(b, ev);
    expect(r.counterfactuals.map((c) => counterfactualText(r.atoms, c))[0]).toBe("needs approval instead by unreviewed-ask if the tool's definition changed (call.definition_changed = [\"definition\"])");
    const changed = { ...ev, call: { ...ev.call!, definition_changed: ["definition"] } } as SessionEvent;
    expect(createEnforcer(b).decide(changed).effect).toBe("require_approval");
    // A Disallowed tool stays Disallowed whatever changed: no region reads the event there.
    const d = diffBundles(bundle(""), b);
    expect(d.targets.find((x) => x.target === "tool:alpha.delete_item")).toBeUndefined();
    const got = d.targets.find((x) => x.target === "tool:alpha.get_item")!;
    expect(got.regions.map((g) => regionText(got.atoms, g.lits))).toEqual(["every path argument reads one way and the tool's definition changed"]);
  });

  it("decide by the first `default for …` that fits before the project default", () => {
    const before = bundle("default allow\n");
    const after = bundle("default allow\ndefault for tenant \"t2\" block\n");
    const d = diffBundles(before, after);
    const t = d.targets.find((x) => x.target === "tool:beta.list_things")!;
    expect(t.regions.map((g) => `${regionText(t.atoms, g.lits)}: ${g.before.effect} → ${g.after.effect}`)).toEqual(["every path argument reads one way and tenant is \"t2\": allow → block"]);
    expect(formatDiff(d, [after, before])).toContain("a call of several parts");
  });

  it("give no counterfactuals from one command of a shell line of several", () => {
    const b = bundle(pol("no-force", ["tool is gitx.push_force"], "block"));
    const ev = { type: "tool_call_request", session_id: "s", agent: { name: "A" }, call: { id: "c", type: "cli", command: "gitx status && gitx push --force origin main" } } as SessionEvent;
    expect(createEnforcer(b, { shell }).decide(ev).effect).toBe("block");
    const r = counterfactuals(b, ev);
    expect(r.counterfactuals).toEqual([]);
    expect(r.undecidable).toContain("2 parts");
    const one = { ...ev, call: { id: "c", type: "cli", command: ["gitx", "push", "--force", "origin", "main"] } } as SessionEvent;
    expect(counterfactuals(b, one).undecidable).toBeUndefined();
  });
});
