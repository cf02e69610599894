/**
 * The monitor's screen of one decision shows what would have given another effect: the same lines
 * `policy explain` prints, as inert text, when the console has the bundle that decided it and the
 * recorded call; nothing without the bundle; a note instead when the logged decision needed the
 * session's history (the screen decides on an empty one).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { eventBody, type EventData } from "../../console/pages/monitor.js";
import { loadShellParser } from "../../compiler/shell/shell-parser.js";
import type { Bundle } from "../../runtime/types.js";
import { buildBundleFile } from "../enforce/helpers.js";
import { runCli } from "../support/cli.js";

const POLICIES = `
policy "No secret repos" {
  id no-secrets
  if tool is github.create_issue
  if args.repo matches "secrets-*"
  action block "not in secret repos"
}
default allow
`;
const work = mkdtempSync(path.join(tmpdir(), "console-counterfactuals-"));
const AGENT = "<img src=x onerror=alert(1)>";
const event = { type: "tool_call_request", session_id: "s1", seq: 1, ts: "2026-12-03T10:00:01.000Z", agent: { name: AGENT }, call: { id: "c1", type: "mcp", integration: "github", tool: "create_issue", args: { owner: "acme", repo: "secrets-<b>prod</b>", title: "t" } } };
let bundle: Bundle, bundleFile: string;

beforeAll(async () => {
  await loadShellParser();
  ({ bundle, file: bundleFile } = buildBundleFile(work, "gh", POLICIES, []));
});

function data(o: { effect: string; policy: string | null; withBundle?: boolean }): EventData {
  const rec = { type: "decision", ts: event.ts, session_id: "s1", seq: 1, call_id: "c1", agent: event.agent, event: "tool_call_request", integration: "github", tool: "create_issue", effect: o.effect, policy: o.policy, reason: "r", revision: bundle.revision, outcome: "blocked", decision: { effect: o.effect, policy: o.policy ? { id: o.policy } : null, matched: o.policy ? [{ id: o.policy, name: o.policy }] : [] } };
  return { line: { file: 0, line: 1, id: "x", rec }, logFile: "decisions.jsonl", bundle: o.withBundle === false ? undefined : bundle, event: { event, recording: { dir: 0, name: "s1.jsonl" }, file: "s1.jsonl" } };
}
/** The text a browser shows for markup without tags (entities decoded). */
const shown = (m: string) => m.replace(/<[^>]*>/g, "").replace(/&quot;/g, "\"").replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
const items = (page: string) => [...(/<ul class="counterfactuals" data-counterfactuals>([\s\S]*?)<\/ul>/.exec(page)?.[1] ?? "").matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => shown(m[1]!));

describe("what would change it, on the monitor's decision screen", () => {
  test("the counterfactuals policy explain prints, in its words, as inert text", async () => {
    const eventFile = path.join(work, "event.json");
    writeFileSync(eventFile, JSON.stringify(event));
    const cli = await runCli(["explain", eventFile, "--bundle", bundleFile], { cwd: work });
    const printed = cli.stdout.split("\n");
    const cliLines = printed.slice(printed.indexOf("what would change it:") + 1).filter((l) => l.startsWith("  ")).map((l) => l.trim());
    expect(cliLines).toContain("allowed by default if not (args.repo matches \"secrets-*\") (call.args.repo absent)");

    const page = eventBody(data({ effect: "block", policy: "no-secrets" })).text;
    expect(page).toMatch(/<h2>What would change it<\/h2>/);
    expect(items(page)).toEqual(cliLines);
    // Nothing from the event or the policies becomes markup.
    expect(page).not.toMatch(/<img|<b>/);
  });

  test("nothing without the bundle that decided it", () => {
    const page = eventBody(data({ effect: "block", policy: "no-secrets", withBundle: false })).text;
    expect(page).not.toMatch(/What would change it|data-counterfactuals/);
  });

  test("a decision the empty history does not reproduce gets a note, not another decision's counterfactuals", () => {
    const page = eventBody(data({ effect: "allow", policy: null })).text;
    expect(page).toMatch(/data-counterfactuals="history"/);
    expect(shown(page)).toMatch(/depended on the session's history \(on an empty history it is block\)/);
    expect(items(page)).toEqual([]);
  });
});
