/**
 * `policy console`: one small web application over what the enforcement point keeps: the approvals
 * queue and review screen (votes go to the proxy as ballots, counted by its own rules), the monitor
 * of its decision logs, and alerts for triage. Server-rendered HTML, one script for live updates
 * (server-sent events), nothing loaded from elsewhere. See docs/console.md.
 * INVARIANT: it listens on loopback only (plain HTTP), checks `Host` against DNS rebinding on every
 * request, and answers nothing but the login screen and its assets without a signed-in person.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { OriginGuard, isLoopback } from "../enforce/http-guard.js";
import { oneLine } from "../compiler/terminal-safe.js";
import { CONSOLE_CSS, CONSOLE_JS } from "./assets.js";
import { ConsoleContext, type ConsoleSources } from "./context.js";
import { HttpError, secure, sendHtml } from "./http.js";
import { html } from "./html.js";
import { page } from "./pages/layout.js";
import { LiveHub } from "./live.js";
import { logout, OPEN_ROUTES, ROUTES, type Request } from "./routes.js";

export interface ConsoleOptions extends ConsoleSources {
  readonly host: string;
  readonly port: number;
  /** Host names a TLS-terminating reverse proxy forwards under (DNS-rebinding allow-list). */
  readonly allowHosts?: readonly string[];
  readonly pollMs?: number;
  readonly log?: (line: string) => void;
}

export interface RunningConsole {
  readonly url: string;
  readonly context: ConsoleContext;
  close(): Promise<void>;
}

const ASSETS: Readonly<Record<string, readonly [string, string]>> = {
  "/assets/console.css": ["text/css; charset=utf-8", CONSOLE_CSS],
  "/assets/console.js": ["text/javascript; charset=utf-8", CONSOLE_JS],
};

function errorPage(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) { res.end(); return; }
  sendHtml(res, status, page({ title: "Error", section: "login" }, html`<h1>${status === 404 ? "Not found" : status === 403 ? "Refused" : "Error"}</h1><p role="alert">${message}</p><p><a href="/approvals">Back to the approvals</a></p>`));
}

async function handle(ctx: ConsoleContext, hub: LiveHub, guard: OriginGuard, req: IncomingMessage, res: ServerResponse): Promise<void> {
  secure(res);
  const refused = guard.refusal(req.headers.host, undefined);
  if (refused) return errorPage(res, 403, refused);
  const url = new URL(req.url ?? "/", "http://console.invalid");
  const method = req.method ?? "GET";
  const asset = ASSETS[url.pathname];
  if (asset && method === "GET") { res.writeHead(200, { "content-type": asset[0], "cache-control": "no-cache" }).end(asset[1]); return; }
  const r: Request = { req, res, url, session: ctx.sessions.of(req.headers.cookie) };
  for (const [m, re, route] of OPEN_ROUTES) {
    const hit = method === m ? re.exec(url.pathname) : null;
    if (hit) return route(ctx, r, hit);
  }
  if (url.pathname === "/logout" && method === "POST") return logout(ctx, r);
  if (!r.session) {
    if (url.pathname === "/events") { res.writeHead(401).end(); return; }
    res.writeHead(303, { location: `/login?next=${encodeURIComponent(url.pathname + url.search)}` }).end();
    return;
  }
  if (url.pathname === "/events" && method === "GET") return hub.add(res);
  for (const [m, re, route] of ROUTES) {
    const hit = method === m ? re.exec(url.pathname) : null;
    if (hit) return route(ctx, r, hit);
  }
  throw new HttpError(404, "there is no such page");
}

/** Starts the console; resolves once it listens. */
export async function startConsole(o: ConsoleOptions): Promise<RunningConsole> {
  if (!isLoopback(o.host)) throw new Error(`the console serves plain HTTP and listens on loopback only, not ${o.host}: put a TLS-terminating reverse proxy in front of 127.0.0.1 and name it with --allow-host`);
  const ctx = new ConsoleContext(o);
  const hub = new LiveHub(ctx, o.pollMs);
  const guard = new OriginGuard(o.host, { allowHosts: o.allowHosts ?? [] });
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const server: Server = createServer((req, res) => {
    handle(ctx, hub, guard, req, res).catch((e: unknown) => {
      if (e instanceof HttpError) return errorPage(res, e.status, e.message);
      log(`policy console: ${oneLine(req.method ?? "")} ${oneLine(req.url ?? "")} failed: ${oneLine((e as Error).message)}`);
      errorPage(res, 500, "The console could not answer this request (the details are in its log).");
    });
  });
  await new Promise<void>((resolve, reject) => { server.once("error", reject); server.listen(o.port, o.host, () => resolve()); });
  const port = (server.address() as { port: number }).port;
  const host = o.host.includes(":") ? `[${o.host}]` : o.host;
  return {
    url: `http://${host}:${port}`,
    context: ctx,
    close: async () => {
      hub.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await ctx.close();
    },
  };
}
