import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { formatReport, importCatalog, importMcp } from "../../../importers/catalog/index.js";
import type { ImportResult } from "../../../importers/catalog/index.js";
import { catalogProblems } from "./catalog-shape.js";

const fixture = (name: string): string => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const load = (name: string): unknown => JSON.parse(readFileSync(fixture(name), "utf8"));

function ok(r: ImportResult): Extract<ImportResult, { ok: true }> {
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  expect(catalogProblems(r.catalog)).toEqual([]);
  return r;
}

describe("importMcp", () => {
  test("GitHub server (no annotations): verbs decide, resources and args kept", () => {
    const r = ok(importMcp(load("github-mcp.tools.json"), { integration: "github", name: "GitHub" }));
    const integ = r.catalog.integrations[0]!;
    expect(integ).toMatchObject({ id: "github", name: "GitHub", call_type: "mcp" });
    const byName = new Map(integ.tools.map((t) => [t.name, t]));
    expect(integ.tools).toHaveLength(26);
    expect(byName.get("create_or_update_file")).toMatchObject({ operation: "Write", verbs: ["create", "update"], resource: "repo" });
    expect(byName.get("merge_pull_request")?.operation).toBe("Write");
    expect(byName.get("push_files")?.operation).toBe("Write");
    expect(byName.get("list_issues")).toMatchObject({ operation: "Read", category: "issues", labels: ["untrusted_content"] });
    const args = byName.get("create_issue")!.args!;
    expect(args.required).toEqual(["owner", "repo", "title"]);
    expect(args).not.toHaveProperty("$schema");
    expect(args.properties!.labels).toMatchObject({ type: "array", items: { type: "string" } });
    expect(r.report.counts.bySource.verb).toBe(26);
    expect(r.report.unknown).toEqual([]);
  });

  test("memory and filesystem servers: annotations decide", () => {
    const mem = ok(importMcp(load("memory-mcp.tools.json"), { integration: "memory" }));
    expect(Object.fromEntries(mem.catalog.integrations[0]!.tools.map((t) => [t.name, t.operation]))).toEqual({
      create_entities: "Write", create_relations: "Write", add_observations: "Write", delete_entities: "Delete",
      delete_observations: "Delete", delete_relations: "Delete", read_graph: "Read", search_nodes: "Read", open_nodes: "Read",
    });
    expect(mem.report.counts.bySource.annotation).toBe(9);
    const fs = ok(importMcp(load("filesystem-mcp.tools.json"), { integration: "filesystem" }));
    const t = fs.report.tools.find((x) => x.name === "write_file")!;
    expect(t).toMatchObject({ operation: "Delete", source: "annotation", guessed: false });
    expect(t.notes[0]).toMatch(/'write' says Write/);
    expect(fs.catalog.integrations[0]!.tools.find((x) => x.name === "read_text_file")).toMatchObject({
      operation: "Read", resource: "path", labels: ["private_data"] });
  });

  test("everything server: openWorldHint on a Write → external_communication (guessed)", () => {
    const r = ok(importMcp(load("everything-mcp.tools.json"), { integration: "everything" }));
    const gz = r.report.tools.find((t) => t.name === "gzip-file-as-resource")!;
    expect(gz.operation).toBe("Write");
    expect(gz.labels).toEqual([{ label: "external_communication", guessed: true, reason: "openWorldHint: true" }]);
  });

  test("whole JSON-RPC response", () => {
    const r = ok(importMcp(load("slack-mcp.jsonrpc.json"), { integration: "slack" }));
    const tools = r.catalog.integrations[0]!.tools;
    expect(tools.map((t) => t.name)).toContain("slack_post_message");
    expect(tools.find((t) => t.name === "slack_post_message")).toMatchObject({
      operation: "Write", labels: ["external_communication"], resource: "channel_id" });
    expect(r.report.tools.find((t) => t.name === "slack_post_message")!.reason).toBe("first verb 'post' is Write");
    expect(r.catalog.integrations[0]!.name).toBe("Slack");
  });

  test("bare array of tools (Atlassian, camelCase)", () => {
    const r = ok(importMcp(load("atlassian-mcp.tools-array.json"), { integration: "Atlassian Cloud" }));
    const integ = r.catalog.integrations[0]!;
    expect(integ.id).toBe("atlassian_cloud");
    expect(integ.name).toBe("Atlassian Cloud");
    const ops = Object.fromEntries(integ.tools.map((t) => [t.name, t.operation]));
    expect(ops).toMatchObject({ atlassianUserInfo: "Read", getJiraIssue: "Read", searchJiraIssuesUsingJql: "Read",
      createJiraIssue: "Write", editJiraIssue: "Write", transitionJiraIssue: "Write", addCommentToJiraIssue: "Write" });
    const res = Object.fromEntries(integ.tools.map((t) => [t.name, t.resource]));
    expect(res).toMatchObject({ getJiraIssue: "issueIdOrKey", createJiraIssue: "projectKey", getConfluencePage: "pageId",
      createConfluencePage: "spaceId", atlassianUserInfo: undefined });
  });

  test("errors are values with JSON pointers, all reported at once", () => {
    const r = importMcp({ tools: [
      { name: "a", inputSchema: { type: "object" } },
      { description: "no name" },
      { name: "a" },
      { name: "b", inputSchema: "string" },
      42,
    ] }, { integration: "x" });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.code, e.pointer])).toEqual([
      ["missing-name", "/tools/1/name"],
      ["duplicate-name", "/tools/2/name"],
      ["bad-input-schema", "/tools/3/inputSchema"],
      ["bad-tool", "/tools/4"],
    ]);
    expect(r.errors[1]!.message).toContain("first at /tools/0/name");
    expect(r.errors.every((e) => e.hint !== undefined || e.code === "bad-tool")).toBe(true);
  });

  test("pointers inside a JSON-RPC envelope", () => {
    const r = importMcp({ jsonrpc: "2.0", id: 1, result: { tools: [{ name: "" }] } }, { integration: "x" });
    expect(r.ok ? [] : r.errors.map((e) => e.pointer)).toEqual(["/result/tools/0/name"]);
  });

  test.each([
    [{ foo: 1 }, "not-a-tool-list", ""],
    [{ tools: "nope" }, "not-a-tool-list", "/tools"],
    [{ jsonrpc: "2.0", id: 1, result: { tools: {} } }, "not-a-tool-list", "/result/tools"],
    [{ jsonrpc: "2.0", id: 1, error: { code: -32601, message: "Method not found" } }, "json-rpc-error", "/error"],
    ["text", "not-a-tool-list", ""],
    [null, "not-a-tool-list", ""],
  ])("not a tools list: %j", (doc, code, at) => {
    const r = importMcp(doc, { integration: "x" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatchObject({ code, pointer: at });
  });

  test("a bad integration id is an error", () => {
    const r = importMcp([], { integration: "!!!" });
    expect(r.ok ? "" : r.errors[0]!.code).toBe("bad-integration");
  });

  test("a hyphenated integration id is kept (a real MCP server name), not rewritten to _", () => {
    const r = ok(importMcp([{ name: "sequentialthinking", inputSchema: { type: "object" } }], { integration: "sequential-thinking" }));
    expect(r.catalog.integrations[0]!.id).toBe("sequential-thinking");
    expect(r.catalog.integrations[0]!.name).toBe("Sequential Thinking");
    expect(ok(importMcp([], { integration: "Acme CRM" })).catalog.integrations[0]!.id).toBe("acme_crm");
  });

  test("missing inputSchema: warning and no arguments", () => {
    const r = ok(importMcp([{ name: "ping" }], { integration: "x" }));
    expect(r.catalog.integrations[0]!.tools[0]!.args).toEqual({ type: "object", properties: {} });
    expect(r.report.warnings[0]).toMatchObject({ pointer: "/0" });
    expect(r.report.unknown).toEqual([]);
    expect(r.catalog.integrations[0]!.tools[0]!.operation).toBe("Read");
  });

  test("names outside the catalog pattern are stored sanitised, with a warning", () => {
    const r = ok(importMcp([{ name: "chat.postMessage", inputSchema: { type: "object" } }], { integration: "slack" }));
    expect(r.catalog.integrations[0]!.tools[0]).toMatchObject({ name: "chat_postMessage", operation: "Write" });
    expect(r.report.warnings[0]).toMatchObject({ pointer: "/0/name" });
    const dup = importMcp([{ name: "a.b" }, { name: "a_b" }], { integration: "x" });
    expect(dup.ok ? [] : dup.errors.map((e) => e.code)).toEqual(["duplicate-name"]);
  });

  test("Unknown tools are reported", () => {
    const r = ok(importMcp([{ name: "frobnicate", inputSchema: { type: "object" } }], { integration: "x" }));
    expect(r.report.unknown).toEqual(["frobnicate"]);
    expect(formatReport(r.report)).toContain("Unknown operation (1;");
  });

  test("importCatalog reads files and reports unreadable input", async () => {
    const r = await importCatalog({ from: "mcp", input: fixture("github-mcp.tools.json"), integration: "github" });
    expect(r.ok).toBe(true);
    const missing = await importCatalog({ from: "mcp", input: fixture("nope.json"), integration: "github" });
    expect(missing.ok ? "" : missing.errors[0]!.code).toBe("unreadable-input");
  });

  test("the output is deterministic", () => {
    const a = importMcp(load("github-mcp.tools.json"), { integration: "github" });
    const b = importMcp(load("github-mcp.tools.json"), { integration: "github" });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
