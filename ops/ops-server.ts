/**
 * The operations endpoint of `policy enforce --metrics host:port`: `GET /metrics` (Prometheus
 * text format), `GET /healthz` (the process answers: liveness) and `GET /readyz` (200 only with a
 * verified bundle loaded and a reachable session store; 503 with the failing checks otherwise).
 * Read-only: it never changes the proxy, and it answers nothing else (404; 405 for other methods).
 */
import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

export interface ReadyCheck {
  readonly name: string;
  /** Undefined when fine; otherwise what is wrong. */
  readonly check: () => Promise<string | undefined> | string | undefined;
}

export interface OpsServerOptions {
  readonly registry: Registry;
  readonly ready: readonly ReadyCheck[];
}

async function readiness(checks: readonly ReadyCheck[]): Promise<{ ok: boolean; checks: Record<string, string> }> {
  const out: Record<string, string> = {};
  let ok = true;
  for (const c of checks) {
    let problem: string | undefined;
    try { problem = await c.check(); } catch (e) { problem = (e as Error)?.message ?? String(e); }
    out[c.name] = problem ?? "ok";
    if (problem !== undefined) ok = false;
  }
  return { ok, checks: out };
}

/** Starts the endpoint; resolves once it listens. */
export async function serveOps(o: OpsServerOptions, host: string, port: number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const p = new URL(req.url ?? "/", "http://x").pathname;
    if (req.method !== "GET" && req.method !== "HEAD") { res.writeHead(405, { allow: "GET, HEAD" }).end(); return; }
    const json = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body) + "\n");
    if (p === "/healthz") { json(200, { ok: true }); return; }
    if (p === "/readyz") { void readiness(o.ready).then((r) => json(r.ok ? 200 : 503, r), () => json(503, { ok: false })); return; }
    if (p === "/metrics") {
      o.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": o.registry.contentType }).end(text),
        (e: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(`metrics failed: ${e.message}\n`),
      );
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found: /metrics, /healthz, /readyz\n");
  });
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => { server.off("error", reject); resolve(); });
  });
  const a = server.address();
  return { server, url: `http://${host.includes(":") ? `[${host}]` : host}:${typeof a === "object" && a ? a.port : port}` };
}
