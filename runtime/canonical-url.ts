/**
 * Canonical URLs and their parts, read with the WHATWG URL parser (the `URL` global of Node,
 * browsers and workers, so the runtime stays dependency-free).
 * - The canonical form is the parser's serialisation without the user-info: scheme and host
 *   lower-cased, the host in IDNA (punycode) form, the default port dropped, `.`/`..` path
 *   segments (also `%2e`) resolved. `https://GitHub.com:443/a/../b` → `https://github.com/b`;
 *   `https://github.com@evil.io/` → `https://evil.io/` (what it really reaches).
 * - A string that does not parse as an absolute URL stays as it is, and has no parts: a host,
 *   scheme or path condition never holds for it.
 * - Parts: `host` (the hostname, lower-case, IDNA; an IPv6 address in brackets), `scheme` (without
 *   the `:`), `path` (the path with escapes of unreserved characters decoded, `/%61dmin` → `/admin`).
 * INVARIANT: `canonicalUrl(canonicalUrl(u))` is `canonicalUrl(u)`.
 */

export type UrlPart = "host" | "scheme" | "path";
export const URL_PARTS: readonly UrlPart[] = ["host", "scheme", "path"];

interface Parsed { readonly href: string; readonly host: string; readonly scheme: string; readonly path: string }

const MAX_CACHE = 1000;
const cache = new Map<string, Parsed | null>();

/** Escapes of unreserved characters (RFC 3986 §2.3) mean the character itself. */
function decodeUnreserved(s: string): string {
  return s.replace(/%([0-9A-Fa-f]{2})/g, (m, h: string) => {
    const c = String.fromCharCode(parseInt(h, 16));
    return /[A-Za-z0-9\-._~]/.test(c) ? c : m.toUpperCase();
  });
}

function parse(raw: string): Parsed | null {
  let hit = cache.get(raw);
  if (hit !== undefined) return hit;
  hit = null;
  try {
    const u = new URL(raw);
    u.username = "";
    u.password = "";
    hit = { href: u.href, host: u.hostname, scheme: u.protocol.slice(0, -1), path: decodeUnreserved(u.pathname) };
  } catch {
    hit = null;
  }
  if (cache.size >= MAX_CACHE) cache.clear();
  cache.set(raw, hit);
  return hit;
}

/** The canonical form of a URL argument (see the header); the string itself when it does not parse. */
export function canonicalUrl(raw: string): string {
  return parse(raw)?.href ?? raw;
}

/** A part of a URL, or undefined when the string is not an absolute URL. */
export function urlPart(raw: string, part: UrlPart): string | undefined {
  const p = parse(raw);
  return p ? p[part] : undefined;
}

/**
 * A host as written in a policy, in the form `urlPart` gives (lower-case, IDNA); undefined when it
 * is not a host name.
 */
export function canonicalHost(host: string): string | undefined {
  if (host === "" || /[/?#@\s:]/.test(host.replace(/^\[[0-9A-Fa-f:.]+\]$/, "v6"))) return undefined;
  try {
    return new URL(`https://${host}/`).hostname;
  } catch {
    return undefined;
  }
}
