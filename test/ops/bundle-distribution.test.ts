/**
 * Bundle distribution, the replica's side (ops/bundle-source.ts) against the reference server
 * (`policy serve-bundles`, ops/bundle-server.ts) and a plain static server (Python's http.server,
 * which sends no ETag), all on 127.0.0.1: a new signed bundle is picked up within one poll; an
 * unsigned, tampered, rolled-back or wrongly named one is refused and the last good one keeps
 * serving; the server going away changes nothing until it returns; a restart without the server
 * loads the cache; a huge or slow body is cut off.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { BundleSource, type SourceEvent } from "../../ops/bundle-source.js";
import { serveBundles, etagOf, noneMatch } from "../../ops/bundle-server.js";
import type { Bundle } from "../../runtime/types.js";
import { bundleWith, keyPair, publish, sigOf } from "./bundles.js";
import { signFile } from "../../cli/commands/keygen.js";
import { schemaValidator } from "../../compiler/json/validate.js";

const work = mkdtempSync(path.join(tmpdir(), "ops-dist-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const POLL = 150;
const t0 = Date.parse("2026-12-01T10:00:00Z");
const at = (minutes: number) => new Date(t0 + minutes * 60_000);

async function until<T>(f: () => T | undefined, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A source with its loaded bundles and events recorded. */
function source(url: string, cacheDir: string, publicKeyPem: string | undefined, extra: Partial<ConstructorParameters<typeof BundleSource>[0]> = {}) {
  const events: SourceEvent[] = [];
  const loaded: Bundle[] = [];
  const s = new BundleSource({ url, publicKeyPem, cacheDir, pollMs: POLL, maxBackoffMs: 400, timeoutMs: 2000, onEvent: (e) => events.push(e), ...extra });
  s.onBundle = (b) => loaded.push(b);
  const refusal = (re: RegExp) => until(() => events.find((e) => e.type === "bundle_refused" && re.test(e.reason)), `a refusal matching ${re}`);
  return { s, events, loaded, refusal };
}

describe("pulling signed bundles from the reference server", () => {
  test("new signed bundles are picked up within one poll; unsigned, tampered, rolled back or misnamed ones are refused and the last good one keeps serving", { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(path.join(work, "srv-"));
    const cache = path.join(work, "cache-a");
    const { privateKey, publicPem } = keyPair();
    const [v1, v2, v3, v4] = ["one", "two", "three", "four"].map(bundleWith) as [ReturnType<typeof bundleWith>, ReturnType<typeof bundleWith>, ReturnType<typeof bundleWith>, ReturnType<typeof bundleWith>];
    publish(dir, "acme.json", v1.text, sigOf(v1, privateKey, "acme", at(1)));
    const srv = await serveBundles(dir, "127.0.0.1", 0);
    const url = `${srv.url}acme.json`;
    const { s, loaded, events, refusal } = source(url, cache, publicPem);
    try {
      expect((await s.first(2000)).revision).toBe(v1.revision);
      s.start();

      publish(dir, "acme.json", v2.text, sigOf(v2, privateKey, "acme", at(2)));
      const t = Date.now();
      await until(() => loaded.find((b) => b.revision === v2.revision), "v2");
      expect(Date.now() - t).toBeLessThan(POLL * 1.1 + 500); // one poll (±10 % jitter) and the fetch

      publish(dir, "acme.json", v3.text, undefined); // unsigned
      await refusal(/no signature/);
      publish(dir, "acme.json", v3.text.replace('"three"', '"thr3e"'), sigOf(v3, privateKey, "acme", at(3))); // a byte changed after signing
      await refusal(/revision|modified after it was signed/);
      publish(dir, "acme.json", v1.text, sigOf(v1, privateKey, "acme", at(1))); // the old signed bundle again
      await refusal(/rollback/);
      publish(dir, "acme.json", v3.text, sigOf(v3, privateKey, "acme-staging", at(4))); // signed for another name
      await refusal(/signed for the name "acme-staging", not for "acme"/);
      publish(dir, "acme.json", v3.text, sigOf(v3, keyPair().privateKey, "acme", at(4))); // another key
      await refusal(/not verified/);
      expect(loaded.map((b) => b.revision)).toEqual([v2.revision]);
      expect(s.status).toMatchObject({ revision: v2.revision, lastResult: "refused" });

      publish(dir, "acme.json", v4.text, sigOf(v4, privateKey, "acme", at(5)));
      await until(() => loaded.find((b) => b.revision === v4.revision), "v4 after the refusals");
      expect(s.status).toMatchObject({ revision: v4.revision, failures: 0 });
      expect(events.filter((e) => e.type === "bundle_pulled").map((e) => e.type === "bundle_pulled" && e.from)).toEqual(["server", "server", "server"]);
    } finally {
      s.stop();
      srv.server.close();
    }
  });

  test("the server going away changes nothing until it returns; a restart without it loads the verified cache", { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(path.join(work, "srv-"));
    const cache = path.join(work, "cache-b");
    const { privateKey, publicPem } = keyPair();
    const v1 = bundleWith("alpha"), v2 = bundleWith("beta");
    publish(dir, "acme.json", v1.text, sigOf(v1, privateKey, "acme", at(1)));
    let srv = await serveBundles(dir, "127.0.0.1", 0);
    const port = Number(new URL(srv.url).port);
    const url = `${srv.url}acme.json`;
    const a = source(url, cache, publicPem);
    try {
      expect((await a.s.first(2000)).revision).toBe(v1.revision);
      a.s.start();
      await new Promise<void>((r) => { srv.server.closeAllConnections(); srv.server.close(() => r()); });
      const gone = await until(() => a.events.find((e) => e.type === "bundle_unreachable"), "the server is unreachable");
      expect(gone.type === "bundle_unreachable" && gone.reason).toContain(url);
      await sleep(POLL * 4);
      expect(a.loaded).toEqual([]);
      expect(a.s.status).toMatchObject({ revision: v1.revision, lastResult: "unreachable" });
      expect(a.s.nextDelay()).toBeLessThanOrEqual(400); // backoff, capped

      publish(dir, "acme.json", v2.text, sigOf(v2, privateKey, "acme", at(2)));
      srv = await serveBundles(dir, "127.0.0.1", port);
      await until(() => a.loaded.find((b) => b.revision === v2.revision), "v2 once the server is back");
    } finally {
      a.s.stop();
      srv.server.closeAllConnections();
      srv.server.close();
    }

    // A restart without the server: the cached bundle, verified again.
    const b = source(url, cache, publicPem);
    expect((await b.s.first(300)).revision).toBe(v2.revision);
    expect(b.events[0]).toMatchObject({ type: "bundle_pulled", from: "cache", revision: v2.revision });
    // The cache is checked like a download: an edited cached bundle is not enforced.
    const cached = path.join(cache, "bundle.json");
    writeFileSync(cached, readFileSync(cached, "utf8").replace('"beta"', '"BETA"'));
    const c = source(url, cache, publicPem);
    await expect(c.s.first(300)).rejects.toThrow(/no bundle to enforce/);
    expect(c.events.some((e) => e.type === "bundle_refused" && e.from === "cache" && /modified after it was signed|revision/.test(e.reason))).toBe(true);
  });

  test("a restart refuses to roll back below the cached bundle", { timeout: 20_000 }, async () => {
    const dir = mkdtempSync(path.join(work, "srv-"));
    const cache = path.join(work, "cache-c");
    const { privateKey, publicPem } = keyPair();
    const v1 = bundleWith("old"), v2 = bundleWith("new");
    publish(dir, "acme.json", v2.text, sigOf(v2, privateKey, "acme", at(2)));
    const srv = await serveBundles(dir, "127.0.0.1", 0);
    const url = `${srv.url}acme.json`;
    try {
      expect((await source(url, cache, publicPem).s.first(2000)).revision).toBe(v2.revision);
      publish(dir, "acme.json", v1.text, sigOf(v1, privateKey, "acme", at(1)));
      const again = source(url, cache, publicPem);
      expect((await again.s.first(2000)).revision).toBe(v2.revision);
      expect(again.events.some((e) => e.type === "bundle_refused" && /rollback/.test(e.reason))).toBe(true);
    } finally {
      srv.server.close();
    }
  });

  test("an old signature of the running content does not lower the floor (no rollback through a re-signed revert)", { timeout: 20_000 }, async () => {
    const dir = mkdtempSync(path.join(work, "srv-"));
    const { privateKey, publicPem } = keyPair();
    const B = bundleWith("bee"), C = bundleWith("sea");
    publish(dir, "acme.json", B.text, sigOf(B, privateKey, "acme", at(3))); // B, reverted to and signed again at 3
    const srv = await serveBundles(dir, "127.0.0.1", 0);
    const x = source(`${srv.url}acme.json`, path.join(work, "cache-e"), publicPem);
    try {
      expect((await x.s.first(2000)).revision).toBe(B.revision);
      publish(dir, "acme.json", B.text, sigOf(B, privateKey, "acme", at(1))); // B's first signature
      expect(await x.s.poll()).toBeUndefined();
      publish(dir, "acme.json", C.text, sigOf(C, privateKey, "acme", at(2))); // C, which B@3 replaced
      expect(await x.s.poll()).toBeUndefined();
      expect(x.events.at(-1)).toMatchObject({ type: "bundle_refused", reason: expect.stringMatching(/rollback/) });
      expect(x.s.status.revision).toBe(B.revision);
    } finally {
      srv.server.close();
    }
  });

  test("what `policy build --sign` writes follows schemas/bundle-signature.schema.json, name and time included", () => {
    const dir = mkdtempSync(path.join(work, "sig-"));
    const { privateKey } = keyPair();
    writeFileSync(path.join(dir, "k.pem"), privateKey.export({ type: "pkcs8", format: "pem" }).toString());
    const v = bundleWith("schema");
    const sig = JSON.parse(signFile(path.join(dir, "k.pem"), v.text, v.revision, "dist/acme-prod.json", at(7))) as Record<string, unknown>;
    const valid = schemaValidator("bundle-signature.schema.json");
    expect(valid(sig), JSON.stringify(valid.errors)).toBe(true);
    expect(sig).toMatchObject({ name: "acme-prod", issued: at(7).toISOString(), revision: v.revision });
    expect(valid({ ...sig, statement: undefined })).toBe(false);
    expect(() => signFile(path.join(dir, "k.pem"), v.text, v.revision, "dist/acme prod.json")).toThrow(/may hold only letters/);
  });

  test("the reference server: strong ETags, 304 on If-None-Match, nothing outside the folder", async () => {
    const dir = mkdtempSync(path.join(work, "srv-"));
    writeFileSync(path.join(dir, "acme.json"), "{}");
    writeFileSync(path.join(work, "secret.txt"), "no");
    writeFileSync(path.join(dir, ".hidden"), "no");
    const srv = await serveBundles(dir, "127.0.0.1", 0);
    try {
      const r = await fetch(`${srv.url}acme.json`);
      expect(r.status).toBe(200);
      expect(r.headers.get("etag")).toBe(etagOf(Buffer.from("{}")));
      expect((await fetch(`${srv.url}acme.json`, { headers: { "if-none-match": r.headers.get("etag")! } })).status).toBe(304);
      for (const p of ["..%2Fsecret.txt", ".hidden", "", "nope.json", "%2e%2e/secret.txt"]) expect((await fetch(`${srv.url}${p}`)).status).toBe(404);
      expect((await fetch(`${srv.url}acme.json`, { method: "PUT", body: "x" })).status).toBe(405);
      expect(noneMatch('W/"a", "b"', '"a"')).toBe(true);
    } finally {
      srv.server.close();
    }
  });
});

describe("hostile servers", () => {
  test("a body larger than the limit and a body that trickles are cut off; the last good bundle stays", { timeout: 20_000 }, async () => {
    const { privateKey, publicPem } = keyPair();
    const v1 = bundleWith("good");
    let mode: "good" | "huge" | "slow" | "huge-declared" = "good";
    const server: Server = createServer((req, res) => {
      if (req.url?.endsWith(".sig")) { res.end(sigOf(v1, privateKey, "acme", at(1))); return; }
      if (mode === "good") { res.end(v1.text); return; }
      if (mode === "huge-declared") { res.writeHead(200, { "content-length": String(1 << 30) }); res.write("{"); return; }
      if (mode === "huge") { res.writeHead(200); const chunk = Buffer.alloc(64 * 1024, 32); const pump = () => { while (res.write(chunk)); }; res.on("drain", pump); pump(); return; }
      res.writeHead(200); res.write("{"); const t = setInterval(() => res.write(" "), 100); res.on("close", () => clearInterval(t));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/acme.json`;
    const x = source(url, path.join(work, "cache-d"), publicPem, { maxBytes: 256 * 1024, timeoutMs: 700 });
    try {
      expect((await x.s.first(1000)).revision).toBe(v1.revision);
      for (const [m, re] of [["huge", /larger than 262144 bytes/], ["huge-declared", /larger than 262144 bytes/], ["slow", /no complete answer within 700 ms/]] as const) {
        mode = m;
        const started = Date.now();
        await x.s.poll();
        expect(Date.now() - started).toBeLessThan(3000);
        expect(x.events.at(-1)).toMatchObject({ type: "bundle_unreachable", reason: expect.stringMatching(re) });
        expect(x.s.status.revision).toBe(v1.revision);
      }
    } finally {
      x.s.stop();
      server.closeAllConnections();
      server.close();
    }
  });
});

/** Python's http.server: a plain static server without ETags (Last-Modified only). */
async function pythonServer(dir: string, ctx: { skip: (note?: string) => void }): Promise<{ url: string; child: ChildProcess } | undefined> {
  if (spawnSync("python3", ["--version"]).status !== 0) {
    if (process.env.CI === "true") throw new Error("python3 is needed for the plain static server test");
    ctx.skip("python3 is not installed");
    return undefined;
  }
  const child = spawn("python3", ["-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", dir], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => { out += c.toString(); });
  child.stderr!.on("data", (c: Buffer) => { out += c.toString(); });
  const port = await until(() => /port (\d+)/.exec(out)?.[1], "python http.server to listen");
  return { url: `http://127.0.0.1:${port}/`, child };
}

describe("pulling from a plain static server", () => {
  test("Python's http.server: picked up within one poll, tampered refused, server gone changes nothing", { timeout: 30_000 }, async (ctx) => {
    const dir = mkdtempSync(path.join(work, "py-"));
    const { privateKey, publicPem } = keyPair();
    const v1 = bundleWith("py one"), v2 = bundleWith("py two"), v3 = bundleWith("py three");
    publish(dir, "team.json", v1.text, sigOf(v1, privateKey, "team", at(1)));
    const py = await pythonServer(dir, ctx);
    if (!py) return;
    const x = source(`${py.url}team.json`, path.join(work, "cache-py"), publicPem);
    try {
      expect((await x.s.first(3000)).revision).toBe(v1.revision);
      x.s.start();
      publish(dir, "team.json", v2.text, sigOf(v2, privateKey, "team", at(2)));
      await until(() => x.loaded.find((b) => b.revision === v2.revision), "v2 from python");
      publish(dir, "team.json", v3.text.replace('"py three"', '"py 3"'), sigOf(v3, privateKey, "team", at(3)));
      await x.refusal(/revision|modified after it was signed/);
      py.child.kill();
      await until(() => x.events.find((e) => e.type === "bundle_unreachable"), "python gone");
      expect(x.s.status.revision).toBe(v2.revision);
      expect(x.loaded.map((b) => b.revision)).toEqual([v2.revision]);
    } finally {
      x.s.stop();
      py.child.kill();
    }
  });
});
