/**
 * `policy enforce --bundle-url … --key … --metrics …` as a separate process in front of the real
 * server-everything: a scripted session's counts scraped over HTTP, `/healthz` and `/readyz`, a new
 * signed bundle picked up by the running proxy and reported in the decision log and the metrics,
 * and the refusals at start (no server and no cache; an unsigned bundle with --key; plain http
 * to another host without --key).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { serveBundles } from "../../ops/bundle-server.js";
import { spawnCli } from "../support/cli.js";
import { buildBundleFile, importLiveCatalog, readJsonl, requireServer, serverCommand, SERVERS, startProxyClient, textOf } from "../enforce/helpers.js";
import { keyPair, publish, sigOf } from "./bundles.js";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";

const work = mkdtempSync(path.join(tmpdir(), "ops-enforce-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const V1 = `
policy "Sums are fine" {
  id sums
  if tool is everything.get-sum
  action allow
}
policy "No long operations" {
  id no-long
  if tool is everything.trigger-long-running-operation
  action block "Long-running operations are not allowed"
}
`;
const V2 = `
policy "No sums any more" {
  id no-sums
  if tool is everything.get-sum
  action block "Sums are switched off"
}
`;

/** The value of one sample of the Prometheus text, e.g. `policy_decisions_total{effect="allow",…}`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe("policy enforce --bundle-url --metrics", () => {
  test("a scripted session's counts over HTTP; a new signed bundle is loaded and reported", { timeout: 240_000 }, async (ctx) => {
    const entry = requireServer(SERVERS.everything.pkg, ctx);
    const server = serverCommand(entry, [...SERVERS.everything.args]);
    const catalog = path.join(work, "everything.catalog.json");
    await importLiveCatalog(server, "everything", catalog);
    const dist = path.join(work, "dist");
    const { privateKey, publicPem } = keyPair();
    writeFileSync(path.join(work, "k.pub.pem"), publicPem);
    const b1 = buildBundleFile(path.join(work, "src1"), "acme", V1, [catalog]);
    const b2 = buildBundleFile(path.join(work, "src2"), "acme", V2, [catalog]);
    const t1 = { text: readFileSync(b1.file, "utf8"), revision: b1.bundle.revision };
    const t2 = { text: readFileSync(b2.file, "utf8"), revision: b2.bundle.revision };
    rmSync(dist, { recursive: true, force: true });
    mkdirSync(dist);
    publish(dist, "acme.json", t1.text, sigOf(t1, privateKey, "acme", new Date(Date.now() - 60_000)));
    const srv = await serveBundles(dist, "127.0.0.1", 0);
    const log = path.join(work, "decisions.jsonl");
    const p = await startProxyClient([
      "--bundle-url", `${srv.url}acme.json`, "--key", path.join(work, "k.pub.pem"), "--poll", "300ms", "--metrics", "127.0.0.1:0",
      "--state-dir", path.join(work, "state"), "--decision-log", log, "--integration", "everything", "--", ...server,
    ]);
    try {
      const base = (await p.waitForStderr(/metrics at (http:\/\/127\.0\.0\.1:\d+)\/metrics/))[1]!;
      expect(textOf(await p.client.callTool({ name: "get-sum", arguments: { a: 1, b: 2 } }))).toContain("3");
      expect(textOf(await p.client.callTool({ name: "get-sum", arguments: { a: 2, b: 2 } }))).toContain("4");
      expect(textOf(await p.client.callTool({ name: "trigger-long-running-operation", arguments: { duration: 1, steps: 1 } }))).toBe("Blocked by policy: Long-running operations are not allowed");
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ ok: true, checks: { bundle: "ok", store: "ok" } });
      const m = await (await fetch(`${base}/metrics`)).text();
      expect(sample(m, "policy_decisions_total", { effect: "allow", integration: "everything", policy: "sums" })).toBe(2);
      expect(sample(m, "policy_decisions_total", { effect: "block", integration: "everything", policy: "no-long" })).toBe(1);
      expect(sample(m, "policy_decisions_total", { effect: "allow", integration: "", policy: "default" })).toBe(1); // agent_discovered
      expect(sample(m, "policy_decision_duration_seconds_count")).toBe(4);
      expect(sample(m, "policy_bundle_info", { revision: t1.revision })).toBe(1);
      expect(sample(m, "policy_bundle_last_reload_success")).toBe(1);
      expect(sample(m, "policy_approvals_pending")).toBe(0);
      expect(sample(m, "policy_store_errors_total")).toBe(0);

      // A new signed bundle: loaded for new sessions, reported in the metrics and the decision log.
      publish(dist, "acme.json", t2.text, sigOf(t2, privateKey, "acme", new Date()));
      await p.waitForStderr(new RegExp(`loaded bundle revision ${t2.revision}`));
      const m2 = await (await fetch(`${base}/metrics`)).text();
      expect(sample(m2, "policy_bundle_info", { revision: t2.revision })).toBe(1);
      expect(sample(m2, "policy_bundle_info", { revision: t1.revision })).toBeUndefined();
      // An unsigned one is refused: the metrics say so, the loaded bundle stays.
      publish(dist, "acme.json", t1.text.replace("Sums are fine", "Sums are FINE"), undefined);
      await p.waitForStderr(/bundle refused: .*no signature/);
      const m3 = await (await fetch(`${base}/metrics`)).text();
      expect(sample(m3, "policy_bundle_last_reload_success")).toBe(0);
      expect(sample(m3, "policy_bundle_reloads_total", { result: "refused" })).toBeGreaterThanOrEqual(1);
      expect(sample(m3, "policy_bundle_info", { revision: t2.revision })).toBe(1);
    } finally {
      await p.close();
      srv.server.close();
    }
    const lines = readJsonl(log);
    expect(lines.filter((l) => l["type"] === "bundle_pulled").map((l) => [l["revision"], l["from"], l["url"]])).toEqual([[t1.revision, "server", `${srv.url}acme.json`], [t2.revision, "server", `${srv.url}acme.json`]]);
    expect(lines.some((l) => l["type"] === "bundle_refused")).toBe(true);
    expect(lines.filter((l) => l["type"] === "decision").every((l) => l["revision"] === t1.revision)).toBe(true);
  });

  test("refusals at start: no server and no cache, an unsigned bundle with --key, plain http elsewhere without --key", { timeout: 300_000 }, async () => {
    const dist = mkdtempSync(path.join(work, "d-"));
    const { publicPem } = keyPair();
    writeFileSync(path.join(dist, "k.pub.pem"), publicPem);
    writeFileSync(path.join(dist, "acme.json"), "{}");
    const srv = await serveBundles(dist, "127.0.0.1", 0);
    try {
      const common = ["--bundle-wait", "0", "--state-dir", path.join(dist, "state"), "--", "true"];
      const none = await spawnCli(["enforce", "--bundle-url", "http://127.0.0.1:9/acme.json", "--key", path.join(dist, "k.pub.pem"), ...common], { timeoutMs: 90_000 });
      expect(none.code).toBe(2);
      expect(none.stderr).toMatch(/no bundle to enforce: .*127\.0\.0\.1:9.*no cached bundle/);
      const unsigned = await spawnCli(["enforce", "--bundle-url", `${srv.url}acme.json`, "--key", path.join(dist, "k.pub.pem"), ...common], { timeoutMs: 90_000 });
      expect(unsigned.code).toBe(2);
      expect(unsigned.stderr).toMatch(/no signature/);
      const clear = await spawnCli(["enforce", "--bundle-url", "http://bundles.example.com/acme.json", ...common], { timeoutMs: 90_000 });
      expect(clear.code).toBe(2);
      expect(clear.stderr).toContain("without --key, whoever can answer for bundles.example.com");
      const both = await spawnCli(["enforce", "--bundle", "b.json", "--bundle-url", `${srv.url}acme.json`, ...common], { timeoutMs: 90_000 });
      expect(both.stderr).toContain("not both");
    } finally {
      srv.server.close();
    }
  });
});
