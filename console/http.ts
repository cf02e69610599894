/**
 * The console's HTTP plumbing: the headers every answer carries (a strict Content-Security-Policy
 * that allows only the console's own script and stylesheet, no framing, no referrer to other sites (`same-origin`: with `no-referrer` a browser sends `Origin: null`), no caching,
 * no MIME sniffing), bounded form bodies, and the checks on a state-changing request (its Origin
 * must be the console's own, and it must carry the session's CSRF token).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { sameSecret } from "./auth.js";
import type { Html } from "./html.js";

export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CSP,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=()",
  "cache-control": "no-store",
};

const MAX_FORM = 64 << 10;

/** Thrown by a handler to answer with a status and a message (never a stack trace). */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function secure(res: ServerResponse): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
}

export function sendHtml(res: ServerResponse, status: number, body: Html, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", ...headers }).end(body.text);
}

export function redirect(res: ServerResponse, to: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(303, { location: to, ...headers }).end();
}

/** A local path to go back to after login (never another site: no `//`, no scheme, no backslash). */
export function localPath(next: string | null | undefined): string {
  return next && /^\/(?![/\\])[^\s\\]*$/.test(next) && !next.startsWith("/login") ? next : "/approvals";
}

/** Reads an `application/x-www-form-urlencoded` body of at most 64 KiB. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") throw new HttpError(415, "the console accepts forms only (application/x-www-form-urlencoded)");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_FORM) throw new HttpError(413, "the form is larger than 64 KiB");
    chunks.push(c);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/**
 * Why a state-changing request is refused, or undefined: an `Origin` that is not this console's
 * (a browser sends one with every POST), a cross-site fetch, or a CSRF token that is missing or wrong.
 */
export function forgery(req: IncomingMessage, form: URLSearchParams, csrf: string): string | undefined {
  const origin = req.headers.origin;
  const host = req.headers.host;
  if (origin !== undefined && origin !== `http://${host}` && origin !== `https://${host}`) return `a form posted from another site (${origin}) is refused`;
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") return "a form posted from another site is refused";
  if (!sameSecret(form.get("csrf") ?? undefined, csrf)) return "the form's CSRF token is missing or stale: reload the page and try again";
  return undefined;
}
