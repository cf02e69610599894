/**
 * Every MCP request path is decided like a tool call, in front of the real memory and everything
 * servers: `resources/read`, `resources/list`, `resources/templates/list`, `resources/subscribe`,
 * `prompts/list`, `prompts/get` and `completion/complete` are `tool_call_request` events of the
 * upstream's integration (operation Read), blocked with a JSON-RPC error, hidden from their lists,
 * logged, recorded, and replayed to the same decisions; with two upstreams they are routed by
 * URI and prompt name; a request method the proxy does not know never passes through.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EmptyResultSchema, McpError } from "@modelcontextprotocol/sdk/types.js";
import { readSessionFile } from "../../testing/session/read.js";
import { replayEvents } from "../../testing/index.js";
import type { Bundle } from "../../runtime/types.js";
import { buildBundleFile, importLiveCatalog, readJsonl, serverCommand, serverEntry, SERVERS, textOf } from "./helpers.js";
import { inProcessProxy, type InProcessProxy } from "./in-process.js";

const work = mkdtempSync(path.join(tmpdir(), "enforce-paths-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const memoryEntry = serverEntry(SERVERS.memory.pkg);
const everythingEntry = serverEntry(SERVERS.everything.pkg);
if ((!memoryEntry || !everythingEntry) && process.env.CI === "true") throw new Error("server-memory and server-everything are devDependencies: install them");
const memory = () => ({ integration: "memory", command: serverCommand(memoryEntry!, []), env: { MEMORY_FILE_PATH: path.join(work, "memory.jsonl") } });
const everything = () => ({ integration: "everything", command: serverCommand(everythingEntry!, SERVERS.everything.args) });
const catalogs: string[] = [];

beforeAll(async () => {
  if (!memoryEntry || !everythingEntry) return;
  const m = memory();
  await importLiveCatalog(m.command, "memory", path.join(work, "memory.catalog.json"), m.env);
  await importLiveCatalog(everything().command, "everything", path.join(work, "everything.catalog.json"));
  catalogs.push(path.join(work, "memory.catalog.json"), path.join(work, "everything.catalog.json"));
}, 60_000);

const POLICIES = `
policy "The knowledge graph is not read by agents" {
  if integration is memory
  if operation is Read
  action block "Reading the knowledge graph is off for agents"
}
policy "No dynamic resources" {
  if tool is "everything.resources/read"
  if args.uri matches "demo://resource/dynamic/*"
  action hide
}
policy "No argument prompts" {
  if tool is "everything.prompts/get"
  if args.name is "args-prompt"
  action hide
}
policy "No completing departments" {
  if tool is "everything.completion/complete"
  if args.argument.name is "department"
  action block "Completion of departments is off"
}
default allow
`;

async function errorOf(p: Promise<unknown>): Promise<McpError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof McpError) return e;
    throw e;
  }
  throw new Error("expected a JSON-RPC error");
}

/** The decisions the proxy logged, and those `replay` gives for its recording, as [tool, effect]. */
function liveAndReplayed(p: InProcessProxy, bundle: Bundle): { live: string[][]; replayed: string[][] } {
  const live = readJsonl(p.decisionLog).filter((l) => l["type"] === "decision" && l["event"] === "tool_call_request").map((l) => [String(l["tool"]), String(l["effect"])]);
  const replayed: string[][] = [];
  for (const f of readdirSync(p.recordDir).sort()) {
    const read = readSessionFile(path.join(p.recordDir, f));
    expect(read.bad).toEqual([]);
    for (const x of replayEvents(bundle, read.events)) if (x.event.type === "tool_call_request") replayed.push([x.event.call!.tool!, x.decision.effect]);
  }
  return { live, replayed };
}

describe.skipIf(!memoryEntry || !everythingEntry)("MCP request paths behind the proxy", () => {
  test("memory: with reads blocked, the graph cannot be read as a resource, listed, or subscribed to", { timeout: 60_000 }, async () => {
    const { bundle } = buildBundleFile(path.join(work, "m"), "m", POLICIES, catalogs);
    const p = await inProcessProxy({ bundle, upstreams: [memory()], dir: path.join(work, "m") });
    try {
      const c = await p.connect("Cursor");
      await c.callTool({ name: "create_entities", arguments: { entities: [{ name: "Acme", entityType: "company", observations: ["secret deal"] }] } });
      const graph = await c.callTool({ name: "read_graph", arguments: {} });
      expect(textOf(graph)).toBe("Blocked by policy: Reading the knowledge graph is off for agents");
      const read = await errorOf(c.readResource({ uri: "memory://knowledge-graph" }));
      expect(read.message).toContain("Blocked by policy: Reading the knowledge graph is off for agents");
      expect(read.message).not.toContain("secret deal");
      expect((await errorOf(c.listResources())).message).toContain("Blocked by policy");
      expect((await errorOf(c.subscribeResource({ uri: "memory://knowledge-graph" }))).message).toContain("Blocked by policy");
    } finally {
      await p.close();
    }
    const log = readJsonl(p.decisionLog).filter((l) => l["type"] === "decision" && l["event"] === "tool_call_request");
    expect(log.map((l) => [l["tool"], l["effect"], l["outcome"]])).toEqual([
      ["create_entities", "allow", "forwarded"], ["read_graph", "block", "blocked"], ["resources/read", "block", "blocked"],
      ["resources/list", "block", "blocked"], ["resources/subscribe", "block", "blocked"],
    ]);
    expect(log[2]!["decision"]).toMatchObject({ tool: "memory.resources/read", operation: "Read" });
    const { live, replayed } = liveAndReplayed(p, bundle);
    expect(replayed).toEqual(live);
  });

  test("everything: hidden resources and prompts leave their lists, blocked completion is an error, allowed paths answer", { timeout: 60_000 }, async () => {
    const { bundle } = buildBundleFile(path.join(work, "e"), "e", POLICIES, catalogs);
    const p = await inProcessProxy({ bundle, upstreams: [everything()], dir: path.join(work, "e") });
    try {
      const c = await p.connect("Cursor");
      const templates = (await c.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
      expect(templates).toEqual([]);
      const resources = (await c.listResources()).resources.map((r) => r.uri);
      expect(resources).toContain("demo://resource/static/document/architecture.md");
      expect(resources.some((u) => u.startsWith("demo://resource/dynamic/"))).toBe(false);
      const doc = await c.readResource({ uri: "demo://resource/static/document/architecture.md" });
      expect(doc.contents.length).toBeGreaterThan(0);
      expect((await errorOf(c.readResource({ uri: "demo://resource/dynamic/text/1" }))).message).toContain("not available");
      await c.subscribeResource({ uri: "demo://resource/static/document/architecture.md" });

      const prompts = (await c.listPrompts()).prompts.map((x) => x.name);
      expect(prompts).toContain("simple-prompt");
      expect(prompts).not.toContain("args-prompt");
      expect((await c.getPrompt({ name: "simple-prompt" })).messages.length).toBeGreaterThan(0);
      expect((await errorOf(c.getPrompt({ name: "args-prompt", arguments: { city: "Paris" } }))).message).toMatch(/Blocked by policy/);

      const blocked = await errorOf(c.complete({ ref: { type: "ref/prompt", name: "completable-prompt" }, argument: { name: "department", value: "E" } }));
      expect(blocked.message).toContain("Completion of departments is off");
      expect((await errorOf(c.complete({ ref: { type: "ref/prompt", name: "args-prompt" }, argument: { name: "city", value: "P" } }))).message).toContain("unknown prompt");
      const ok = await c.complete({ ref: { type: "ref/prompt", name: "completable-prompt" }, argument: { name: "name", value: "" }, context: { arguments: { department: "Engineering" } } });
      expect(Array.isArray(ok.completion.values)).toBe(true);

      // The log level is the proxy's own (it filters the log messages it passes on); nothing is forwarded.
      await expect(c.setLoggingLevel("debug")).resolves.toEqual({});
      // Methods the proxy does not decide never pass through, though the server supports them.
      for (const method of ["tasks/list", "resources/delete", "tools/call_raw"]) {
        expect((await errorOf(c.request({ method, params: {} } as never, EmptyResultSchema))).code).toBe(-32601);
      }
    } finally {
      await p.close();
    }
    const { live, replayed } = liveAndReplayed(p, bundle);
    // Nothing was decided or forwarded for the methods the proxy does not know.
    expect(live.map((x) => x[0])).toEqual(["resources/templates/list", "resources/list", "resources/read", "resources/read", "resources/subscribe", "prompts/list", "prompts/get", "prompts/get", "completion/complete", "completion/complete"]);
    expect(replayed).toEqual(live);
  });

  test("two upstreams: resources routed by URI, prompts by their integration prefix", { timeout: 60_000 }, async () => {
    const { bundle } = buildBundleFile(path.join(work, "two"), "two", POLICIES, catalogs);
    const p = await inProcessProxy({ bundle, upstreams: [memory(), everything()], dir: path.join(work, "two") });
    try {
      const c = await p.connect("Cursor");
      // The memory listing is blocked, the everything listing is not: only everything's resources show.
      const uris = (await c.listResources()).resources.map((r) => r.uri);
      expect(uris).toContain("demo://resource/static/document/features.md");
      expect(uris).not.toContain("memory://knowledge-graph");
      expect((await errorOf(c.readResource({ uri: "memory://knowledge-graph" }))).message).toContain("Reading the knowledge graph is off");
      expect((await c.readResource({ uri: "demo://resource/static/document/features.md" })).contents.length).toBeGreaterThan(0);
      expect((await errorOf(c.readResource({ uri: "nowhere://x" }))).code).toBe(-32602);
      const prompts = (await c.listPrompts()).prompts.map((x) => x.name);
      expect(prompts).toContain("everything__simple-prompt");
      expect(prompts).not.toContain("everything__args-prompt");
      expect((await c.getPrompt({ name: "everything__simple-prompt" })).messages.length).toBeGreaterThan(0);
      expect((await errorOf(c.getPrompt({ name: "simple-prompt" }))).code).toBe(-32602);
    } finally {
      await p.close();
    }
    const log = readJsonl(p.decisionLog).filter((l) => l["type"] === "decision" && l["tool"] === "resources/read");
    expect(log.map((l) => [l["integration"], l["effect"]])).toEqual([["memory", "block"], ["everything", "allow"]]);
    const { live, replayed } = liveAndReplayed(p, bundle);
    expect(replayed).toEqual(live);
  });
});
