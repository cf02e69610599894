/**
 * The metrics the proxy feeds (ops/metrics.ts through enforce/observer.ts), in this process in
 * front of the real server-everything: approvals pending and decided, alert deliveries and
 * failures, store errors (a session store that goes down), decisions by policy, and `/readyz`
 * turning 503 when the store is unreachable.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { startProxy } from "../../enforce/start.js";
import { Gateway } from "../../enforce/gateway.js";
import { FileApprovalStore } from "../../enforce/approvals/file-store.js";
import { Upstream } from "../../enforce/upstream.js";
import { MemoryStore, type SessionStore } from "../../runtime/index.js";
import { ProxyMetrics } from "../../ops/metrics.js";
import { serveOps } from "../../ops/ops-server.js";
import { buildBundleFile, importLiveCatalog, requireServer, serverCommand, SERVERS, textOf, until, webhookReceiver } from "../enforce/helpers.js";

const work = mkdtempSync(path.join(tmpdir(), "ops-metrics-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const POLICIES = `
policy "Sums need approval" {
  id sums-approval
  if tool is everything.get-sum
  action require_approval "check the sum"
}
policy "Echo is watched" {
  id echo-watch
  if tool is everything.echo
  action allow, alert "echo called" to "#sec"
}
`;

async function connect(g: Gateway): Promise<Client> {
  const [a, b] = InMemoryTransport.createLinkedPair();
  await g.createSession().server.connect(b);
  const c = new Client({ name: "Cursor", version: "1.0.0" });
  await c.connect(a);
  return c;
}

async function value(m: ProxyMetrics, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = metric?.values.find((x) => Object.entries(labels).every(([k, want]) => String((x.labels as Record<string, unknown>)[k]) === want));
  return v?.value;
}

async function setup(ctx: { skip: (note?: string) => void }) {
  const entry = requireServer(SERVERS.everything.pkg, ctx);
  const server = serverCommand(entry, [...SERVERS.everything.args]);
  const catalog = path.join(work, "everything.catalog.json");
  await importLiveCatalog(server, "everything", catalog);
  return { server, bundle: buildBundleFile(path.join(work, "src"), "m", POLICIES, [catalog]).bundle };
}

describe("metrics fed by the proxy", () => {
  test("approvals pending and decided, alert deliveries and failures", { timeout: 90_000 }, async (ctx) => {
    const { server, bundle } = await setup(ctx);
    const hook = await webhookReceiver((n) => (n === 1 ? 200 : 400));
    const metrics = new ProxyMetrics({ defaults: false });
    const proxy = await startProxy({
      bundle, upstreams: [{ integration: "everything", command: server }], stateDir: path.join(work, "state"), approvalTimeoutMs: 1500,
      alertsWebhook: hook.url, observer: metrics, upstreamStderr: "ignore",
    });
    try {
      const c = await connect(proxy.gateway);
      const held = c.callTool({ name: "get-sum", arguments: { a: 1, b: 2 } });
      await until(async () => ((await value(metrics, "policy_approvals_pending")) === 1 ? true : undefined), "one pending approval");
      expect(textOf(await held)).toMatch(/^Not approved: check the sum \(no approval within/);
      expect(await value(metrics, "policy_approvals_pending")).toBe(0);
      expect(await value(metrics, "policy_approvals_decided_total", { status: "expired" })).toBe(1);
      expect(await value(metrics, "policy_decisions_total", { effect: "require_approval", policy: "sums-approval", integration: "everything" })).toBe(1);

      await c.callTool({ name: "echo", arguments: { message: "one" } });
      await c.callTool({ name: "echo", arguments: { message: "two" } });
      await until(async () => ((await value(metrics, "policy_alert_deliveries_total", { result: "failed" })) === 1 ? true : undefined), "the failed delivery");
      expect(await value(metrics, "policy_alert_deliveries_total", { result: "delivered" })).toBe(1);
      expect(await value(metrics, "policy_decisions_total", { effect: "allow", policy: "echo-watch", integration: "everything" })).toBe(2);
      await c.close();
    } finally {
      await proxy.close();
      await hook.close();
    }
  });

  test("a session store that goes down: store errors counted, /readyz 503", { timeout: 60_000 }, async (ctx) => {
    const { server, bundle } = await setup(ctx);
    const mem = new MemoryStore();
    let down = false;
    const fail = () => Promise.reject(new Error("connection refused"));
    const store: SessionStore & { ready(ms?: number): Promise<void> } = {
      sync: false,
      begin: (q) => (down ? fail() : Promise.resolve(mem.begin(q))),
      finish: (u) => (down ? fail() : Promise.resolve(mem.finish(u))),
      respond: (u) => (down ? fail() : Promise.resolve(mem.respond(u))),
      ready: () => (down ? Promise.reject(new Error("redis not ready")) : Promise.resolve()),
    };
    const metrics = new ProxyMetrics({ defaults: false });
    const approvals = new FileApprovalStore(path.join(work, "state2"));
    approvals.init();
    const g = new Gateway({ bundle, upstreams: [await Upstream.connect({ integration: "everything", command: server }, { stderr: "ignore" })], approvals, store, observer: metrics });
    const ops = await serveOps({ registry: metrics.registry, ready: [{ name: "store", check: async () => { await store.ready(); return undefined; } }] }, "127.0.0.1", 0);
    try {
      const c = await connect(g);
      expect((await c.callTool({ name: "echo", arguments: { message: "up" } })).isError).toBeFalsy();
      expect((await fetch(`${ops.url}/readyz`)).status).toBe(200);
      down = true;
      const r = await c.callTool({ name: "echo", arguments: { message: "down" } });
      expect(textOf(r)).toMatch(/fail closed/);
      expect(await value(metrics, "policy_store_errors_total")).toBe(1);
      const ready = await fetch(`${ops.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ ok: false, checks: { store: "redis not ready" } });
      expect(await (await fetch(`${ops.url}/metrics`)).text()).toMatch(/^policy_store_errors_total 1$/m);
      await c.close();
    } finally {
      await g.close();
      ops.server.close();
    }
  });
});
