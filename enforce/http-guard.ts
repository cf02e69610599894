/**
 * DNS-rebinding protection for `policy enforce --listen` (MCP transports, "Security Warning"):
 * the `Host` header must name an allowed host, and an `Origin` header, when a browser sends one,
 * an allowed origin; anything else is answered 403 before the request is read.
 * Defaults: loopback names only (`localhost`, `127.0.0.1`, `[::1]`, any port), plus the address the
 * proxy listens on when that is a specific one; `--allow-host` and `--allow-origin` add more.
 * URLs are parsed with the WHATWG `URL` parser, as browsers do.
 */
import { isIP } from "node:net";

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];
/** `host[:port]` and nothing else (no user info, path or spaces for a URL parser to reinterpret). */
const HOST_HEADER = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** A host name as it appears in a URL: lower case, IPv6 in brackets. */
export function normalHost(host: string): string {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
  return isIP(h) === 6 ? `[${h}]` : h;
}

/** An `--allow-host` value: a host name or address, without scheme or port. */
function allowedHost(v: string): string {
  const h = normalHost(v);
  if (!HOST_HEADER.test(h) || /:\d+$/.test(h)) throw new Error(`--allow-host takes a host name without scheme or port (the port is not compared), e.g. mcp.example.com, not "${v}"`);
  return h;
}

/** Whether an address to listen on reaches only this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const h = normalHost(host);
  return h === "localhost" || h === "[::1]" || (isIP(h) === 4 && h.startsWith("127."));
}

export interface GuardOptions {
  /** Extra host names (`--allow-host`), without port. */
  readonly allowHosts?: readonly string[];
  /** Extra origins (`--allow-origin`), `scheme://host[:port]`. */
  readonly allowOrigins?: readonly string[];
}

/** Checks `Host` and `Origin` of requests to a proxy listening on `listenHost`. */
export class OriginGuard {
  private readonly hosts: Set<string>;
  private readonly origins: Set<string>;

  constructor(listenHost: string, o: GuardOptions = {}) {
    const own = normalHost(listenHost);
    const wildcard = own === "0.0.0.0" || own === "[::]" || own === "";
    this.hosts = new Set([...LOOPBACK_NAMES, ...(wildcard ? [] : [own]), ...(o.allowHosts ?? []).map(allowedHost)]);
    this.origins = new Set((o.allowOrigins ?? []).map((v) => {
      let u: URL;
      try { u = new URL(v); } catch { throw new Error(`--allow-origin must be an origin like https://app.example.com, not "${v}"`); }
      if (u.origin === "null") throw new Error(`--allow-origin must be an http(s) origin, not "${v}"`);
      return u.origin;
    }));
  }

  /** The reason to refuse a request, or undefined when its Host and Origin are allowed. */
  refusal(hostHeader: string | undefined, originHeader: string | undefined): string | undefined {
    if (!hostHeader) return "the request has no Host header";
    if (!HOST_HEADER.test(hostHeader)) return "the Host header is not a host name";
    let host: string;
    try { host = normalHost(new URL(`http://${hostHeader}`).hostname); } catch { return "the Host header is not a host name"; }
    if (!this.hosts.has(host)) return `Host "${host}" is not allowed (DNS rebinding protection); the proxy's operator can allow it with --allow-host ${host}`;
    if (originHeader === undefined) return undefined;
    let origin: URL;
    try { origin = new URL(originHeader); } catch { return `Origin "${originHeader}" is not allowed`; }
    if (this.origins.has(origin.origin)) return undefined;
    const loopback = (origin.protocol === "http:" || origin.protocol === "https:") && LOOPBACK_NAMES.includes(normalHost(origin.hostname));
    return loopback ? undefined : `Origin "${origin.origin}" is not allowed; the proxy's operator can allow it with --allow-origin ${origin.origin}`;
  }
}
