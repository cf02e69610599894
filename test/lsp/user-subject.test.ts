/** The language server on the `user` subject, driven over JSON-RPC: completion after `user.`, operators, `given` keys, hover, diagnostics. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { join } from "node:path";
import type { CompletionItem, CompletionList, Hover } from "vscode-languageserver-protocol";
import { Client, marked, workspace } from "./harness.js";

let client: Client;
let uri: string;
const START = `policy "p" {\n  action allow\n}\n`;

beforeAll(async () => {
  const root = workspace({ "policy.config.json": JSON.stringify({ user_claims: { clearance: "number", dept: "string" } }), "users.policy": START });
  client = await Client.start(root);
  uri = await client.open(join(root, "users.policy"), START);
});
afterAll(async () => { await client?.stop(); });

const items = (r: CompletionItem[] | CompletionList | null) => (Array.isArray(r) ? r : r?.items ?? []);

async function completeAt(src: string): Promise<CompletionItem[]> {
  const m = marked(src);
  await client.change(uri, m.text);
  return items(await client.request<CompletionItem[]>("textDocument/completion", { textDocument: { uri }, position: m.cursors[0] }));
}

describe("user subject in the editor", () => {
  test("`user.` is offered among the subjects, and completes to its fields", async () => {
    const subjects = (await completeAt(`policy "p" {\n  if ‸\n}\n`)).map((i) => i.label);
    expect(subjects).toEqual(expect.arrayContaining(["user", "user."]));
    const fields = await completeAt(`policy "p" {\n  if user.‸\n}\n`);
    expect(fields.map((i) => i.label)).toEqual(["user.id", "user.roles", "user.groups", "user.manager", "user.claims."]);
    expect(fields.find((i) => i.label === "user.roles")!.detail).toBe("has · in · not in · matches · exists");
  });

  test("`user.claims.` offers the claims policy.config.json declares", async () => {
    const items = await completeAt(`policy "p" {\n  if user.claims.‸\n}\n`);
    expect(items.map((i) => [i.label, i.detail?.split(" · ")[0]])).toEqual([["user.claims.clearance", "number"], ["user.claims.dept", "string"]]);
  });

  test("operators after a user field; `given` offers the user keys", async () => {
    expect((await completeAt(`policy "p" {\n  if user.roles ‸\n}\n`)).map((i) => i.label)).toEqual(["has", "in", "not in", "matches", "exists"]);
    expect((await completeAt(`policy "p" {\n  if user.claims.clearance ‸\n}\n`)).map((i) => i.label)).toEqual(expect.arrayContaining([">=", "is", "exists"]));
    expect((await completeAt(`test "t" {\n  given ‸\n}\n`)).map((i) => i.label)).toEqual(expect.arrayContaining(["user", "roles", "groups", "claims", "manager"]));
  });

  test("hover on a user field says what it is and its operators", async () => {
    const m = marked(`policy "p" {\n  if ⟨user.claims.clearance⟩ >= 2\n  action allow\n}\n`);
    await client.change(uri, m.text);
    const h = await client.request<Hover>("textDocument/hover", { textDocument: { uri }, position: m.ranges[0]!.start });
    const text = typeof h.contents === "string" ? h.contents : "value" in h.contents ? h.contents.value : "";
    expect(text).toContain("a claim of the user");
    expect(text).toContain("`>=`");
  });

  test("a misspelt field is a diagnostic with a did-you-mean", async () => {
    await client.change(uri, `policy "p" {\n  if user.rolse has admin\n  action allow\n}\n`);
    const p = await client.waitDiagnostics(uri, (x) => x.diagnostics.some((d) => d.code === "PDL2070"));
    expect(p.diagnostics.find((d) => d.code === "PDL2070")!.message).toContain("did you mean `user.roles`?");
  });
});
