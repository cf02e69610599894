/**
 * `policy serve-bundles DIR --listen 127.0.0.1:PORT`: the small reference bundle server. It serves
 * the regular files directly inside DIR (what `policy build -o DIR/<name>.json --sign key` writes:
 * `<name>.json` and `<name>.json.sig`) with a strong `ETag` (a hash of the bytes) and answers
 * `If-None-Match` with 304. Nothing else: no listing, no sub-folders, no dot-files, no symbolic
 * links, GET and HEAD only. Files are read on each request, so a new build is served at once.
 * It needs no secret: replicas trust the signature, not the server.
 */
import { createHash } from "node:crypto";
import { lstatSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import path from "node:path";

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A strong entity tag of a file's bytes. */
export function etagOf(bytes: Buffer): string {
  return `"${createHash("sha256").update(bytes).digest("base64url").slice(0, 27)}"`;
}

/** Whether an `If-None-Match` header matches the entity tag (weak comparison, as RFC 9110 asks for it). */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((t) => t.trim().replace(/^W\//, "") === etag);
}

/** The file a request path names inside `dir`, or undefined. */
function fileFor(dir: string, urlPath: string): string | undefined {
  let name: string;
  try { name = decodeURIComponent(urlPath.replace(/^\//, "")); } catch { return undefined; }
  if (!SAFE_NAME.test(name)) return undefined;
  const file = path.join(dir, name);
  try { return lstatSync(file).isFile() ? file : undefined; } catch { return undefined; }
}

function answer(req: IncomingMessage, res: ServerResponse, dir: string): void {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("only GET and HEAD\n");
    return;
  }
  const file = fileFor(dir, new URL(req.url ?? "/", "http://x").pathname);
  let bytes: Buffer | undefined;
  try { bytes = file ? readFileSync(file) : undefined; } catch { bytes = undefined; }
  if (!bytes) {
    res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    return;
  }
  const etag = etagOf(bytes);
  const headers = { etag, "cache-control": "no-cache", "x-content-type-options": "nosniff" };
  if (noneMatch(req.headers["if-none-match"], etag)) {
    res.writeHead(304, headers).end();
    return;
  }
  const type = /\.(json|sig)$/.test(file!) ? "application/json" : "application/octet-stream";
  res.writeHead(200, { ...headers, "content-type": type, "content-length": bytes.length });
  res.end(req.method === "HEAD" ? undefined : bytes);
}

/** Starts the server; resolves with it and its base URL once it listens. */
export async function serveBundles(dir: string, host: string, port: number): Promise<{ server: Server; url: string }> {
  const root = path.resolve(dir);
  if (!lstatSync(root).isDirectory()) throw new Error(`${dir} is not a folder`);
  const server = createServer((req, res) => {
    try { answer(req, res, root); } catch { if (!res.headersSent) res.writeHead(500).end(); else res.destroy(); }
  });
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => { server.off("error", reject); resolve(); });
  });
  const a = server.address();
  const p = typeof a === "object" && a ? a.port : port;
  return { server, url: `http://${host.includes(":") ? `[${host}]` : host}:${p}/` };
}
