/** The language server on `result.` paths (`when tool_response`), over JSON-RPC: completion from output schemas, hover, diagnostics. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { join } from "node:path";
import type { CompletionItem, CompletionList, Hover } from "vscode-languageserver-protocol";
import { Client, marked, workspace } from "./harness.js";

const CATALOG = {
  format: "policy-catalog/1",
  integrations: [{ id: "crm", name: "CRM", call_type: "mcp", tools: [
    { name: "export_contacts", operation: "Read", args: { type: "object", properties: {} },
      output: { type: "object", properties: { rows: { type: "integer", description: "rows exported" }, owner: { type: "string" } } } },
    { name: "update_owner", operation: "Write", args: { type: "object", properties: {} } },
  ] }],
};
let client: Client;
let uri: string;
const START = `policy "p" {\n  action allow\n}\n`;

beforeAll(async () => {
  const root = workspace({ "policy.config.json": JSON.stringify({ catalogs: ["crm.catalog.json"] }), "crm.catalog.json": JSON.stringify(CATALOG), "r.policy": START });
  client = await Client.start(root);
  uri = await client.open(join(root, "r.policy"), START);
});
afterAll(async () => { await client?.stop(); });

const items = (r: CompletionItem[] | CompletionList | null) => (Array.isArray(r) ? r : r?.items ?? []);

describe("result paths in the editor", () => {
  test("`result.` completes to result.content and the fields of the tool's output schema", async () => {
    const m = marked(`policy "p" {\n  when tool_response\n  if tool is crm.export_contacts\n  if result.‸\n}\n`);
    await client.change(uri, m.text);
    const got = items(await client.request<CompletionItem[]>("textDocument/completion", { textDocument: { uri }, position: m.cursors[0] }));
    expect(got.map((i) => [i.label, i.detail])).toEqual(expect.arrayContaining([["result.content", "array"], ["result.rows", "integer"], ["result.owner", "string"]]));
  });

  test("`tool is` lists the integration's own tools before its MCP request paths and server messages", async () => {
    const m = marked(`policy "p" {\n  when tool_response\n  if integration is crm\n  if tool is ‸\n}\n`);
    await client.change(uri, m.text);
    const got = items(await client.request<CompletionItem[]>("textDocument/completion", { textDocument: { uri }, position: m.cursors[0] }));
    const order = [...got].sort((a, b) => (a.sortText ?? a.label).localeCompare(b.sortText ?? b.label)).map((i) => i.label);
    expect(order.slice(0, 2)).toEqual(["export_contacts", "update_owner"]);
    expect(order.slice(2)).toEqual(expect.arrayContaining(["resources/read", "notifications/message"]));
  });

  test("hover on a result path gives its type from the output schema", async () => {
    const m = marked(`policy "p" {\n  when tool_response\n  if tool is crm.export_contacts\n  if ⟨result.rows⟩ > 1000\n  action block\n}\n`);
    await client.change(uri, m.text);
    const h = await client.request<Hover>("textDocument/hover", { textDocument: { uri }, position: m.ranges[0]!.start });
    const text = typeof h.contents === "string" ? h.contents : "value" in h.contents ? h.contents.value : "";
    expect(text).toContain("`result.rows`: integer");
    expect(text).toContain("rows exported");
  });

  test("a result field no tool returns, and a sanitize of a number, are diagnostics", async () => {
    await client.change(uri, `policy "p" {\n  when tool_response\n  if tool is crm.export_contacts\n  if result.rowz > 3\n  action sanitize [result.rows]\n}\n`);
    const p = await client.waitDiagnostics(uri, (x) => x.diagnostics.some((d) => d.code === "PDL2091") && x.diagnostics.some((d) => d.code === "PDL2092"));
    expect(p.diagnostics.find((d) => d.code === "PDL2091")!.message).toContain("result.rowz");
  });
});
