/**
 * The "why" of a failing test step in the editor: the code lens on a failing `expect` shows what
 * the step got and the counterfactuals, the same lines `policy test` prints; the hover shows the
 * whole failure detail. A passing step has none.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { join } from "node:path";
import type { CodeLens, Hover } from "vscode-languageserver-protocol";
import { loadShellParser } from "../../compiler/shell/shell-parser.js";
import { Client, marked, workspace } from "./harness.js";
import { ACME_CATALOG, CONFIG, GITHUB } from "./fixtures.js";
import { runCli } from "../support/cli.js";

beforeAll(() => loadShellParser());

const TESTS = `test "merge method" {
  call github.merge_pull_request { owner: "acme", repo: "web", pullNumber: 1, merge_method: "merge" }
  ⟨expect block⟩
  call github.merge_pull_request { owner: "acme", repo: "web", pullNumber: 1, merge_method: "squash" }
  ⟨expect block⟩
}
`;
const gh = marked(GITHUB);
const tests = marked(TESTS);
let root: string;
let client: Client;
let testsUri: string;

beforeAll(async () => {
  root = workspace({ "policy.config.json": CONFIG, "catalogs/acme.json": ACME_CATALOG, "github.policy": gh.text.replace(/policy "Typo"[^]*$/, ""), "tests.policy": tests.text });
  client = await Client.start(root);
  await client.open(join(root, "github.policy"), gh.text.replace(/policy "Typo"[^]*$/, ""));
  testsUri = await client.open(join(root, "tests.policy"), tests.text);
});
afterAll(async () => { await client?.stop(); });

describe("why lens on a failing expect step", () => {
  test("shows what it got and the counterfactuals policy test prints, on the failing step only", async () => {
    const cli = await runCli(["test"], { cwd: root });
    const printed = cli.stdout.split("\n");
    const at = printed.findIndex((l) => l.trim() === "what would change it:");
    expect(at).toBeGreaterThan(-1);
    const cliWhy: string[] = [];
    for (const l of printed.slice(at + 1)) { if (!/^\s{2,}\S/.test(l) || !/ if /.test(l)) break; cliWhy.push(l.trim()); }
    expect(cliWhy.length).toBeGreaterThan(0);
    expect(cliWhy.join("\n")).toMatch(/blocked by github-readonly if args\.merge_method/);

    const lenses = await client.request<CodeLens[]>("textDocument/codeLens", { textDocument: { uri: testsUri } });
    const on = (i: number) => lenses.filter((l) => l.range.start.line === tests.ranges[i]!.start.line).map((l) => l.command!.title);
    expect(on(0)[0]).toMatch(/^✗ .*expected block, got allow/);
    expect(on(0).slice(1)).toEqual(cliWhy.map((l) => `why: ${l}`));
    expect(on(1)).toEqual([]);
    expect(lenses[0]!.command!.title).toMatch(/^▶ run test · ✗ 1 failure/);
  });

  test("hover on the failing step shows the decision and what would change it", async () => {
    const h = await client.request<Hover | null>("textDocument/hover", { textDocument: { uri: testsUri }, position: tests.ranges[0]!.start });
    const text = (h!.contents as { value: string }).value;
    expect(text).toMatch(/test step failed/);
    expect(text).toMatch(/got: +allow \(default\)/);
    expect(text).toMatch(/what would change it:\n {2}blocked by github-readonly if args\.merge_method/);
    const pass = await client.request<Hover | null>("textDocument/hover", { textDocument: { uri: testsUri }, position: tests.ranges[1]!.start });
    expect(JSON.stringify(pass ?? "")).not.toMatch(/test step failed/);
  });
});
