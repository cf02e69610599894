/**
 * The agent side of the proxy: over stdio (one agent, one session, the common way MCP clients
 * start a server) or over Streamable HTTP (`--listen`, one session per MCP session id).
 * Over HTTP every request passes, in this order: the endpoint path; Host and Origin
 * (`OriginGuard`, 403); the bearer token (`Authenticator`, 401); the body limit (413, answered
 * after the body is read, never a reset); then its session, which must belong to the same principal
 * (404 otherwise, as for an unknown id). See docs/enforce.md, "HTTP transport".
 * INVARIANT: no request reaches a `ProxySession` (and so no tool runs) unless all of those passed.
 */
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { randomBytes } from "node:crypto";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import type { Gateway } from "./gateway.js";
import type { Authenticator, Principal } from "./http-auth.js";
import { isLoopback, OriginGuard, type GuardOptions } from "./http-guard.js";
import { HttpSessions, type HttpSession } from "./http-sessions.js";
import { oneLine } from "../compiler/terminal-safe.js";

/** Serves one agent on this process's stdin/stdout; resolves when the agent goes away. */
export async function serveStdio(g: Gateway, opts: { sessionId?: string } = {}): Promise<void> {
  const session = g.createSession(opts.sessionId ? { sessionId: opts.sessionId } : {});
  const transport = new StdioServerTransport();
  const ended = new Promise<"closed" | "eof">((resolve) => {
    session.server.onclose = () => resolve("closed");
    process.stdin.once("end", () => resolve("eof"));
  });
  await session.server.connect(transport);
  g.log(`session ${session.id} on stdio, bundle revision ${session.revision}`);
  // End of input: answer the calls already received before going away.
  if ((await ended) === "eof") await session.idle();
  await session.close();
}

/** Limits and protections of the HTTP transport; every field has a safe default. */
export interface HttpOptions extends GuardOptions {
  /** Bearer-token authentication; required when `host` is not a loopback address. */
  readonly auth?: Authenticator;
  /** A session with no request for this long is closed (ms, default 10 minutes). */
  readonly sessionIdleMs?: number;
  /** Sessions one principal may hold (default 32). */
  readonly maxSessionsPerToken?: number;
  /** Largest request body (bytes, default 8 MiB). */
  readonly maxBodyBytes?: number;
  /** Serve HTTPS with this certificate chain and private key (PEM). */
  readonly tls?: { readonly cert: string; readonly key: string };
}

/** Why these options may not listen on `host`, if they may not: beyond this machine, a token is required. */
export function listenProblem(host: string, o: HttpOptions): string | undefined {
  if (o.auth) return undefined;
  if (!isLoopback(host)) return `--listen ${host}: listening beyond this machine needs authentication: give --auth-token-file and/or --jwt-key / --jwks-file`;
  const far = (o.allowHosts ?? []).find((h) => !isLoopback(h));
  return far ? `--allow-host ${far}: requests for another host name come from beyond this machine (e.g. through a reverse proxy), which needs authentication: give --auth-token-file and/or --jwt-key / --jwks-file` : undefined;
}

export interface HttpEndpoint {
  readonly server: HttpServer;
  readonly url: string;
  /** The live sessions (for tests and metrics). */
  readonly sessions: HttpSessions;
  close(): Promise<void>;
}

const DEFAULT_BODY = 8 * 1024 * 1024;
/** How much of an oversized body is read (and dropped) so that the 413 reaches the client. */
const DRAIN_LIMIT = 64 * 1024 * 1024;
const ANONYMOUS: Principal = { key: "anonymous", name: "anonymous" };

/** A JSON-RPC error response without id (MCP transports: the body of an HTTP error). */
function refuse(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}, code = -32000): void {
  if (res.headersSent) { res.end(); return; }
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }));
}

/** Reads the body; past `limit` it keeps reading (up to `DRAIN_LIMIT`) and drops it, so that the answer is a 413, not a reset. */
function readBody(req: IncomingMessage, limit: number): Promise<{ text: string } | { tooLarge: true }> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? NaN);
    if (declared > DRAIN_LIMIT) { resolve({ tooLarge: true }); return; }
    let size = 0;
    let chunks: Buffer[] | undefined = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) chunks = undefined;
      else chunks?.push(c);
      if (size > DRAIN_LIMIT) { req.pause(); resolve({ tooLarge: true }); }
    });
    req.on("end", () => resolve(chunks ? { text: Buffer.concat(chunks).toString("utf8") } : { tooLarge: true }));
    req.on("error", reject);
  });
}

/** The parsed JSON body of a POST, or undefined after an error answer was sent. */
async function postBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<{ body: unknown } | undefined> {
  const read = await readBody(req, limit);
  if ("tooLarge" in read) {
    refuse(res, 413, `request body too large: the limit is ${limit} bytes`, { connection: "close" }, -32600);
    return undefined;
  }
  try {
    return { body: read.text ? JSON.parse(read.text) : undefined };
  } catch (e) {
    refuse(res, 400, `parse error: ${(e as Error).message}`, {}, -32700);
    return undefined;
  }
}

interface HttpContext {
  readonly g: Gateway;
  readonly guard: OriginGuard;
  readonly auth: Authenticator | undefined;
  readonly sessions: HttpSessions;
  readonly maxBody: number;
  readonly maxPerOwner: number;
}

/** Host/Origin, then the token: the principal of the request, or undefined after a refusal was sent. */
async function admit(c: HttpContext, req: IncomingMessage, res: ServerResponse): Promise<Principal | undefined> {
  const bad = c.guard.refusal(req.headers.host, req.headers.origin);
  if (bad) {
    c.g.log(`HTTP request refused (403): ${oneLine(bad)}`);
    refuse(res, 403, `Forbidden: ${bad}`);
    return undefined;
  }
  if (!c.auth) return ANONYMOUS;
  const r = await c.auth.check(req.headers.authorization);
  if (r.ok) return r.principal;
  refuse(res, 401, `Unauthorized: ${r.error}`, { "www-authenticate": r.challenge }, -32001);
  return undefined;
}

/** A new MCP session for `who`, bound to it; the MCP session id is random and used for nothing else. */
async function openSession(c: HttpContext, who: Principal, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
  if (!c.sessions.makeRoom(who.key)) {
    refuse(res, 429, `too many sessions for this token (${c.maxPerOwner}, all busy): close one (HTTP DELETE) or wait`);
    return;
  }
  const mcpId = randomBytes(32).toString("base64url");
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => mcpId });
  const session = c.g.createSession(who.user ? { user: who.user } : {});
  const entry: HttpSession = { transport, session, owner: who.key, lastSeen: c.g.now(), active: 0 };
  c.sessions.add(mcpId, entry);
  transport.onclose = () => { c.sessions.remove(mcpId); void session.close(); };
  await session.server.connect(transport);
  c.g.log(`session ${session.id} over HTTP${who === ANONYMOUS ? "" : ` for ${oneLine(who.name)}`}, bundle revision ${session.revision}`);
  c.sessions.track(entry, res);
  await transport.handleRequest(req, res, body);
}

async function handle(c: HttpContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? "/").split("?")[0];
  if (path !== "/mcp" && path !== "/") { res.writeHead(404).end("not found: the MCP endpoint is /mcp\n"); return; }
  const who = await admit(c, req, res);
  if (!who) return;
  let body: unknown;
  if (req.method === "POST") {
    const read = await postBody(req, res, c.maxBody);
    if (!read) return;
    body = read.body;
  }
  const sid = req.headers["mcp-session-id"];
  const known = typeof sid === "string" ? c.sessions.get(sid) : undefined;
  // Another principal's session is answered exactly like an unknown one: it learns nothing.
  if (known && known.owner === who.key) {
    c.sessions.track(known, res);
    await known.transport.handleRequest(req, res, body);
    return;
  }
  if (sid === undefined && req.method === "POST" && isInitializeRequest(body)) { await openSession(c, who, req, res, body); return; }
  if (sid === undefined) refuse(res, 400, "Bad Request: no MCP session: send initialize first");
  else refuse(res, 404, "Not Found: unknown or expired MCP session");
}

/**
 * Serves agents over Streamable HTTP at `http://host:port/mcp` (and `/`). Port 0 picks a free port.
 * Refuses (throws) to listen beyond loopback without `auth`.
 */
export async function serveHttp(g: Gateway, host: string, port: number, o: HttpOptions = {}): Promise<HttpEndpoint> {
  const problem = listenProblem(host, o);
  if (problem) throw new Error(problem);
  const maxPerOwner = o.maxSessionsPerToken ?? 32;
  const sessions = new HttpSessions({ idleMs: o.sessionIdleMs ?? 600_000, maxPerOwner, now: g.now, log: (m) => g.log(m) });
  const c: HttpContext = { g, guard: new OriginGuard(host, o), auth: o.auth, sessions, maxBody: o.maxBodyBytes ?? DEFAULT_BODY, maxPerOwner };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(c, req, res).catch((e: Error) => {
      g.log(`HTTP request failed: ${oneLine(e.message)}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
  const server: HttpServer = o.tls ? createTlsServer({ cert: o.tls.cert, key: o.tls.key }, onRequest) : createServer(onRequest);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  const actualPort = typeof addr === "object" && addr ? addr.port : port;
  if (!o.auth) g.log("no authentication: any process on this machine can connect (use --auth-token-file or --jwt-key to require a token)");
  else if (!o.tls && !isLoopback(host)) g.log("warning: tokens travel unencrypted over plain HTTP; use --tls-cert/--tls-key or a TLS-terminating proxy");
  const shownHost = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return {
    server, sessions,
    url: `${o.tls ? "https" : "http"}://${shownHost}:${actualPort}/mcp`,
    close: async () => {
      await sessions.closeAll();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
