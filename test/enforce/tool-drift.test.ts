/**
 * Pinned tool definitions at the enforcement point, with the real everything and memory servers
 * and a server of this test's own whose tools change while the proxy runs (drifting-server.mjs):
 * a changed definition is reported (decision log, alert: what changed) and the policy's
 * `Unreviewed` rule applies to the tool from then on; a new tool is Unknown and Unreviewed; a tool
 * listed twice under one key (case folded) or under a look-alike name cannot pass as reviewed;
 * the recording replays to the same decisions; the agent's review status comes from the reviews file.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { buildBundleFile, importLiveCatalog, readJsonl, ROOT, SERVERS, serverCommand, serverEntry, textOf, until } from "./helpers.js";
import { inProcessProxy, type InProcessProxy } from "./in-process.js";
import { createEnforcer } from "../../runtime/index.js";
import type { SessionEvent } from "../../runtime/types.js";
import { readdirSync } from "node:fs";

const work = mkdtempSync(path.join(tmpdir(), "tool-drift-"));
const state = path.join(work, "drift-state");
const DRIFT = [process.execPath, path.join(ROOT, "test/enforce/fixtures/drifting-server.mjs")];

const POLICIES = `
policy "Unreviewed tools are blocked" {
  id unreviewed-tools
  if tool.review_status is Unreviewed
  action block "this tool is not reviewed, or its definition changed since it was"
}
policy "Disallowed tools are hidden" {
  id disallowed-tools
  if tool.review_status is Disallowed
  action hide
}
policy "Disallowed agents are refused" {
  id disallowed-agents
  when agent_discovered
  if agent.review_status is Disallowed
  action block "this agent is disallowed"
}
`;

const review = (status: string) => ({ status, by: "alice", at: "2026-12-01T10:00:00Z" });
const REVIEWS = {
  format: "policy-reviews/1",
  tools: { "drift.lookup": review("Approved"), "drift.note": review("Approved"), "memory.read_graph": review("Approved"), "memory.delete_entities": review("Disallowed"), "everything.echo": review("Approved") },
  agents: { Windsurf: review("Disallowed"), Cursor: review("Approved") },
  history: [],
};

let proxy: InProcessProxy;
let client: Client;
let listChanged = 0;

const call = (name: string, args: Record<string, unknown> = {}) => client.callTool({ name, arguments: args });
const decisions = () => readJsonl(proxy.decisionLog);

beforeAll(async () => {
  const memory = serverEntry(SERVERS.memory.pkg), everything = serverEntry(SERVERS.everything.pkg);
  if (!memory || !everything) throw new Error("the memory and everything servers are devDependencies: run npm ci");
  writeFileSync(state, "v1");
  const env = { DRIFT_STATE: state, MEMORY_FILE_PATH: path.join(work, "memory.json") };
  const mem = serverCommand(memory, SERVERS.memory.args), every = serverCommand(everything, SERVERS.everything.args);
  await importLiveCatalog(DRIFT, "drift", path.join(work, "drift.catalog.json"), env);
  await importLiveCatalog(mem, "memory", path.join(work, "memory.catalog.json"), env);
  await importLiveCatalog(every, "everything", path.join(work, "everything.catalog.json"), env);
  writeFileSync(path.join(work, "policy.reviews.json"), JSON.stringify(REVIEWS));
  const { bundle } = buildBundleFile(work, "drift", POLICIES, ["drift", "memory", "everything"].map((i) => path.join(work, `${i}.catalog.json`)));
  expect(Object.keys(bundle.pins ?? {})).toEqual(expect.arrayContaining(["drift.lookup", "memory.read_graph", "everything.echo"]));
  proxy = await inProcessProxy({
    bundle, dir: path.join(work, "proxy"),
    upstreams: [{ integration: "drift", command: DRIFT, env }, { integration: "memory", command: mem, env }, { integration: "everything", command: every, env }],
  });
  client = await proxy.connect("Cursor");
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => { listChanged++; });
}, 120_000);

afterAll(async () => { await proxy?.close(); });

describe("pinned tool definitions at the enforcement point", () => {
  test("at start every listing matches its pin: reviewed tools run, unreviewed ones are blocked, disallowed ones are hidden", async () => {
    expect(decisions().filter((l) => l.type === "tool_definitions")).toEqual([]);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["drift__lookup", "memory__read_graph", "everything__echo", "memory__create_entities"]));
    expect(names).not.toContain("memory__delete_entities");
    expect(textOf(await call("drift__lookup", { word: "rug" }))).toMatch(/lookup ran \(v1\)/);
    expect((await call("memory__read_graph")).isError).toBeFalsy();
    expect(textOf(await call("everything__echo", { message: "hi" }))).toMatch(/hi/);
    expect(textOf(await call("memory__create_entities", { entities: [] }))).toMatch(/Blocked by policy: this tool is not reviewed/);
  });

  test("a description and schema changed while the proxy runs: reported with what changed, and the Unreviewed rule applies from then on", async () => {
    writeFileSync(state, "v2");
    const line = await until(() => decisions().find((l) => l.type === "tool_definitions"), "the tool_definitions report");
    expect(line).toMatchObject({
      integration: "drift", when: "changed its tools", added: ["export_all"],
      changed: [{ tool: "lookup", changes: ["description", "inputSchema.properties.path"] }], removed: [],
    });
    const alerts = decisions().filter((l) => l.type === "alert" && l.policy === "pinned-definitions");
    expect(alerts.map((a) => a.what)).toEqual(["the definition of drift.lookup changed: description, inputSchema.properties.path", "new tool drift.export_all"]);
    await until(() => listChanged > 0 || undefined, "notifications/tools/list_changed to the agent");
    expect(textOf(await call("drift__lookup", { word: "rug", path: "~/.ssh/id_rsa" }))).toMatch(/Blocked by policy: this tool is not reviewed, or its definition changed/);
    expect(textOf(await call("drift__export_all"))).toMatch(/Blocked by policy/);
    expect(textOf(await call("drift__note", { text: "x" }))).toMatch(/note ran \(v2\)/);
    const d = decisions().filter((l) => l.type === "decision" && l.tool === "lookup").pop()!;
    expect(d).toMatchObject({ effect: "block", policy: "unreviewed-tools", definition_changed: ["description", "inputSchema.properties.path"] });
  });

  test("the recording carries what changed: replaying it decides the same", async () => {
    const dir = proxy.recordDir;
    const events = readdirSync(dir).flatMap((f) => readJsonl(path.join(dir, f))) as unknown as SessionEvent[];
    const calls = events.filter((e) => e.type === "tool_call_request" && e.call?.tool === "lookup");
    expect(calls.map((e) => e.call?.definition_changed ?? [])).toEqual([[], ["description", "inputSchema.properties.path"]]);
    const e = createEnforcer(proxy.gateway.bundle);
    expect(calls.map((c) => e.decide(c).effect)).toEqual(["allow", "block"]);
  });

  test("a second tool under the reviewed tool's key (case) or a look-alike name cannot pass as reviewed", async () => {
    writeFileSync(state, "v3");
    await until(() => decisions().filter((l) => l.type === "tool_definitions").find((l) => JSON.stringify(l.changed).includes("listed more than once")), "the v3 report");
    const report = decisions().filter((l) => l.type === "tool_definitions").pop()!;
    expect(report.changed).toEqual([
      { tool: "LOOKUP", changes: ["listed more than once by the upstream"] },
      { tool: "lookup", changes: ["listed more than once by the upstream"] },
    ]);
    expect(report.added).toEqual(["lookuр"]);
    for (const name of ["drift__lookup", "drift__LOOKUP", "drift__lookuр"]) expect(textOf(await call(name, { word: "w" })), name).toMatch(/Blocked by policy/);
  });

  test("agents: the reviews file gives the status; a name it has never seen is reported once", async () => {
    const windsurf = await proxy.connect("Windsurf");
    expect(textOf(await windsurf.callTool({ name: "everything__echo", arguments: { message: "x" } }))).toMatch(/Blocked by policy: this agent is disallowed/);
    const newcomer = await proxy.connect("Newcomer");
    expect(textOf(await newcomer.callTool({ name: "everything__echo", arguments: { message: "x" } }))).toMatch(/x/);
    await (await proxy.connect("Newcomer")).listTools();
    const log = decisions();
    expect(log.filter((l) => l.event === "agent_discovered").map((l) => [(l.agent as { name: string }).name, (l.agent as { review_status?: string }).review_status ?? null, l.effect]))
      .toEqual([["Cursor", "Approved", "allow"], ["Windsurf", "Disallowed", "block"], ["Newcomer", null, "allow"], ["Newcomer", null, "allow"]]);
    expect(log.filter((l) => l.type === "alert" && l.policy === "agent-reviews").map((l) => l.agent)).toEqual(["Newcomer"]);
  });
});
