/**
 * What `policy enforce` adds for operations, around the proxy it starts: the bundle pulled from a
 * server (`--bundle-url`, `bundle-source.ts`) and the metrics and health endpoint (`--metrics`,
 * `metrics.ts`, `ops-server.ts`). The endpoint starts first, so `/readyz` says 503 while the first
 * bundle is awaited; the proxy starts only with an accepted bundle (fail closed).
 * Bundle events go to stderr and, once the proxy runs, to its decision log (`bundle_pulled`,
 * `bundle_refused`, `bundle_unreachable`, with the URL), so that each replica reports what it runs.
 */
import type { Server } from "node:http";
import type { Bundle } from "../runtime/types.js";
import type { RunningProxy } from "../enforce/start.js";
import type { ProxyObserver } from "../enforce/observer.js";
import { BundleSource, cacheDirFor, type SourceEvent } from "./bundle-source.js";
import { shownUrl } from "./bundle-fetch.js";
import { ProxyMetrics } from "./metrics.js";
import { serveOps } from "./ops-server.js";

export interface OpsOptions {
  readonly bundleUrl?: string | undefined;
  readonly publicKeyPem?: string | undefined;
  readonly pollMs: number;
  readonly waitMs: number;
  readonly stateDir: string;
  readonly cacheDir?: string | undefined;
  readonly maxBytes?: number | undefined;
  readonly metrics?: { readonly host: string; readonly port: number } | undefined;
  readonly log: (m: string) => void;
}

export interface Ops {
  /** The accepted first bundle (with `--bundle-url`). */
  readonly bundle: Bundle | undefined;
  readonly observer: ProxyObserver | undefined;
  readonly metricsUrl: string | undefined;
  /** Hands new bundles to the running proxy and starts polling. */
  attach(proxy: RunningProxy): void;
  close(): Promise<void>;
}

/** The problem with a bundle URL, or undefined. Without a key, only HTTPS or loopback. */
export function bundleUrlProblem(url: string, signed: boolean): string | undefined {
  let u: URL;
  try { u = new URL(url); } catch { return `--bundle-url must be an http(s) URL, not "${url}"`; }
  if (u.protocol !== "http:" && u.protocol !== "https:") return `--bundle-url must be an http(s) URL, not "${url}"`;
  if (u.username || u.password) return "--bundle-url must not carry a user name or password (they would be written to logs)";
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(u.hostname);
  if (!signed && u.protocol === "http:" && !loopback) return `without --key, whoever can answer for ${u.host} on the network decides what is enforced: give --key pub.pem (bundles built with \`policy build --sign\`) or use https`;
  return undefined;
}

function describe(e: SourceEvent, url: string): string {
  if (e.type === "bundle_pulled") return `bundle revision ${e.revision} from ${e.from === "cache" ? "the cache" : url}${e.issued ? ` (signed ${e.issued})` : ""}`;
  if (e.type === "bundle_refused") return `bundle refused${e.from === "cache" ? " (cache)" : ""}: ${e.reason}`;
  return `bundle server unreachable (${e.failures} in a row, next try within ${Math.round(e.retryMs / 1000)}s): ${e.reason}; the loaded bundle keeps serving`;
}

/** Starts the metrics endpoint and gets the first bundle; throws when there is none to enforce. */
export async function startOps(o: OpsOptions): Promise<Ops> {
  const metrics = o.metrics ? new ProxyMetrics() : undefined;
  if (o.metrics && !/^(localhost|127\.\d+\.\d+\.\d+|::1)$/.test(o.metrics.host)) o.log(`note: --metrics ${o.metrics.host}: anyone who can reach it reads the policy ids, integrations and revision this replica runs (it needs no token; keep it on a monitoring network)`);
  let proxy: RunningProxy | undefined;
  const pending: Record<string, unknown>[] = [];
  const report = (e: SourceEvent) => {
    metrics?.source(e);
    const url = shownUrl(o.bundleUrl ?? "");
    if (!("repeated" in e && e.repeated)) o.log(describe(e, url));
    const entry = { ...e, ts: new Date().toISOString(), url };
    if (proxy) proxy.gateway.o.decisionLog?.append(entry); else pending.push(entry);
  };
  const source = o.bundleUrl ? new BundleSource({
    url: o.bundleUrl, publicKeyPem: o.publicKeyPem, pollMs: o.pollMs, cacheDir: o.cacheDir ?? cacheDirFor(o.stateDir, o.bundleUrl),
    ...(o.maxBytes ? { maxBytes: o.maxBytes } : {}), onEvent: report,
  }) : undefined;
  if (source && metrics) metrics.follow(() => source.status);
  let server: Server | undefined;
  let metricsUrl: string | undefined;
  if (o.metrics && metrics) {
    const store = () => proxy?.gateway.store as { ready?: (ms?: number) => Promise<void> } | undefined;
    const s = await serveOps({
      registry: metrics.registry,
      ready: [
        { name: "bundle", check: () => (proxy ? undefined : "no verified bundle loaded yet") },
        { name: "store", check: async () => { const st = store(); if (!st) return "not started"; if (st.ready) await st.ready(1000); return undefined; } },
      ],
    }, o.metrics.host, o.metrics.port);
    server = s.server;
    metricsUrl = s.url;
  }
  let bundle: Bundle | undefined;
  try {
    bundle = source ? await source.first(o.waitMs) : undefined;
  } catch (e) {
    server?.close();
    throw e;
  }
  return {
    bundle, observer: metrics, metricsUrl,
    attach(p) {
      proxy = p;
      for (const entry of pending.splice(0)) p.gateway.o.decisionLog?.append(entry);
      if (!source) return;
      source.onBundle = (b) => p.gateway.load(b);
      source.start();
    },
    async close() {
      source?.stop();
      if (server) await new Promise<void>((r) => { server!.close(() => r()); server!.closeAllConnections(); });
    },
  };
}
