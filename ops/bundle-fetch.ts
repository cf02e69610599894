/**
 * One conditional GET of a bundle or signature URL, bounded: the body may not exceed `maxBytes`
 * (a `Content-Length` above it is refused before reading, a body that grows past it is cut off),
 * and the whole exchange, body included, must end within `timeoutMs` (a server that trickles its
 * body cannot hold a replica). Redirects are refused: point the URL at the final address.
 * Only `ETag`s are used for conditional requests: `If-Modified-Since` has a resolution of one
 * second, and a bundle replaced within the second it was fetched would be answered 304 for good.
 * INVARIANT: never throws; every failure is a `{ kind: "error" }` with a message that names the URL.
 */

export interface FetchLimits {
  /** Largest body accepted, in bytes. */
  readonly maxBytes: number;
  /** Deadline for the whole exchange (headers and body), in ms. */
  readonly timeoutMs: number;
}

export interface Validators {
  readonly etag?: string | undefined;
  readonly lastModified?: string | undefined;
}

export type FetchResult =
  | { readonly kind: "not_modified" }
  | { readonly kind: "ok"; readonly bytes: Buffer; readonly etag?: string; readonly lastModified?: string }
  | { readonly kind: "error"; readonly error: string; readonly status?: number };

/** A URL as messages show it: without its query and fragment (a presigned URL's token stays out of logs). */
export function shownUrl(url: string): string {
  try { const u = new URL(url); return `${u.origin}${u.pathname}${u.search ? "?…" : ""}`; } catch { return "(a URL that does not parse)"; }
}

/** Reads a body chunk by chunk, stopping as soon as it passes the limit. */
async function readCapped(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Buffer | string> {
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return `the body is larger than ${maxBytes} bytes`;
    }
    parts.push(value);
  }
  return Buffer.concat(parts);
}

function headersOf(v: Validators): Record<string, string> {
  const h: Record<string, string> = { accept: "application/json", "cache-control": "no-cache" };
  if (v.etag) h["if-none-match"] = v.etag;
  return h;
}

/** GETs `url` with `If-None-Match` from `validators`, within `limits`. */
export async function fetchBounded(url: string, validators: Validators, limits: FetchLimits): Promise<FetchResult> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  const shown = shownUrl(url);
  try {
    const res = await fetch(url, { headers: headersOf(validators), redirect: "manual", signal, cache: "no-store" });
    if (res.status === 304) return { kind: "not_modified" };
    if (res.status >= 300 && res.status < 400) return { kind: "error", status: res.status, error: `${shown}: HTTP ${res.status} redirect refused (give the final address)` };
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      return { kind: "error", status: res.status, error: `${shown}: HTTP ${res.status}` };
    }
    const declared = Number(res.headers.get("content-length") ?? NaN);
    if (declared > limits.maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      return { kind: "error", error: `${shown}: the body (${declared} bytes) is larger than ${limits.maxBytes} bytes` };
    }
    const bytes = res.body ? await readCapped(res.body, limits.maxBytes) : Buffer.alloc(0);
    if (typeof bytes === "string") return { kind: "error", error: `${shown}: ${bytes}` };
    const etag = res.headers.get("etag") ?? undefined;
    const lastModified = res.headers.get("last-modified") ?? undefined;
    return { kind: "ok", bytes, ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) };
  } catch (e) {
    const err = e as Error & { cause?: { message?: string } };
    if (signal.aborted) return { kind: "error", error: `${shown}: no complete answer within ${limits.timeoutMs} ms` };
    return { kind: "error", error: `${shown}: ${err.cause?.message ?? err.message}` };
  }
}
