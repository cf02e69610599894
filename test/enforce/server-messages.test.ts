/**
 * What servers send besides tool results is decided too (`when tool_response` of the request path or
 * of the server's own message):
 * - in front of the real `server-everything` (a copy whose documents folder holds a planted `.env`
 *   and an "internal only" plan): a resource, a prompt, a log message and a sampling request arrive
 *   masked; withheld ones never arrive and are logged as withheld; replaying the recording gives the
 *   same decisions;
 * - in front of a hostile server: a key in its instructions and in progress messages, a key split
 *   across two log messages, a `.env` served as a blob,
 *   an address nested in an extra `structuredContent`, method names in another case, a log message
 *   before `initialize`: each masked, withheld or refused, never passed on unmasked.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { LoggingMessageNotificationSchema, type CreateMessageRequest } from "@modelcontextprotocol/sdk/types.js";
import { replayFiles, type ReplayRecord } from "../../testing/session/replay.js";
import { buildBundleFile, importLiveCatalog, readJsonl, requireServer, ROOT, SERVERS, textOf, until } from "./helpers.js";
import { inProcessProxy } from "./in-process.js";
import { runCli } from "../support/cli.js";

const work = mkdtempSync(path.join(tmpdir(), "enforce-server-messages-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const KEY = "AKIAIOSFODNN7EXAMPLE";
const EMAIL = "ops@example.com";

/** server-everything as installed, with two planted documents (its code is unchanged; its modules resolve from ours). */
function plantedEverything(entry: string): string[] {
  const dir = path.join(work, "everything");
  const dist = path.dirname(entry);
  cpSync(dist, path.join(dir, "dist"), { recursive: true });
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  writeFileSync(path.join(dir, "dist", "docs", "env.txt"), `AWS_ACCESS_KEY_ID=${KEY}\nOWNER=${EMAIL}\nREGION=eu-west-1\n`);
  writeFileSync(path.join(dir, "dist", "docs", "plan.txt"), "INTERNAL ONLY: the 2027 roadmap\n");
  return [process.execPath, path.join(dir, "dist", path.basename(entry)), ...SERVERS.everything.args];
}

/** Decisions of the decision log and of `replayFiles` over the recordings, for the responses the log has. */
async function logAndReplay(p: { decisionLog: string; recordDir: string }, bundle: Parameters<typeof replayFiles>[1]) {
  const logged = readJsonl(p.decisionLog).filter((l) => l["type"] === "decision" && l["event"] === "tool_call_response");
  const files = readdirSync(p.recordDir).map((f) => path.join(p.recordDir, f));
  const replayed: ReplayRecord[] = [];
  await replayFiles(files, bundle, (r) => { if (r.kind === "decision" && r.event.type === "tool_call_response") replayed.push(r); });
  const key = (session: unknown, call: unknown) => `${String(session)} ${String(call)}`;
  const byCall = new Map(replayed.map((r) => [key(r.event.session_id, r.event.call_id), r.decision]));
  const live = logged.map((l) => [l["tool"], l["outcome"], l["effect"], l["policy"]]);
  const again = logged.map((l) => {
    const d = byCall.get(key(l["session_id"], l["call_id"]));
    return [l["tool"], l["outcome"], d?.effect, d?.policy?.id ?? null];
  });
  return { logged, live, again };
}

const EVERYTHING_POLICIES = `
detector LogLine /level.message/ class INTERNAL
detector BlobLine /base64 blob created/ class INTERNAL
policy "What everything sends is masked" {
  id mask-everything
  when tool_response
  if integration is everything
  if data_class in [SECRETS, PII, INTERNAL]
  action sanitize, alert "masked what everything sent"
}
policy "Internal documents never reach the agent" {
  id withhold-internal
  when tool_response
  if integration is everything
  if body contains any ["internal only"]
  action block "internal documents are withheld from agents"
}
default allow
`;

describe("policy enforce on resources, prompts, log messages and sampling (server-everything)", () => {
  test("planted secrets arrive masked, withheld results never arrive, replay agrees", { timeout: 120_000 }, async (ctx) => {
    const entry = requireServer(SERVERS.everything.pkg, ctx);
    const server = plantedEverything(entry);
    const catalog = path.join(work, "everything.catalog.json");
    await importLiveCatalog(server, "everything", catalog);
    const { bundle, file: bundleFile } = buildBundleFile(path.join(work, "e"), "everything", EVERYTHING_POLICIES, [catalog]);
    const p = await inProcessProxy({ bundle, upstreams: [{ integration: "everything", command: server }], dir: path.join(work, "e"), sampling: true });
    const sampled: CreateMessageRequest["params"][] = [];
    const logs: unknown[] = [];
    try {
      const c = await p.connect("Cursor", { sampling: (params) => { sampled.push(params); return { role: "assistant", content: { type: "text", text: "ok" }, model: "test-model" }; } });
      c.setNotificationHandler(LoggingMessageNotificationSchema, (n) => { logs.push(n.params); });

      // A resource: the read is allowed, the planted key and address are masked.
      const env = await c.readResource({ uri: "demo://resource/static/document/env.txt" });
      expect(JSON.stringify(env)).not.toContain(KEY);
      expect(JSON.stringify(env)).not.toContain(EMAIL);
      expect((env.contents[0] as { text: string }).text).toBe("AWS_ACCESS_KEY_ID=[REDACTED:SECRETS]\nOWNER=[REDACTED:PII]\nREGION=eu-west-1\n");
      // Withheld: an error saying so, without the document.
      const plan = await c.readResource({ uri: "demo://resource/static/document/plan.txt" }).then(() => undefined, (e: Error) => e);
      expect(plan?.message).toMatch(/withheld by the enforcement point .*internal documents are withheld from agents/);
      expect(plan?.message).not.toContain("roadmap");
      // A blob that is text is decided (and forwarded) as its text.
      const blob = await c.readResource({ uri: "demo://resource/dynamic/blob/1" });
      expect(blob.contents[0]).not.toHaveProperty("blob");
      expect((blob.contents[0] as { text: string }).text).toMatch(/^Resource 1: This is a \[REDACTED:INTERNAL\] at /);

      // A prompt filled in with a planted address.
      const prompt = await c.getPrompt({ name: "args-prompt", arguments: { city: EMAIL } });
      expect(JSON.stringify(prompt)).not.toContain(EMAIL);
      expect(prompt.messages[0]!.content).toEqual({ type: "text", text: "What's weather in [REDACTED:PII]?" });
      const internal = await c.getPrompt({ name: "args-prompt", arguments: { city: "internal only" } }).then(() => undefined, (e: Error) => e);
      expect(internal?.message).toMatch(/withheld/);

      // Log messages: the first one comes at once.
      await c.callTool({ name: "toggle-simulated-logging", arguments: {} });
      const first = await until(() => logs[0] as { level: string; data: string } | undefined, "a log message");
      expect(first.data).toContain("[REDACTED:INTERNAL]");
      expect(first.data).not.toMatch(/level.message/);
      await c.callTool({ name: "toggle-simulated-logging", arguments: {} });

      // Sampling: the text the server asks the model to read arrives masked; a withheld request never arrives.
      const s1 = await c.callTool({ name: "trigger-sampling-request", arguments: { prompt: `please read ${KEY}` } });
      expect(textOf(s1)).toContain("LLM sampling result");
      expect(sampled).toHaveLength(1);
      expect(JSON.stringify(sampled[0])).not.toContain(KEY);
      expect(JSON.stringify(sampled[0])).toContain("[REDACTED:SECRETS]");
      const s2 = await c.callTool({ name: "trigger-sampling-request", arguments: { prompt: "internal only: the roadmap" } });
      expect(sampled).toHaveLength(1);
      expect(JSON.stringify(s2)).toMatch(/withheld/);
    } finally {
      await p.close();
    }
    const { logged, live, again } = await logAndReplay(p, bundle);
    expect(live).toEqual(expect.arrayContaining([
      ["resources/read", "response_sanitized", "allow", null],
      ["resources/read", "response_withheld", "block", "withhold-internal"],
      ["prompts/get", "response_sanitized", "allow", null],
      ["prompts/get", "response_withheld", "block", "withhold-internal"],
      ["notifications/message", "response_sanitized", "allow", null],
      ["sampling/createMessage", "response_sanitized", "allow", null],
      ["sampling/createMessage", "response_withheld", "block", "withhold-internal"],
    ]));
    expect(again).toEqual(live.map((l) => [l[0], l[1], l[2], l[3]]));
    // \`policy replay --format json\` of the recording: the same decisions, call by call.
    const files = readdirSync(p.recordDir).map((f) => path.join(p.recordDir, f));
    const out = await runCli(["replay", ...files, "--bundle", bundleFile, "--format", "json"]);
    expect(out.code).toBe(0);
    const lines = out.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { session_id: string; call_id: string; decision: { effect: string; policy: { id: string } | null; sanitize: { policy: string }[] } });
    const byCall = new Map(lines.map((l) => [`${l.session_id} ${l.call_id}`, l.decision]));
    expect(logged.map((l) => { const d = byCall.get(`${String(l["session_id"])} ${String(l["call_id"])}`); return [d?.effect, d?.policy?.id ?? null]; }))
      .toEqual(logged.map((l) => [l["effect"], l["policy"]]));
    expect(logged.every((l) => typeof l["call_id"] === "string")).toBe(true);
  });
});

const HOSTILE_POLICIES = `
policy "Keys and addresses from the hostile server are masked" {
  id mask-hostile
  when tool_response
  if integration is hostile
  if data_class in [SECRETS, PII]
  action sanitize
}
policy "Internal lines are withheld" {
  id withhold-hostile
  when tool_response
  if integration is hostile
  if body contains any ["internal only"]
  action block "internal"
}
policy "A model's answer with a key never goes back to the server" {
  id answers-without-keys
  if tool is "hostile.sampling/createMessage"
  if data_class has SECRETS
  action block "the answer holds a key"
}
policy "Some lines need a person" {
  id hold-hostile
  when tool_response
  if integration is hostile
  if body contains any ["hold me"]
  action require_approval "a person reads it first"
}
default allow
`;

describe("a hostile upstream cannot get a planted key to the agent unmasked", () => {
  test("split log messages, blobs, nested structuredContent, cased methods, messages before initialize", { timeout: 120_000 }, async () => {
    const tsx = pathToFileURL(path.join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;
    const server = [process.execPath, "--import", tsx, path.join(ROOT, "test/enforce/hostile-server.ts")];
    const catalog = path.join(work, "hostile.catalog.json");
    await importLiveCatalog(server, "hostile", catalog);
    const { bundle } = buildBundleFile(path.join(work, "h"), "hostile", HOSTILE_POLICIES, [catalog]);
    const dir = path.join(work, "h");
    mkdirSync(dir, { recursive: true });
    const p = await inProcessProxy({ bundle, upstreams: [{ integration: "hostile", command: server }], dir, sampling: true });
    const received: string[] = [];
    try {
      // A session whose client has not said who it is yet: nothing reaches it, and its agent is not decided by it.
      const early = await p.raw();
      const c = await p.connect("Cursor", { sampling: (params) => {
        received.push(JSON.stringify(params));
        return { role: "assistant", content: { type: "text", text: JSON.stringify(params).includes("echo") ? `the key is ${KEY}` : "ok" }, model: "m" };
      } });
      c.setNotificationHandler(LoggingMessageNotificationSchema, (n) => { received.push(JSON.stringify(n.params)); });
      const all = () => received.join("\n");

      // The server's instructions (they go into the model's context) arrive masked.
      expect(c.getInstructions()).toBe("Always use the key [REDACTED:SECRETS].");
      // Progress messages during a call: masked, or dropped when withheld (an extra field is masked too, and the SDK drops it).
      const progress: string[] = [];
      await c.callTool({ name: "leak", arguments: { mode: "progress" } }, undefined, { onprogress: (x) => { progress.push(JSON.stringify(x)); } });
      await until(() => (progress.length >= 1 ? true : undefined), "a progress message");
      await new Promise((r) => setTimeout(r, 100));
      expect(progress[0]).toBe(JSON.stringify({ progress: 1, total: 2, message: "reading [REDACTED:SECRETS]" }));
      expect(progress.slice(1)).toEqual(progress.length > 1 ? [JSON.stringify({ progress: 3 })] : []);
      expect(progress.join("\n")).not.toContain(KEY);
      expect(progress.join("\n")).not.toContain("2027 plan");

      await c.callTool({ name: "leak", arguments: { mode: "split" } });
      await until(() => (received.length >= 2 ? true : undefined), "two log messages");
      expect(received[0]).toContain("key part");
      expect(received[1]).toContain("and more");
      // The halves joined never make the key: the second half is masked.
      expect(all().replace(/[\s\S]*?"data":"key part ([^"]*)"[\s\S]*?"data":"([^"]*)"[\s\S]*/, "$1$2")).not.toContain(KEY);
      expect(received[1]).toContain("[REDACTED:SECRETS]");

      await c.callTool({ name: "leak", arguments: { mode: "plain" } });
      await until(() => (all().includes("all good") ? true : undefined), "the last log message");
      expect(all()).toContain("the key is [REDACTED:SECRETS]");
      expect(all()).not.toContain("2027 plan");
      // A notification cannot be held for a person: withheld.
      expect(all()).not.toContain("hold me");

      const cased = await c.callTool({ name: "leak", arguments: { mode: "case" } });
      expect(textOf(cased)).toMatch(/^refused: .*Method not found/);

      const sampled = await c.callTool({ name: "leak", arguments: { mode: "sample" } });
      expect(textOf(sampled)).toMatch(/^sampled/);
      const withheld = await c.callTool({ name: "leak", arguments: { mode: "sample-internal" } });
      expect(textOf(withheld)).toMatch(/^refused: .*withheld/);
      // The model's answer going back is decided as a call: one holding a key is refused.
      const echoed = await c.callTool({ name: "leak", arguments: { mode: "sample-echo" } });
      expect(textOf(echoed)).toMatch(/^refused: .*Blocked by policy: the answer holds a key/);

      const env = await c.readResource({ uri: "hostile://env" });
      expect(env.contents[0]).toEqual({ uri: "hostile://env", mimeType: "application/octet-stream", text: "AWS_ACCESS_KEY_ID=[REDACTED:SECRETS]\nREGION=eu-west-1\n" });
      const nested = await c.readResource({ uri: "hostile://nested" });
      expect(JSON.stringify(nested)).not.toContain(EMAIL);
      expect((nested as unknown as { structuredContent: unknown }).structuredContent).toEqual({ a: { b: ["owner [REDACTED:PII]"] } });
      const prompt = await c.getPrompt({ name: "p" });
      expect(JSON.stringify(prompt)).not.toContain(KEY);
      expect(JSON.stringify(prompt)).not.toContain(Buffer.from(`AWS_ACCESS_KEY_ID=${KEY}`).toString("base64"));

      await new Promise((r) => setTimeout(r, 200));
      expect(all()).not.toContain(KEY);
      expect(all()).not.toContain(EMAIL);
      expect(all()).not.toContain("cased");
      expect(all()).not.toContain("early");
      expect(JSON.stringify(early.received)).not.toContain(KEY);
      expect(early.received).toEqual([]);
      await early.close();

      // With a second agent session open, a server's log cannot be told apart by session: dropped, not broadcast.
      const other: string[] = [];
      const c2 = await p.connect("Other");
      c2.setNotificationHandler(LoggingMessageNotificationSchema, (n) => { other.push(JSON.stringify(n.params)); });
      const before = received.length;
      await c.callTool({ name: "leak", arguments: { mode: "plain" } });
      await new Promise((r) => setTimeout(r, 300));
      expect(received.length).toBe(before);
      expect(other).toEqual([]);
    } finally {
      await p.close();
    }
    // The early session never decided an agent; the other one is "Cursor".
    const agents = readJsonl(p.decisionLog).filter((l) => l["event"] === "agent_discovered").map((l) => (l["agent"] as { name?: string }).name);
    expect(agents).toEqual(["Cursor", "Other"]);
    const { live, again } = await logAndReplay(p, bundle);
    expect(live.filter((l) => l[0] === "notifications/message").map((l) => l[1])).toEqual(["response_sanitized", "response_sanitized", "response_withheld", "response_held"]);
    expect(again).toEqual(live);
  });
});
