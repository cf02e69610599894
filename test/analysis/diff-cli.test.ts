/**
 * `policy diff` as a user runs it (sources and bundles, text and JSON, exit statuses), and its
 * agreement with `policy replay --against` on the recorded sessions of examples/sessions-recorded.
 */
import { describe, expect, it, beforeAll } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../support/cli.js";
import { schemaValidator } from "../../compiler/json/validate.js";
import { loadProject } from "../../compiler/project.js";
import { buildBundle } from "../../compiler/emit/index.js";
import { replayFiles, type ReplayRecord } from "../../testing/session/replay.js";
import { parseEventLine } from "../../testing/session/read.js";
import { createEnforcer } from "../../runtime/index.js";
import type { Bundle, SessionEvent } from "../../runtime/types.js";
import type { StateSnapshot } from "../../runtime/store.js";
import { diffBundles } from "../../compiler/analysis/diff.js";
import { atomOnEvent, eventFacts } from "../../compiler/analysis/event-atoms.js";

const SEED = readFileSync("examples/seed-000-tool-calls/policies.policy", "utf8");
let dir = "";

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "policy-diff-"));
  mkdirSync(join(dir, "old"));
  mkdirSync(join(dir, "new"));
  writeFileSync(join(dir, "old", "policies.policy"), SEED.replace("  id github-readonly\n", "  id github-readonly\n  status draft\n"));
  writeFileSync(join(dir, "new", "policies.policy"), SEED);
});

describe("policy diff (CLI)", () => {
  it("spells out what a draft promotion changes, and exits 1", async () => {
    const r = await runCli(["diff", join(dir, "old"), join(dir, "new")]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain("github.merge_pull_request");
    // The GitHub tools are not reviewed: before, unreviewed-tool-approval asks for them.
    expect(r.stdout).toContain("agent.review_status is not Unreviewed and tenant is \"tool-calls\": require_approval (unreviewed-tool-approval) → block (github-readonly)");
    expect(r.stdout).not.toContain("github.list_issues");
  });

  it("gives JSON that its schema accepts", async () => {
    const r = await runCli(["diff", join(dir, "old"), join(dir, "new"), "--format", "json"]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    const v = schemaValidator("diff.schema.json");
    expect(v(doc), JSON.stringify(v.errors)).toBe(true);
    const merge = doc.targets.find((t: { target: string }) => t.target === "tool:github.merge_pull_request");
    expect(merge.regions).toEqual([expect.objectContaining({ before: { effect: "require_approval", policy: "unreviewed-tool-approval" }, after: { effect: "block", policy: "github-readonly" } })]);
    expect(merge.regions[0].when).toContainEqual(expect.objectContaining({ condition: "agent.review_status is Unreviewed", holds: false, field: "agent.review_status" }));
  });

  it("finds nothing between a set and itself (exit 0), with sources or bundles", async () => {
    const same = await runCli(["diff", join(dir, "new"), join(dir, "new")]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout.trim()).toBe("no decision changes");
    const b1 = join(dir, "old.json"), b2 = join(dir, "new.json");
    expect((await runCli(["build", join(dir, "old"), "-o", b1])).code).toBe(0);
    expect((await runCli(["build", join(dir, "new"), "-o", b2])).code).toBe(0);
    expect((await runCli(["diff", b2, b2])).code).toBe(0);
    const mixed = await runCli(["diff", b1, join(dir, "new")]);
    expect(mixed.code).toBe(1);
    expect(mixed.stdout).toContain("→ block (github-readonly)");
  });

  it("rejects input it cannot read or build (exit 2)", async () => {
    const missing = await runCli(["diff", join(dir, "nope"), join(dir, "new")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("nope");
    writeFileSync(join(dir, "bad.policy"), "policy \"x\" {\n  if integration is Githb\n  action block\n}\n");
    const bad = await runCli(["diff", join(dir, "bad.policy"), join(dir, "new")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("PDL2001");
  });
});

const RECORDED = "examples/sessions-recorded";
const SESSIONS = ["coding-agent-git.jsonl", "msp-agent.jsonl", "triage-github.jsonl", "triage-release-day.jsonl"].map((f) => join(RECORDED, f));

function bundleOf(text: string): Bundle {
  const d = mkdtempSync(join(tmpdir(), "policy-diff-rec-"));
  writeFileSync(join(d, "recorded.policy"), text);
  const loaded = loadProject([d]);
  // Inline tests of a variant may name a policy it dropped (PDL6xxx): they are not what is compared.
  expect(loaded.project.diagnostics.filter((x) => x.severity === "error" && !x.code.startsWith("PDL6"))).toEqual([]);
  return buildBundle(loaded.project);
}

/** The session state each decision of a file was made with, in order (one enforcer per file, as replay). */
function statesOf(b: Bundle, file: string): (StateSnapshot | undefined)[] {
  const out: (StateSnapshot | undefined)[] = [];
  const e = createEnforcer(b, { trace: (t) => out.push(t.state) });
  for (const line of readFileSync(file, "utf8").split("\n").filter((l) => l.trim())) {
    const p = parseEventLine(line);
    if (!("event" in p)) continue;
    const ev: SessionEvent = p.event;
    if (ev.type === "tool_call_request" || ev.type === "agent_discovered") e.decide(ev); else e.observe(ev);
  }
  return out;
}

describe("policy diff agrees with replay --against on recorded sessions", () => {
  const base = readFileSync(join(RECORDED, "recorded.policy"), "utf8");
  const variants: Record<string, string> = {
    "a default by operation": base + "\ndefault by operation { Read: allow  Write: require_approval  Delete: block  Unknown: block }\n",
    "a priority changed": base.replace("priority 50", "priority 100"),
    "a policy dropped": base.replace(/policy "Unknown tools need approval" \{[^}]*\}/, ""),
    "a block added": base + "\npolicy \"No comments\" {\n  id no-comments\n  if tool is github.add_issue_comment\n  action block\n}\n",
  };
  for (const [name, text] of Object.entries(variants)) {
    it(`with ${name}`, async () => {
      const before = bundleOf(base), after = bundleOf(text);
      const diff = diffBundles(before, after);
      let checked = 0, changed = 0;
      for (const file of SESSIONS) {
        const sa = statesOf(after, file), sb = statesOf(before, file);
        const records: ReplayRecord[] = [];
        await replayFiles([file], after, (r) => { if (r.kind === "decision") records.push(r); }, { against: before });
        records.forEach((r, n) => {
          const fa = eventFacts(after, r.event, sa[n]), fb = eventFacts(after, r.event, sb[n]);
          const t = diff.targets.find((x) => x.target === fa.target);
          const inA = !!t?.regions.some((g) => g.lits.every(([i, v]) => atomOnEvent(t.atoms.atoms[i]!.x, fa, new Set()) === v));
          const inB = !!t?.regions.some((g) => g.lits.every(([i, v]) => atomOnEvent(t.atoms.atoms[i]!.x, fb, new Set()) === v));
          // Both sides saw the same history as far as the regions can tell: replay must agree with the diff.
          if (inA !== inB) return;
          checked++;
          if (r.changed) changed++;
          expect(inA, `${file}:${r.line} ${JSON.stringify(r.event)}`).toBe(!!r.changed);
        });
      }
      expect(checked).toBeGreaterThan(40);
      if (name !== "a priority changed") expect(changed).toBeGreaterThan(0);
    }, 120_000);
  }
});
