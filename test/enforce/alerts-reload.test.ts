/**
 * Alerts and hot reload, in front of the real `server-everything`:
 * - an `alert … to "#channel"` reaches a local Slack-style webhook receiver with what, why,
 *   agent, tool and integration, after retries when the receiver fails at first, and also lands
 *   in the decision log;
 * - a webhook that never answers does not slow the call down;
 * - a new bundle written over the file is picked up by new sessions while a running session
 *   keeps its revision.
 */
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { buildBundleFile, importLiveCatalog, readJsonl, requireServer, serverCommand, SERVERS, startProxyClient, textOf, until, webhookReceiver } from "./helpers.js";

const work = mkdtempSync(path.join(tmpdir(), "enforce-alerts-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const V1 = `
policy "Watch sums" {
  if tool is everything.get-sum
  action allow, alert "an agent is adding numbers" to "#sec-alerts"
}
policy "No long operations" {
  if tool is everything.trigger-long-running-operation
  action block "Long-running operations are not allowed"
}
`;

const V2 = `
policy "No sums any more" {
  if tool is everything.get-sum
  action block "Sums are switched off"
}
`;

async function setup(ctx: { skip: (note?: string) => void }) {
  const entry = requireServer(SERVERS.everything.pkg, ctx);
  const server = serverCommand(entry, [...SERVERS.everything.args]);
  const catalog = path.join(work, "everything.catalog.json");
  await importLiveCatalog(server, "everything", catalog);
  return { server, catalog };
}

describe("alerts and hot reload in front of server-everything", () => {
  test("an alert reaches the webhook (after retries) and the decision log", { timeout: 90_000 }, async (ctx) => {
    const { server, catalog } = await setup(ctx);
    const { file } = buildBundleFile(path.join(work, "a"), "alerts", V1, [catalog]);
    const hook = await webhookReceiver((n) => (n === 1 ? 503 : 200));
    const log = path.join(work, "a", "decisions.jsonl");
    const p = await startProxyClient(["--bundle", file, "--integration", "everything", "--alerts-webhook", hook.url, "--decision-log", log, "--agent", "Claude Code", "--", ...server]);
    try {
      const r = await p.client.callTool({ name: "get-sum", arguments: { a: 2, b: 3 } });
      expect(r.isError).toBeFalsy();
      expect(textOf(r)).toContain("5");
      const blocked = await p.client.callTool({ name: "trigger-long-running-operation", arguments: { duration: 1, steps: 1 } });
      expect(textOf(blocked)).toBe("Blocked by policy: Long-running operations are not allowed");
      const body = await until(() => hook.bodies[0] as Record<string, unknown> | undefined, "the alert at the webhook");
      expect(hook.hits).toBe(2); // the first attempt got a 503 and was retried
      expect(body["channel"]).toBe("#sec-alerts");
      expect(body["text"]).toContain("an agent is adding numbers");
      expect(body["alert"]).toMatchObject({
        what: "an agent is adding numbers", policy: "watch-sums", effect: "allow",
        agent: "Claude Code", tool: "everything.get-sum", integration: "everything", channel: "#sec-alerts",
      });
      expect(String((body["alert"] as Record<string, unknown>)["why"])).toContain("Watch sums");
    } finally {
      await p.close();
      await hook.close();
    }
    const alerts = readJsonl(log).filter((l) => l["type"] === "alert");
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ what: "an agent is adding numbers", tool: "everything.get-sum" });
  });

  test("a webhook that never answers does not hold up the call", { timeout: 60_000 }, async (ctx) => {
    const { server, catalog } = await setup(ctx);
    const { file } = buildBundleFile(path.join(work, "b"), "alerts", V1, [catalog]);
    const hook = await webhookReceiver(() => 0);
    const p = await startProxyClient(["--bundle", file, "--integration", "everything", "--alerts-webhook", hook.url, "--", ...server]);
    try {
      const t0 = performance.now();
      const r = await p.client.callTool({ name: "get-sum", arguments: { a: 1, b: 1 } });
      const ms = performance.now() - t0;
      expect(r.isError).toBeFalsy();
      expect(ms).toBeLessThan(1000);
      await until(() => hook.hits > 0 || undefined, "the webhook to be tried");
    } finally {
      await p.close();
      await hook.close();
    }
  });

  test("hot reload: new sessions get the new bundle, a running session keeps its revision", { timeout: 90_000 }, async (ctx) => {
    const { server, catalog } = await setup(ctx);
    const dir = path.join(work, "c");
    const { file, bundle: b1 } = buildBundleFile(dir, "v1", V1, [catalog]);
    const live = path.join(dir, "live.bundle.json");
    writeFileSync(live, readFileSync(file));
    const log = path.join(dir, "decisions.jsonl");
    const rec = path.join(dir, "sessions");
    const state = path.join(dir, "state");
    const args = ["--bundle", live, "--integration", "everything", "--decision-log", log, "--record", rec, "--state-dir", state, "--", ...server];
    const first = await startProxyClient(args);
    let second: Awaited<ReturnType<typeof startProxyClient>> | undefined;
    const { file: f2, bundle: b2 } = buildBundleFile(dir, "v2", V2, [catalog]);
    try {
      expect((await first.client.callTool({ name: "get-sum", arguments: { a: 1, b: 2 } })).isError).toBeFalsy();
      expect(b2.revision).not.toBe(b1.revision);
      // Written the way `policy build -o` writes: a new file renamed into place.
      writeFileSync(`${live}.tmp`, readFileSync(f2));
      renameSync(`${live}.tmp`, live);
      await first.waitForStderr(new RegExp(`loaded bundle revision ${b2.revision}`));
      // Under stdio one process is one session: the running one keeps revision 1.
      const still = await first.client.callTool({ name: "get-sum", arguments: { a: 2, b: 2 } });
      expect(still.isError).toBeFalsy();
      second = await startProxyClient(args);
      const now = await second.client.callTool({ name: "get-sum", arguments: { a: 2, b: 2 } });
      expect(textOf(now)).toBe("Blocked by policy: Sums are switched off");
    } finally {
      await first.close();
      await second?.close();
    }
    const decisions = readJsonl(log).filter((l) => l["type"] === "decision" && l["event"] === "tool_call_request");
    expect(decisions.map((d) => [d["revision"], d["effect"]])).toEqual([[b1.revision, "allow"], [b1.revision, "allow"], [b2.revision, "block"]]);
  });
});
