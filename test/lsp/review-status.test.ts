/** The language server on review status, over JSON-RPC: completion of `tool.review_status` and its values, hover on it and on a reviewed tool, agent names from the reviews file. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { join } from "node:path";
import type { CompletionItem, CompletionList, Hover } from "vscode-languageserver-protocol";
import { Client, marked, workspace } from "./harness.js";

let client: Client;
let uri: string;
const START = `policy "p" {\n  action allow\n}\n`;
const review = (status: string) => ({ status, by: "alice", at: "2026-12-01T10:00:00Z" });

beforeAll(async () => {
  const root = workspace({
    "policy.config.json": "{}",
    "policy.reviews.json": JSON.stringify({ format: "policy-reviews/1", tools: { "github.merge_pull_request": review("Approved") }, agents: { Windsurf: review("Disallowed") }, history: [] }),
    "reviews.policy": START,
  });
  client = await Client.start(root);
  uri = await client.open(join(root, "reviews.policy"), START);
});
afterAll(async () => { await client?.stop(); });

const items = (r: CompletionItem[] | CompletionList | null) => (Array.isArray(r) ? r : r?.items ?? []);
async function completeAt(src: string): Promise<string[]> {
  const m = marked(src);
  await client.change(uri, m.text);
  return items(await client.request<CompletionItem[]>("textDocument/completion", { textDocument: { uri }, position: m.cursors[0] })).map((i) => i.label);
}
async function hoverAt(src: string): Promise<string> {
  const m = marked(src);
  await client.change(uri, m.text);
  const h = await client.request<Hover>("textDocument/hover", { textDocument: { uri }, position: m.ranges[0]!.start });
  return typeof h.contents === "string" ? h.contents : "value" in h.contents ? h.contents.value : "";
}

describe("review status in the editor", () => {
  test("`tool.review_status` is a subject; its operators and values are offered; agent names come from the reviews file", async () => {
    expect(await completeAt(`policy "p" {\n  if ‸\n}\n`)).toEqual(expect.arrayContaining(["tool.review_status", "agent.review_status"]));
    expect(await completeAt(`policy "p" {\n  if tool.review_status ‸\n}\n`)).toEqual(["is", "is not", "in", "not in"]);
    expect(await completeAt(`policy "p" {\n  if tool.review_status is ‸\n}\n`)).toEqual(expect.arrayContaining(["Approved", "Unreviewed", "Disallowed"]));
    expect(await completeAt(`policy "p" {\n  if agent is ‸\n}\n`)).toEqual(expect.arrayContaining(['"Windsurf"']));
  });

  test("hover says what the subject means and a tool's review status", async () => {
    expect(await hoverAt(`policy "p" {\n  if ⟨tool.review_status⟩ is Unreviewed\n  action block\n}\n`)).toContain("whose live definition differs from the pinned one");
    expect(await hoverAt(`policy "p" {\n  if tool is ⟨github.merge_pull_request⟩\n  action block\n}\n`)).toContain("review status: **Approved**");
    expect(await hoverAt(`policy "p" {\n  if tool is ⟨github.create_issue⟩\n  action block\n}\n`)).toContain("review status: **Unreviewed**");
  });

  test("a misspelt status is a diagnostic with a did-you-mean", async () => {
    await client.change(uri, `policy "p" {\n  if tool.review_status is Aproved\n  action allow\n}\n`);
    const p = await client.waitDiagnostics(uri, (x) => x.diagnostics.some((d) => d.code === "PDL2004"));
    expect(p.diagnostics.find((d) => d.code === "PDL2004")!.message).toContain("\"Aproved\" is not a valid tool.review_status");
  });
});
