/**
 * The agent side of the proxy: over stdio (one agent, one session, the common way MCP clients
 * start a server) or over Streamable HTTP (`--listen`, one session per MCP session id).
 */
import { createServer, type IncomingMessage, type Server as HttpServer } from "node:http";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import type { Gateway } from "./gateway.js";
import { newSessionId, type ProxySession } from "./session.js";

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

function readBody(req: IncomingMessage, limit = 8 * 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) { reject(new Error("request body too large")); req.destroy(); return; }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export interface HttpEndpoint {
  readonly server: HttpServer;
  readonly url: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** Serves agents over Streamable HTTP at `http://host:port/mcp` (and `/`). Port 0 picks a free port. */
export async function serveHttp(g: Gateway, host: string, port: number): Promise<HttpEndpoint> {
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; session: ProxySession }>();
  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? "/").split("?")[0];
      if (path !== "/mcp" && path !== "/") { res.writeHead(404).end("not found: the MCP endpoint is /mcp\n"); return; }
      const sid = req.headers["mcp-session-id"];
      let body: unknown;
      if (req.method === "POST") {
        try {
          const text = await readBody(req);
          body = text ? JSON.parse(text) : undefined;
        } catch (e) {
          res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32700, message: `parse error: ${(e as Error).message}` }, id: null }));
          return;
        }
      }
      const known = typeof sid === "string" ? sessions.get(sid) : undefined;
      if (known) { await known.transport.handleRequest(req, res, body); return; }
      if (sid === undefined && req.method === "POST" && isInitializeRequest(body)) {
        const id = newSessionId(g.now());
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => id });
        const session = g.createSession({ sessionId: id });
        sessions.set(id, { transport, session });
        transport.onclose = () => { sessions.delete(id); void session.close(); };
        await session.server.connect(transport);
        g.log(`session ${id} over HTTP, bundle revision ${session.revision}`);
        await transport.handleRequest(req, res, body);
        return;
      }
      res.writeHead(sid === undefined ? 400 : 404, { "content-type": "application/json" })
        .end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message: sid === undefined ? "no MCP session: send initialize first" : "unknown or expired MCP session" }, id: null }));
    })().catch((e: Error) => {
      g.log(`HTTP request failed: ${e.message}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  const actualPort = typeof addr === "object" && addr ? addr.port : port;
  if (!LOOPBACK.has(host)) g.log(`warning: listening on ${host}, which is not a loopback address; the proxy has no authentication of its own`);
  const shownHost = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return {
    server,
    url: `http://${shownHost}:${actualPort}/mcp`,
    close: async () => {
      for (const { transport, session } of sessions.values()) { await transport.close().catch(() => undefined); await session.close(); }
      sessions.clear();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
