/**
 * Who the agent is at the proxy, tried as an attacker would: a client with an empty
 * `clientInfo.name`, or one that never sends `initialize`, is the agent `""` with review status
 * `Unreviewed`, and its `agent_discovered` decision comes before its first call, so a block on
 * unreviewed agents applies to it; a name with control characters is kept as data.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { Bundle } from "../../runtime/types.js";
import { readSessionFile } from "../../testing/session/read.js";
import { replayFiles } from "../../testing/session/replay.js";
import { replayEvents } from "../../testing/index.js";
import { buildBundleFile, importLiveCatalog, readJsonl, serverCommand, serverEntry, SERVERS, textOf, until } from "./helpers.js";
import { inProcessProxy } from "./in-process.js";

const work = mkdtempSync(path.join(tmpdir(), "enforce-identity-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const entry = serverEntry(SERVERS.memory.pkg);
if (!entry && process.env.CI === "true") throw new Error("server-memory is a devDependency: install it");
const memory = () => ({ integration: "memory", command: serverCommand(entry!, []), env: { MEMORY_FILE_PATH: path.join(work, "memory.jsonl") } });

const POLICIES = `
policy "Unreviewed agents are not admitted" {
  when agent_discovered
  if agent.review_status is Unreviewed
  action block "Unreviewed agents are not admitted"
}
default allow
`;
let bundle: Bundle;

beforeAll(async () => {
  if (!entry) return;
  const catalog = path.join(work, "memory.catalog.json");
  await importLiveCatalog(memory().command, "memory", catalog, memory().env);
  bundle = buildBundleFile(work, "id", POLICIES, [catalog]).bundle;
}, 60_000);

const decisions = (file: string) => readJsonl(file).filter((l) => l["type"] === "decision");

describe.skipIf(!entry)("agent identity at the proxy", () => {
  test("a nameless client is the agent \"\", Unreviewed: refused, no tools", { timeout: 30_000 }, async () => {
    const dir = path.join(work, "nameless");
    const p = await inProcessProxy({ bundle, upstreams: [memory()], dir });
    try {
      const c = await p.connect("");
      expect((await c.listTools()).tools).toEqual([]);
      const r = await c.callTool({ name: "read_graph", arguments: {} });
      expect(r.isError).toBe(true);
      expect(textOf(r)).toBe("Blocked by policy: Unreviewed agents are not admitted");
    } finally {
      await p.close();
    }
    const log = decisions(p.decisionLog);
    expect(log.map((l) => [l["event"], l["effect"], (l["agent"] as { name?: string }).name])).toEqual([
      ["agent_discovered", "block", ""], ["tool_call_request", "block", ""],
    ]);
    // Replay of the recording refuses the calls of the refused agent too (policy replay and replay in tests).
    const [file] = readdirSync(p.recordDir);
    const events = readSessionFile(path.join(p.recordDir, file!)).events;
    expect(replayEvents(bundle, events).map((x) => [x.event.type, x.decision.effect, x.decision.reason])).toEqual(log.map((l) => [l["event"], l["effect"], l["reason"]]));
    const cli: string[][] = [];
    await replayFiles([path.join(p.recordDir, file!)], bundle, (r) => { if (r.kind === "decision") cli.push([r.event.type, r.decision.effect, r.decision.reason]); });
    expect(cli).toEqual(log.map((l) => [l["event"], l["effect"], l["reason"]]));
  });

  test("a client that never sends initialize is decided as \"\" before its first call", { timeout: 30_000 }, async () => {
    const dir = path.join(work, "no-init");
    const p = await inProcessProxy({ bundle, upstreams: [memory()], dir });
    try {
      const raw = await p.raw();
      await raw.send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "read_graph", arguments: {} } } as JSONRPCMessage);
      await raw.send({ jsonrpc: "2.0", id: 2, method: "resources/read", params: { uri: "memory://knowledge-graph" } } as JSONRPCMessage);
      await until(() => raw.received.length >= 2 || undefined, "two answers");
      const byId = new Map(raw.received.map((m) => [(m as { id: number }).id, m as { result?: unknown; error?: { message: string } }]));
      expect(textOf(byId.get(1)!.result)).toBe("Blocked by policy: Unreviewed agents are not admitted");
      expect(byId.get(2)!.error?.message).toContain("Unreviewed agents are not admitted");
    } finally {
      await p.close();
    }
    const log = decisions(p.decisionLog);
    expect(log[0]).toMatchObject({ event: "agent_discovered", effect: "block", agent: { name: "" } });
    expect(log.slice(1).map((l) => [l["tool"], l["effect"]])).toEqual([["read_graph", "block"], ["resources/read", "block"]]);
  });

  test("back-to-back first calls all wait for the agent_discovered decision", { timeout: 30_000 }, async () => {
    const dir = path.join(work, "burst");
    const p = await inProcessProxy({ bundle, upstreams: [memory()], dir });
    try {
      const c = await p.connect("Windsurf");
      const rs = await Promise.all([1, 2, 3, 4].map(() => c.callTool({ name: "read_graph", arguments: {} })));
      for (const r of rs) expect(textOf(r)).toBe("Blocked by policy: Unreviewed agents are not admitted");
    } finally {
      await p.close();
    }
    expect(decisions(p.decisionLog).map((l) => l["event"])).toEqual(["agent_discovered", ...Array(4).fill("tool_call_request")]);
  });

  test("an Approved agent is admitted, and a name with control characters is kept as data", { timeout: 30_000 }, async () => {
    const dir = path.join(work, "approved");
    const name = "Cursor\u001b[31m\nforged: line";
    const p = await inProcessProxy({ bundle, upstreams: [memory()], dir, identity: { agent: { review_status: "Approved" } } });
    try {
      const c = await p.connect(name);
      expect((await c.listTools()).tools.length).toBeGreaterThan(0);
      expect((await c.callTool({ name: "read_graph", arguments: {} })).isError).toBeFalsy();
    } finally {
      await p.close();
    }
    const log = decisions(p.decisionLog);
    expect(log[0]).toMatchObject({ event: "agent_discovered", effect: "allow", agent: { name, review_status: "Approved" } });
  });
});
