/**
 * The HTTP transport under attack, on 127.0.0.1 (a free port) in front of server-everything:
 * forged Origin/Host (DNS rebinding), a missing or invalid token, an expired or foreign JWT, a
 * stolen session id, a 9 MiB body, an idle flood and the per-token cap. Every refusal is checked
 * to leave the tool unrun (no decision reaches the decision log).
 */
import { execFileSync } from "node:child_process";
import { request } from "node:http";
import { request as tlsRequest } from "node:https";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { startProxy, type RunningProxy } from "../../enforce/start.js";
import { serveHttp, type HttpEndpoint, type HttpOptions } from "../../enforce/serve.js";
import { Authenticator, parseTokenFile, userOfClaims } from "../../enforce/http-auth.js";
import { OriginGuard } from "../../enforce/http-guard.js";
import { buildBundleFile, readJsonl, serverEntry, SERVERS } from "./helpers.js";

const work = mkdtempSync(path.join(tmpdir(), "enforce-http-sec-"));
const TOKEN_A = "tok-alice-0123456789abcdef";
const TOKEN_B = "tok-bob-0123456789abcdef00";
const decisionLog = path.join(work, "decisions.jsonl");
let proxy: RunningProxy | undefined;
let privateKey: CryptoKey;
let publicPem: string;
const entry = serverEntry(SERVERS.everything.pkg);

beforeAll(async () => {
  if (!entry) {
    if (process.env.CI === "true") throw new Error(`${SERVERS.everything.pkg} is not installed`);
    return;
  }
  const { bundle } = buildBundleFile(work, "http-sec", `policy "Nobody is refused" {\n  if agent is "nobody"\n  action block\n}\n`, []);
  proxy = await startProxy({ bundle, upstreams: [{ integration: "everything", command: [process.execPath, entry, "stdio"] }], watch: false, upstreamStderr: "ignore", decisionLog, stateDir: path.join(work, "state") });
  const pair = await generateKeyPair("ES256");
  privateKey = pair.privateKey;
  publicPem = await exportSPKI(pair.publicKey);
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  rmSync(work, { recursive: true, force: true });
});

function skipWithoutServer(ctx: { skip: (note?: string) => void }): RunningProxy {
  if (!proxy) ctx.skip(`${SERVERS.everything.pkg} is not installed`);
  return proxy!;
}

async function serve(o: HttpOptions = {}): Promise<HttpEndpoint> {
  return serveHttp(proxy!.gateway, "127.0.0.1", 0, o);
}

function auth(extra: Partial<ConstructorParameters<typeof Authenticator>[0]> = {}): Authenticator {
  return new Authenticator({ tokens: parseTokenFile(`${TOKEN_A} alice\n${TOKEN_B} bob\n`, "tokens"), ...extra });
}

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** One raw HTTP request (full control over Host, Origin and the body). */
function raw(url: string, o: { method?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: o.method ?? "POST", headers: { accept: "application/json, text/event-stream", "content-type": "application/json", ...o.headers } }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => { body += c.toString(); });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(o.body);
  });
}

const INIT = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "Cursor", version: "1" } } });
const INITIALIZED = JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" });
const call = (id: number) => JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "get-sum", arguments: { a: 20, b: 22 } } });

/** Opens a session as `token` (or none); returns its MCP session id. */
async function open(url: string, token?: string): Promise<string> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const r = await raw(url, { headers, body: INIT });
  expect(r.status, r.body).toBe(200);
  const sid = r.headers["mcp-session-id"] as string;
  await raw(url, { headers: { ...headers, "mcp-session-id": sid }, body: INITIALIZED });
  return sid;
}

function callsLogged(): number {
  return readJsonl(decisionLog).filter((l) => l["type"] === "decision" && l["event"] === "tool_call_request").length;
}

function rpcError(r: Reply): { code: number; message: string } {
  return (JSON.parse(r.body) as { error: { code: number; message: string } }).error;
}

describe("Origin and Host allow-lists (DNS rebinding)", () => {
  test("a forged Origin or Host is refused with 403 and the tool never runs", { timeout: 30_000 }, async (ctx) => {
    skipWithoutServer(ctx);
    const ep = await serve({ allowOrigins: ["https://app.example.com"] });
    try {
      const port = new URL(ep.url).port;
      expect((await raw(ep.url, { headers: { origin: "http://evil.example" }, body: INIT })).status).toBe(403);
      expect((await raw(ep.url, { headers: { host: `rebind.evil.example:${port}` }, body: INIT })).status).toBe(403);
      expect(ep.sessions.size).toBe(0);
      const sid = await open(ep.url);
      const before = callsLogged();
      const forged = await raw(ep.url, { headers: { "mcp-session-id": sid, origin: "http://evil.example" }, body: call(2) });
      expect(forged.status).toBe(403);
      expect(rpcError(forged).message).toContain('Origin "http://evil.example" is not allowed');
      const rebound = await raw(ep.url, { headers: { "mcp-session-id": sid, host: `rebind.evil.example:${port}` }, body: call(3) });
      expect(rebound.status).toBe(403);
      expect((await raw(ep.url, { headers: { "mcp-session-id": sid, origin: "null" }, body: call(4) })).status).toBe(403);
      expect(callsLogged()).toBe(before);
      // Loopback origins and the configured one are accepted.
      for (const origin of [`http://localhost:${port}`, "http://127.0.0.1:5173", "https://app.example.com"]) {
        const ok = await raw(ep.url, { headers: { "mcp-session-id": sid, origin }, body: call(5) });
        expect(ok.status, origin).toBe(200);
        expect(ok.body).toContain("42");
      }
      expect(callsLogged()).toBe(before + 3);
    } finally {
      await ep.close();
    }
  });
});

describe("bearer tokens and sessions bound to them", () => {
  test("a missing or invalid token gets 401 with a Bearer challenge", { timeout: 30_000 }, async (ctx) => {
    skipWithoutServer(ctx);
    const ep = await serve({ auth: auth() });
    try {
      const none = await raw(ep.url, { body: INIT });
      expect(none.status).toBe(401);
      expect(none.headers["www-authenticate"]).toBe('Bearer realm="policy-enforce"');
      const wrong = await raw(ep.url, { headers: { authorization: "Bearer not-a-token-of-ours-123456" }, body: INIT });
      expect(wrong.status).toBe(401);
      expect(wrong.headers["www-authenticate"]).toContain('error="invalid_token"');
      expect(ep.sessions.size).toBe(0);
      await open(ep.url, TOKEN_A);
      expect(ep.sessions.size).toBe(1);
    } finally {
      await ep.close();
    }
  });

  test("a stolen session id is useless with another token or none (404 / 401) and the tool never runs", { timeout: 30_000 }, async (ctx) => {
    const p = skipWithoutServer(ctx);
    const ep = await serve({ auth: auth() });
    try {
      const sid = await open(ep.url, TOKEN_A);
      const session = [...p.gateway.sessions].at(-1)!;
      expect(session.identity.user).toEqual({ id: "alice" });
      const before = callsLogged();
      const asBob = await raw(ep.url, { headers: { authorization: `Bearer ${TOKEN_B}`, "mcp-session-id": sid }, body: call(2) });
      expect(asBob.status).toBe(404);
      expect(rpcError(asBob).message).toContain("unknown or expired MCP session");
      const asNobody = await raw(ep.url, { headers: { "mcp-session-id": sid }, body: call(3) });
      expect(asNobody.status).toBe(401);
      const bobDeletes = await raw(ep.url, { method: "DELETE", headers: { authorization: `Bearer ${TOKEN_B}`, "mcp-session-id": sid } });
      expect(bobDeletes.status).toBe(404);
      expect(callsLogged()).toBe(before);
      const asAlice = await raw(ep.url, { headers: { authorization: `Bearer ${TOKEN_A}`, "mcp-session-id": sid }, body: call(4) });
      expect(asAlice.status).toBe(200);
      expect(asAlice.body).toContain("42");
    } finally {
      await ep.close();
    }
  });
});

describe("JWT bearer tokens", () => {
  const ISS = "https://idp.example.com";
  const AUD = "policy-enforce";
  function jwt(claims: Record<string, unknown>, o: { exp?: number | string; iss?: string; aud?: string; key?: CryptoKey } = {}): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: "ES256" }).setSubject("carol").setIssuer(o.iss ?? ISS).setAudience(o.aud ?? AUD)
      .setIssuedAt().setExpirationTime(o.exp ?? "10m").sign(o.key ?? privateKey);
  }

  test("a verified JWT becomes the session's user; expired, foreign and forged ones get 401", { timeout: 30_000 }, async (ctx) => {
    const p = skipWithoutServer(ctx);
    const ep = await serve({ auth: new Authenticator({ jwt: { keyPem: publicPem, issuer: ISS, audience: AUD, rolesClaim: "realm.roles" } }) });
    try {
      const good = await jwt({ realm: { roles: ["technician", "admin"] }, groups: ["ops"], manager: "dave", clearance: 3 });
      const sid = await open(ep.url, good);
      expect([...p.gateway.sessions].at(-1)!.identity.user).toEqual({
        id: "carol", roles: ["technician", "admin"], groups: ["ops"], manager: "dave",
        claims: { groups: ["ops"], manager: "dave", clearance: 3 },
      });
      // A fresh token of the same subject continues the session.
      const refreshed = await jwt({ realm: { roles: ["technician"] } }, { exp: "20m" });
      expect((await raw(ep.url, { headers: { authorization: `Bearer ${refreshed}`, "mcp-session-id": sid }, body: call(2) })).status).toBe(200);
      const other = await generateKeyPair("ES256");
      const cases: [string, Promise<string>, string][] = [
        ["expired", jwt({}, { exp: Math.floor(Date.now() / 1000) - 3600 }), "the token has expired"],
        ["another audience", jwt({}, { aud: "some-other-api" }), `"aud" claim`],
        ["another issuer", jwt({}, { iss: "https://evil.example" }), `"iss" claim`],
        ["another key", jwt({}, { key: other.privateKey }), "signature does not verify"],
      ];
      for (const [what, token, message] of cases) {
        const r = await raw(ep.url, { headers: { authorization: `Bearer ${await token}`, "mcp-session-id": sid }, body: call(3) });
        expect(r.status, what).toBe(401);
        expect(rpcError(r).message, what).toContain(message);
        expect(r.headers["www-authenticate"], what).toContain('error="invalid_token"');
      }
    } finally {
      await ep.close();
    }
  });
});

describe("body limit", () => {
  test("a 9 MiB body is answered with HTTP 413 and a JSON-RPC error, not a reset", { timeout: 30_000 }, async (ctx) => {
    skipWithoutServer(ctx);
    const ep = await serve({ auth: auth() });
    try {
      const sid = await open(ep.url, TOKEN_A);
      const big = JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "echo", arguments: { message: "x".repeat(9 * 1024 * 1024) } } });
      const r = await raw(ep.url, { headers: { authorization: `Bearer ${TOKEN_A}`, "mcp-session-id": sid }, body: big });
      expect(r.status).toBe(413);
      expect(rpcError(r)).toEqual({ code: -32600, message: "request body too large: the limit is 8388608 bytes" });
      // The session still works.
      expect((await raw(ep.url, { headers: { authorization: `Bearer ${TOKEN_A}`, "mcp-session-id": sid }, body: call(10) })).status).toBe(200);
    } finally {
      await ep.close();
    }
  });
});

v8.setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Heap in use after a full collection, in MiB. */
function heapMiB(): number {
  gc();
  return process.memoryUsage().heapUsed / (1 << 20);
}

describe("session limits", () => {
  test("an idle flood stays bounded: sessions are capped per token and evicted when idle", { timeout: 120_000 }, async (ctx) => {
    const p = skipWithoutServer(ctx);
    const ep = await serve({ sessionIdleMs: 1500, maxSessionsPerToken: 40 });
    try {
      const first = await open(ep.url);
      const heap0 = heapMiB();
      let peak = 0;
      for (let batch = 0; batch < 30; batch++) {
        await Promise.all(Array.from({ length: 50 }, () => raw(ep.url, { body: INIT }).then((r) => expect(r.status).toBe(200))));
        peak = Math.max(peak, ep.sessions.size, p.gateway.sessions.size);
      }
      expect(peak).toBeLessThanOrEqual(40);
      const grown = heapMiB() - heap0;
      expect(grown).toBeLessThan(20);
      // The oldest session was evicted to make room: its id is now unknown.
      expect((await raw(ep.url, { headers: { "mcp-session-id": first }, body: call(2) })).status).toBe(404);
      // Idle ones go away on their own.
      const deadline = Date.now() + 10_000;
      while (ep.sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(ep.sessions.size).toBe(0);
      expect(p.gateway.sessions.size).toBe(0);
      console.info(`idle flood: 1,500 initializes, at most ${peak} live sessions, heap +${grown.toFixed(1)} MiB after GC`);
    } finally {
      await ep.close();
    }
  });

  test("per-token cap: the least recently used idle session makes room; when all are busy, 429; other tokens are unaffected", { timeout: 60_000 }, async (ctx) => {
    skipWithoutServer(ctx);
    const ep = await serve({ auth: auth(), maxSessionsPerToken: 3 });
    const streams: (() => void)[] = [];
    try {
      const bob = await open(ep.url, TOKEN_B);
      const alice = [];
      for (let i = 0; i < 5; i++) alice.push(await open(ep.url, TOKEN_A));
      const status = async (token: string, sid: string) => (await raw(ep.url, { headers: { authorization: `Bearer ${token}`, "mcp-session-id": sid }, body: call(7) })).status;
      expect(await Promise.all(alice.map((sid) => status(TOKEN_A, sid)))).toEqual([404, 404, 200, 200, 200]);
      expect(await status(TOKEN_B, bob)).toBe(200);
      // Keep Alice's three sessions busy (an open SSE stream each): a fourth is refused.
      for (const sid of alice.slice(2)) {
        await new Promise<void>((resolve, reject) => {
          const u = new URL(ep.url);
          const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: "GET", headers: { accept: "text/event-stream", authorization: `Bearer ${TOKEN_A}`, "mcp-session-id": sid } }, (res) => {
            expect(res.statusCode).toBe(200);
            streams.push(() => req.destroy());
            resolve();
          });
          req.on("error", reject);
          req.end();
        });
      }
      const refused = await raw(ep.url, { headers: { authorization: `Bearer ${TOKEN_A}` }, body: INIT });
      expect(refused.status).toBe(429);
      expect(rpcError(refused).message).toContain("too many sessions for this token (3");
      await open(ep.url, TOKEN_B);
    } finally {
      for (const s of streams) s();
      await ep.close();
    }
  });
});

describe("where it may listen", () => {
  test("a non-loopback --allow-host (a reverse proxy in front) needs authentication", async (ctx) => {
    skipWithoutServer(ctx);
    await expect(serve({ allowHosts: ["mcp.example.com"] })).rejects.toThrow("--allow-host mcp.example.com: requests for another host name come from beyond this machine");
    await expect(serveHttp(proxy!.gateway, "0.0.0.0", 0)).rejects.toThrow("listening beyond this machine needs authentication");
    const ep = await serve({ allowHosts: ["mcp.example.com"], auth: auth() });
    try {
      const r = await raw(ep.url, { headers: { host: "mcp.example.com", authorization: `Bearer ${TOKEN_A}` }, body: INIT });
      expect(r.status).toBe(200);
    } finally {
      await ep.close();
    }
  });

  test("HTTPS with --tls-cert/--tls-key", { timeout: 30_000 }, async (ctx) => {
    skipWithoutServer(ctx);
    const key = path.join(work, "tls.key"), cert = path.join(work, "tls.crt");
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
    const ep = await serve({ auth: auth(), tls: { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") } });
    try {
      expect(ep.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/mcp$/);
      const u = new URL(ep.url);
      const status = await new Promise<number>((resolve, reject) => {
        const req = tlsRequest({ host: u.hostname, port: u.port, path: u.pathname, method: "POST", ca: readFileSync(cert), headers: { accept: "application/json, text/event-stream", "content-type": "application/json", authorization: `Bearer ${TOKEN_A}` } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
        req.on("error", reject);
        req.end(INIT);
      });
      expect(status).toBe(200);
    } finally {
      await ep.close();
    }
  });
});

describe("token file, allow-lists and claims (no server)", () => {
  test("token file: names, comments, and clear errors with the line", () => {
    const t = parseTokenFile("# ci\n\n0123456789abcdef0123 ci-agent\nabcdefghijklmnop+/==\n", "tokens");
    expect([...t.values()]).toEqual([{ name: "ci-agent", named: true }, { name: "token-4", named: false }]);
    expect(() => parseTokenFile("short\n", "tokens")).toThrow("tokens:1: a token must be at least 16 characters");
    expect(() => parseTokenFile("# x\nbad\"token-0123456789abc\n", "tokens")).toThrow("tokens:2: a token may contain only");
    expect(() => parseTokenFile("0123456789abcdef0123 a\n0123456789abcdef0123 b\n", "tokens")).toThrow("tokens:2: this token is listed twice");
    expect(() => parseTokenFile("# nothing\n", "tokens")).toThrow("tokens: no token in the file");
  });

  test("Host and Origin: loopback names, the listen address, configured names; nothing a URL parser could reinterpret", () => {
    const g = new OriginGuard("127.0.0.1", { allowHosts: ["MCP.Example.com"], allowOrigins: ["https://app.example.com"] });
    for (const host of ["localhost:8931", "127.0.0.1", "[::1]:80", "mcp.example.com", "LOCALHOST."]) expect(g.refusal(host, undefined), host).toBeUndefined();
    for (const host of ["rebind.evil.example:8931", "evil@127.0.0.1", "127.0.0.1/x", "127.0.0.1 evil", "", "127.0.0.2"]) expect(g.refusal(host, undefined), host).toBeDefined();
    expect(g.refusal(undefined, undefined)).toBe("the request has no Host header");
    for (const origin of ["https://app.example.com", "http://localhost:3000", "https://[::1]"]) expect(g.refusal("localhost", origin), origin).toBeUndefined();
    for (const origin of ["http://evil.example", "null", "https://app.example.com.evil.example", "http://app.example.com", "file://", "chrome-extension://abc"]) expect(g.refusal("localhost", origin), origin).toBeDefined();
    expect(new OriginGuard("0.0.0.0").refusal("0.0.0.0", undefined)).toBeDefined();
    expect(new OriginGuard("10.0.0.5").refusal("10.0.0.5:8931", undefined)).toBeUndefined();
    expect(() => new OriginGuard("127.0.0.1", { allowHosts: ["mcp.example.com:443"] })).toThrow("--allow-host takes a host name without scheme or port");
    expect(() => new OriginGuard("127.0.0.1", { allowHosts: ["https://mcp.example.com"] })).toThrow("--allow-host takes a host name");
    expect(() => new OriginGuard("127.0.0.1", { allowOrigins: ["not an origin"] })).toThrow("--allow-origin must be an origin like https://app.example.com");
    expect(new OriginGuard("127.0.0.1", { allowHosts: ["[::2]"] }).refusal("[::2]:80", undefined)).toBeUndefined();
  });

  test("claims: nested paths, space-separated strings; registered claims and nested objects left out of claims", () => {
    const u = userOfClaims({ sub: "u1", iss: "i", aud: "a", exp: 1, scope_roles: "admin analyst", org: { groups: ["g1", 2] }, clearance: 2 }, { rolesClaim: "scope_roles", groupsClaim: "org.groups" });
    expect(u).toEqual({ id: "u1", roles: ["admin", "analyst"], groups: ["g1"], claims: { scope_roles: "admin analyst", clearance: 2 } });
    // A nested object is no claim a `user` condition can test (the event would not validate): left out.
  });
});
