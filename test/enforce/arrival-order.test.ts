/**
 * Arrival order, as a property: random bursts of concurrent calls (tools and `resources/read` of
 * the real memory server, under session conditions, a rate limit and an approval that times out)
 * are decided in the order they arrive, each seeing the state the earlier ones left, whatever the
 * store's latency: the proxy's live decision log equals `replay` of its own recording, and the
 * recording lists the calls in the order the client sent them. Run against the in-memory store
 * and a real Redis store, both behind a wrapper that delays every store step at random.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { MemoryStore, type SessionStore } from "../../runtime/index.js";
import type { Bundle } from "../../runtime/types.js";
import { createRedisStore } from "../../adapters/redis/index.js";
import { readSessionFile } from "../../testing/session/read.js";
import { replayEvents } from "../../testing/index.js";
import { haveRedis, RedisServer } from "../../bench/support/redis-server.js";
import { buildBundleFile, importLiveCatalog, readJsonl, serverCommand, serverEntry, SERVERS, textOf, until } from "./helpers.js";
import { viewOf } from "../../enforce/approvals/types.js";
import { inProcessProxy, type InProcessProxy } from "./in-process.js";

const work = mkdtempSync(path.join(tmpdir(), "enforce-order-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const entry = serverEntry(SERVERS.memory.pkg);
if (!entry && process.env.CI === "true") throw new Error("server-memory is a devDependency: install it");
const memory = () => ({ integration: "memory", command: serverCommand(entry!, []), env: { MEMORY_FILE_PATH: path.join(work, "memory.jsonl") } });

const POLICIES = `
policy "No search after the whole graph was read" {
  if tool is memory.search_nodes
  if session has called memory.read_graph
  action block "Searching after reading the whole graph is off"
}
policy "Opening nodes after a search needs approval" {
  if tool is memory.open_nodes
  if session has called memory.search_nodes
  action require_approval "Opening nodes found by a search needs approval"
}
policy "The graph resource only before any search" {
  if tool is "memory.resources/read"
  if session has called memory.search_nodes
  action block "No graph after a search"
}
policy "At most six requests a minute" {
  if rate(1m) > 6
  action block "Too many requests"
}
default allow
`;

type Step = "read_graph" | "search_nodes" | "open_nodes" | "resources/read";
const STEPS: readonly Step[] = ["read_graph", "search_nodes", "open_nodes", "resources/read"];

/** Every store step waits 0–6 ms first, so that without ordering a later call could overtake. */
function jittery(inner: SessionStore): SessionStore {
  const wait = () => new Promise<void>((r) => setTimeout(r, Math.floor(Math.random() * 7)));
  return {
    sync: false,
    begin: async (q) => { await wait(); return inner.begin(q); },
    finish: async (u) => { await wait(); return inner.finish(u); },
    respond: async (u) => { await wait(); return inner.respond(u); },
  };
}

function send(c: Client, step: Step): Promise<unknown> {
  if (step === "resources/read") return c.readResource({ uri: "memory://knowledge-graph" }).catch(() => undefined);
  const args = step === "search_nodes" ? { query: "acme" } : step === "open_nodes" ? { names: ["Acme"] } : {};
  return c.callTool({ name: step, arguments: args });
}

let bundle: Bundle;
let run = 0;

beforeAll(async () => {
  if (!entry) return;
  const catalog = path.join(work, "memory.catalog.json");
  await importLiveCatalog(memory().command, "memory", catalog, memory().env);
  bundle = buildBundleFile(work, "order", POLICIES, [catalog]).bundle;
}, 60_000);

/** One session: bursts sent concurrently, one burst after the other; then live vs replay. */
async function session(p: InProcessProxy, bursts: readonly (readonly Step[])[]): Promise<void> {
  const c = await p.connect(`agent-${++run}`);
  for (const burst of bursts) await Promise.all(burst.map((s) => send(c, s)));
  await c.close();
  const files = readdirSync(p.recordDir).map((f) => path.join(p.recordDir, f));
  const file = files.find((f) => readSessionFile(f).events.some((e) => e.event.agent?.name === `agent-${run}`))!;
  const events = readSessionFile(file).events;
  const sessionId = events[0]!.event.session_id;
  const requests = events.filter((e) => e.event.type === "tool_call_request");
  expect(requests.map((e) => e.event.call!.tool)).toEqual(bursts.flat());
  const replayed = replayEvents(bundle, events).filter((x) => x.event.type === "tool_call_request").map((x) => [x.event.call!.id, x.decision.effect, x.decision.policy?.id ?? null]);
  const live = readJsonl(p.decisionLog).filter((l) => l["type"] === "decision" && l["session_id"] === sessionId && l["event"] === "tool_call_request").map((l) => [l["call_id"], l["effect"], l["policy"]]);
  expect(live).toEqual(replayed);
}

const bursts = fc.array(fc.array(fc.constantFrom(...STEPS), { minLength: 1, maxLength: 7 }), { minLength: 1, maxLength: 3 });

async function property(p: InProcessProxy): Promise<void> {
  const c = await p.connect("seed");
  await c.callTool({ name: "create_entities", arguments: { entities: [{ name: "Acme", entityType: "company", observations: ["a customer"] }] } });
  await c.close();
  await fc.assert(fc.asyncProperty(bursts, (b) => session(p, b)), { numRuns: 15, seed: 20261203 });
}

describe.skipIf(!entry)("calls of a session are decided in arrival order", () => {
  test("in-memory store with random latency: live decisions = replay of the recording", { timeout: 120_000 }, async () => {
    const p = await inProcessProxy({ bundle, upstreams: [memory()], dir: path.join(work, "mem"), store: jittery(new MemoryStore()), approvalTimeoutMs: 30, identity: { agent: { review_status: "Approved" } } });
    try {
      await property(p);
    } finally {
      await p.close();
    }
  });

  test("a call waiting for approval does not hold the calls after it", { timeout: 60_000 }, async () => {
    const p = await inProcessProxy({ bundle, upstreams: [memory()], dir: path.join(work, "approval"), approvalTimeoutMs: 15_000, identity: { agent: { review_status: "Approved" } } });
    try {
      const c = await p.connect("approver-test");
      await c.callTool({ name: "search_nodes", arguments: { query: "acme" } });
      const held = c.callTool({ name: "open_nodes", arguments: { names: ["Acme"] } }, undefined, { timeout: 60_000 });
      const pending = await until(async () => (await p.gateway.o.approvals.list())[0], "a pending approval");
      const later = await c.callTool({ name: "read_graph", arguments: {} });
      expect(later.isError).toBeFalsy();
      expect(viewOf((await p.gateway.o.approvals.get(pending.request.id))!, Date.now()).status).toBe("pending");
      // Nobody approves: the held call ends at its timeout, after the later call was answered.
      expect(textOf(await held)).toMatch(/^Not approved: Opening nodes found by a search needs approval .*no approval within 15s/);
    } finally {
      await p.close();
    }
    const log = readJsonl(p.decisionLog).filter((l) => l["type"] === "decision" && l["event"] === "tool_call_request");
    expect(log.map((l) => [l["tool"], l["outcome"]])).toEqual([["search_nodes", "forwarded"], ["open_nodes", "approval_requested"], ["read_graph", "forwarded"]]);
  });

  test.skipIf(!haveRedis())("Redis store with random latency: live decisions = replay of the recording", { timeout: 120_000 }, async () => {
    const redis = await RedisServer.start();
    const store = createRedisStore({ url: redis.url, prefix: "order:" });
    const p = await inProcessProxy({ bundle, upstreams: [memory()], dir: path.join(work, "redis"), store: jittery(store), approvalTimeoutMs: 30, identity: { agent: { review_status: "Approved" } } });
    try {
      await store.ready(5000);
      await property(p);
    } finally {
      await p.close();
      await store.close();
      await redis.stop();
    }
  });
});
