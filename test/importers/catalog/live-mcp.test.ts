/**
 * Real MCP servers from npm, started over stdio with the SDK's client; their `tools/list`
 * results are imported as-is. The servers are devDependencies; when they are absent the test
 * fails under CI=true and is skipped otherwise. MCP_SERVERS_NODE_MODULES points at another
 * node_modules (for local experiments).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, describe, expect, test } from "vitest";
import { importMcp } from "../../../importers/catalog/index.js";
import { catalogProblems } from "./catalog-shape.js";

const NODE_MODULES = process.env.MCP_SERVERS_NODE_MODULES ?? fileURLToPath(new URL("../../../node_modules", import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), "live-mcp-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Entry script of an installed server package, or undefined. */
function serverEntry(pkg: string): string | undefined {
  const manifest = path.join(NODE_MODULES, pkg, "package.json");
  if (!existsSync(manifest)) return undefined;
  const json = JSON.parse(readFileSync(manifest, "utf8")) as { bin?: string | Record<string, string> };
  const bin = typeof json.bin === "string" ? json.bin : Object.values(json.bin ?? {})[0];
  return bin === undefined ? undefined : path.join(NODE_MODULES, pkg, bin);
}

async function listTools(entry: string, args: string[]): Promise<unknown> {
  const transport = new StdioClientTransport({
    command: process.execPath, args: [entry, ...args], stderr: "ignore",
    env: { ...(process.env as Record<string, string>), MEMORY_FILE_PATH: path.join(work, "memory.jsonl") },
  });
  const client = new Client({ name: "policy-catalog-import-test", version: "0.0.0" });
  await client.connect(transport);
  try {
    return await client.listTools();
  } finally {
    await client.close();
  }
}

interface Server { pkg: string; args: string[]; integration: string; expect: Record<string, string> }
const SERVERS: Server[] = [
  { pkg: "@modelcontextprotocol/server-everything", args: ["stdio"], integration: "everything",
    expect: { "get-sum": "Read", "toggle-simulated-logging": "Write" } },
  { pkg: "@modelcontextprotocol/server-memory", args: [], integration: "memory",
    expect: { create_entities: "Write", delete_entities: "Delete", read_graph: "Read" } },
  { pkg: "@modelcontextprotocol/server-filesystem", args: [work], integration: "filesystem",
    expect: { read_text_file: "Read", create_directory: "Write", list_directory: "Read" } },
];

describe("live MCP servers over stdio", () => {
  test.for(SERVERS)("$pkg", { timeout: 30_000 }, async (server, ctx) => {
    const entry = serverEntry(server.pkg);
    if (entry === undefined) {
      const message = `${server.pkg} is not installed in ${NODE_MODULES} (it is a devDependency)`;
      if (process.env.CI === "true") throw new Error(message);
      console.warn(`skipped: ${message}`);
      ctx.skip();
      return;
    }
    const listed = await listTools(entry, server.args);
    const r = importMcp(listed, { integration: server.integration });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(catalogProblems(r.catalog)).toEqual([]);
    const ops = Object.fromEntries(r.catalog.integrations[0]!.tools.map((t) => [t.name, t.operation]));
    expect(ops).toMatchObject(server.expect);
    expect(r.report.counts.bySource.annotation).toBeGreaterThan(0);
    // Everything the server lists is imported: same names, schemas kept.
    const tools = (listed as { tools: { name: string; inputSchema: object }[] }).tools;
    expect(Object.keys(ops)).toEqual(tools.map((t) => t.name));
    if (server.integration === "filesystem") expectPathsMarked(r.catalog.integrations[0]!.tools, r.report.tools);
  });
});

/**
 * Every argument of the filesystem server that names a file or folder (each string, or array of
 * strings, called path, paths, source or destination) is marked `path` by the import's guess, and
 * the report says so; nothing else is marked.
 */
function expectPathsMarked(tools: readonly { name: string; args?: { properties?: Record<string, { type?: unknown }> }; arg_kinds?: Record<string, string> }[], report: readonly { name: string; argKinds?: readonly { path: string; guessed: boolean }[] }[]): void {
  const PATHS = ["path", "paths", "source", "destination"];
  let marked = 0;
  for (const t of tools) {
    const want: Record<string, string> = {};
    for (const [name, s] of Object.entries(t.args?.properties ?? {})) if (PATHS.includes(name)) want[s.type === "array" ? `${name}[*]` : name] = "path";
    expect(t.arg_kinds ?? {}, t.name).toEqual(want);
    marked += Object.keys(want).length;
    expect((report.find((x) => x.name === t.name)?.argKinds ?? []).map((a) => [a.path, a.guessed])).toEqual(Object.keys(want).map((k) => [k, true]));
  }
  expect(marked).toBeGreaterThanOrEqual(12);
}
