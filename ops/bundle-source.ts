/**
 * Bundle distribution, the replica's side (`policy enforce --bundle-url URL [--key pub.pem]`):
 * polls the URL with `If-None-Match` (or `If-Modified-Since`), fetches `<URL>.sig` when a key is
 * given, accepts a bundle only after `bundle-accept.ts` passed it, hands it to `onBundle`, and keeps
 * it in the cache (`bundle-cache.ts`) for a restart without the server. Polls are spread by ±10 %
 * jitter; after a failure the next try waits `poll · 2^failures` (at most `maxBackoffMs`), drawn
 * between half and all of it (jitter), until the server answers again.
 * INVARIANT (fail closed): nothing reaches `onBundle` that was not accepted, and a refused or
 * missing bundle never replaces the running one: the last good bundle keeps serving.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import type { Bundle } from "../runtime/types.js";
import { fetchBounded, shownUrl, type FetchLimits } from "./bundle-fetch.js";
import { acceptBundle, type Floor } from "./bundle-accept.js";
import { BundleCache, type CacheState } from "./bundle-cache.js";
import { bundleNameOf } from "../lifecycle/sign.js";

export interface BundleSourceOptions extends Partial<FetchLimits> {
  readonly url: string;
  readonly publicKeyPem?: string | undefined;
  /** The name the bundle must be signed for (default: the URL's file name without `.json`). */
  readonly name?: string | undefined;
  readonly cacheDir: string;
  readonly pollMs: number;
  readonly maxBackoffMs?: number;
  /** What is reported: loads, refusals, failures (stderr and the decision log in the CLI). */
  readonly onEvent?: (e: SourceEvent) => void;
  readonly random?: () => number;
}

export type SourceEvent =
  | { readonly type: "bundle_pulled"; readonly revision: string; readonly from: "server" | "cache"; readonly issued?: string }
  | { readonly type: "bundle_refused"; readonly reason: string; readonly from: "server" | "cache"; readonly repeated?: boolean }
  | { readonly type: "bundle_unreachable"; readonly reason: string; readonly failures: number; readonly retryMs: number; readonly repeated?: boolean };

/** What the source knows now (health, metrics). */
export interface SourceStatus {
  readonly revision: string | undefined;
  readonly issued: string | undefined;
  /** "loaded", "unchanged", "refused" or "unreachable": the last poll's result. */
  readonly lastResult: string;
  readonly lastSuccessMs: number | undefined;
  readonly failures: number;
}

export const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

/** The cache folder of a URL under a state dir (one per URL, so two URLs never mix). */
export function cacheDirFor(stateDir: string, url: string): string {
  return path.join(stateDir, "bundle-cache", createHash("sha256").update(url).digest("hex").slice(0, 16));
}

/** The name a URL's bundle is published under: its last path segment without `.json`. */
export function nameOfUrl(url: string): string {
  return bundleNameOf(decodeURIComponent(new URL(url).pathname));
}

/** The detached signature's URL: `.sig` after the path (a query string stays where it is). */
export function sigUrlOf(url: string): string {
  const u = new URL(url);
  u.pathname += ".sig";
  return u.href;
}

export class BundleSource {
  private readonly cache: BundleCache;
  private readonly name: string;
  private readonly limits: FetchLimits;
  private floor: (Floor & { etag?: string | undefined; lastModified?: string | undefined }) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastReason = "";
  status: SourceStatus = { revision: undefined, issued: undefined, lastResult: "none", lastSuccessMs: undefined, failures: 0 };
  /** Called with every newly accepted bundle after the first. */
  onBundle: (b: Bundle) => void = () => undefined;

  constructor(readonly o: BundleSourceOptions) {
    this.cache = new BundleCache(o.cacheDir);
    this.name = o.name ?? nameOfUrl(o.url);
    this.limits = { maxBytes: o.maxBytes ?? DEFAULT_MAX_BYTES, timeoutMs: o.timeoutMs ?? Math.max(5000, Math.min(o.pollMs, 60_000)) };
  }

  /** Reports an event; a problem reported just before is marked `repeated` (logged once, counted always). */
  private emit(e: SourceEvent): void {
    let ev = e;
    if (e.type !== "bundle_pulled") {
      if (e.reason === this.lastReason) ev = { ...e, repeated: true };
      this.lastReason = e.reason;
    } else this.lastReason = "";
    try { this.o.onEvent?.(ev); } catch { /* a reporter never stops the poller */ }
  }

  /** One poll: a new accepted bundle, or undefined (unchanged, refused or unreachable: reported). */
  async poll(): Promise<Bundle | undefined> {
    const r = await fetchBounded(this.o.url, { etag: this.floor?.etag, lastModified: this.floor?.lastModified }, this.limits);
    if (r.kind === "not_modified") return this.settle("unchanged");
    if (r.kind === "error") return this.unreachable(r.error);
    let sig: string | undefined;
    if (this.o.publicKeyPem !== undefined) {
      const s = await fetchBounded(sigUrlOf(this.o.url), {}, { ...this.limits, maxBytes: 64 * 1024 });
      if (s.kind === "error" && s.status !== 404) return this.unreachable(s.error);
      sig = s.kind === "ok" ? s.bytes.toString("utf8") : undefined;
    }
    const a = await acceptBundle(r.bytes, sig, { publicKeyPem: this.o.publicKeyPem, name: this.name, floor: this.floor, where: shownUrl(this.o.url) });
    if (!a.ok) {
      this.status = { ...this.status, lastResult: "refused", failures: this.status.failures + 1 };
      this.emit({ type: "bundle_refused", reason: `${a.reason} (keeping revision ${this.floor?.revision ?? "none"})`, from: "server" });
      return undefined;
    }
    const same = a.bundle.revision === this.floor?.revision;
    // The same content signed earlier than the copy running must not lower the floor (it would let
    // an older revision through next): only a newer signature replaces the one kept.
    const older = same && a.issued !== undefined && this.floor?.issued !== undefined && Date.parse(a.issued) <= Date.parse(this.floor.issued);
    if (older) return this.settle("unchanged");
    this.floor = { revision: a.bundle.revision, issued: a.issued ?? this.floor?.issued, etag: r.etag, lastModified: r.lastModified };
    const saved = this.cache.save(this.stateOf(a.bundle.revision, a.issued), r.bytes, sig);
    if (saved) this.emit({ type: "bundle_refused", reason: saved, from: "cache" });
    if (same) return this.settle("unchanged");
    this.settle("loaded", a.issued);
    this.emit({ type: "bundle_pulled", revision: a.bundle.revision, from: "server", ...(a.issued ? { issued: a.issued } : {}) });
    return a.bundle;
  }

  private stateOf(revision: string, issued: string | undefined): CacheState {
    return {
      format: "policy-bundle-cache/1", url: this.o.url, name: this.name, revision, fetched: new Date().toISOString(),
      ...(issued ? { issued } : {}), ...(this.floor?.etag ? { etag: this.floor.etag } : {}), ...(this.floor?.lastModified ? { last_modified: this.floor.lastModified } : {}),
    };
  }

  private settle(result: string, issued?: string): undefined {
    this.status = { revision: this.floor?.revision, issued: issued ?? this.status.issued, lastResult: result, lastSuccessMs: Date.now(), failures: 0 };
    return undefined;
  }

  private unreachable(reason: string): undefined {
    const failures = this.status.failures + 1;
    this.status = { ...this.status, lastResult: "unreachable", failures };
    this.emit({ type: "bundle_unreachable", reason, failures, retryMs: this.backoffCap(failures) });
    return undefined;
  }

  private backoffCap(failures: number): number {
    return Math.min(this.o.maxBackoffMs ?? Math.max(this.o.pollMs, 300_000), this.o.pollMs * 2 ** Math.min(failures, 20));
  }

  /** The delay before the next poll: the interval ±10 %, or the backoff with jitter after failures. */
  nextDelay(): number {
    const rnd = this.o.random ?? Math.random;
    const f = this.status.failures;
    return f === 0 ? this.o.pollMs * (0.9 + 0.2 * rnd()) : this.backoffCap(f) * (0.5 + 0.5 * rnd());
  }

  /** The cached bundle, verified again, when there is one that passes. */
  async fromCache(): Promise<Bundle | undefined> {
    const c = this.cache.load();
    if (c === undefined) return undefined;
    if ("error" in c) { this.emit({ type: "bundle_refused", reason: c.error, from: "cache" }); return undefined; }
    const a = await acceptBundle(c.bytes, c.sig, { publicKeyPem: this.o.publicKeyPem, name: this.name, where: `the cached bundle in ${this.o.cacheDir}` });
    if (!a.ok) { this.emit({ type: "bundle_refused", reason: a.reason, from: "cache" }); return undefined; }
    // The validators are kept only when the cache is of this URL: the server then answers 304.
    const mine = c.state.url === this.o.url && c.state.revision === a.bundle.revision;
    this.floor = { revision: a.bundle.revision, issued: a.issued, ...(mine ? { etag: c.state.etag, lastModified: c.state.last_modified } : {}) };
    this.status = { ...this.status, revision: a.bundle.revision, issued: a.issued };
    this.emit({ type: "bundle_pulled", revision: a.bundle.revision, from: "cache", ...(a.issued ? { issued: a.issued } : {}) });
    return a.bundle;
  }

  /**
   * The first bundle: from the server; else, when it cannot be reached or refuses to give a good
   * one, the cached one; else the server is tried again (with backoff) until `waitMs` passed.
   * Throws when there is still no accepted bundle then (the proxy does not start).
   */
  async first(waitMs: number): Promise<Bundle> {
    const deadline = Date.now() + waitMs;
    const cached = await this.fromCache();
    const fresh = await this.poll();
    if (fresh) return fresh;
    if (cached) return cached;
    while (!this.stopped && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, Math.min(this.nextDelay(), Math.max(0, deadline - Date.now()))));
      const b = await this.poll();
      if (b) return b;
    }
    throw new Error(`no bundle to enforce: ${this.lastReason || `${shownUrl(this.o.url)} gave none`}${this.o.publicKeyPem !== undefined ? " (only signed bundles are accepted with --key)" : ""}, and no cached bundle in ${this.o.cacheDir}`);
  }

  /** Polls until `stop()`, handing each new accepted bundle to `onBundle`. */
  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        void this.poll().then((b) => { if (b && !this.stopped) this.onBundle(b); }, () => undefined).finally(loop);
      }, this.nextDelay());
      this.timer.unref?.();
    };
    loop();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
