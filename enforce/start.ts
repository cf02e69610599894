/**
 * Assembles an enforcement point from options (what `policy enforce` parses from its flags):
 * bundle, session store, approvals, alerts, recording, decision log, upstreams and hot reload.
 */
import path from "node:path";
import type { SessionStore } from "../runtime/index.js";
import type { Bundle } from "../runtime/types.js";
import { AlertSink } from "./alerts.js";
import { FileApprovalStore } from "./approvals/file-store.js";
import { RedisApprovalStore } from "./approvals/redis-store.js";
import type { ApprovalStore } from "./approvals/types.js";
import { readBundleFile, readSignedBundleFile, watchBundle } from "./bundle-watch.js";
import { Gateway } from "./gateway.js";
import { DecisionLog, SessionRecorder } from "./jsonl.js";
import type { SessionIdentity } from "./session.js";
import { checkIntegrationId, Upstream, type UpstreamSpec } from "./upstream.js";
import { foldersOf } from "./upstream-folders.js";

export interface ProxyOptions {
  /** The bundle file (watched for hot reload unless `watch: false`) or a parsed bundle. */
  readonly bundle: string | Bundle;
  /** An Ed25519 public key (PEM): the bundle file and every reload must be signed with its key. */
  readonly publicKey?: string;
  readonly upstreams: readonly UpstreamSpec[];
  /** `redis://…` for a shared session state (and shared approvals); memory by default. */
  readonly storeUrl?: string;
  /** Where file-based approvals live (default `.policy-state`). */
  readonly stateDir?: string;
  readonly recordDir?: string;
  readonly decisionLog?: string;
  readonly alertsWebhook?: string;
  readonly approvalTimeoutMs?: number;
  readonly approvalPollMs?: number;
  readonly identity?: SessionIdentity;
  readonly separator?: string;
  readonly watch?: boolean;
  /** Upstream child stderr: inherited by default. */
  readonly upstreamStderr?: "inherit" | "ignore" | "pipe";
  readonly log?: (message: string) => void;
  readonly now?: () => number;
}

export interface RunningProxy {
  readonly gateway: Gateway;
  readonly approvals: ApprovalStore;
  readonly alerts: AlertSink | undefined;
  close(): Promise<void>;
}

/** Parses `300ms`, `90s`, `5m`, `2h`, or plain milliseconds. */
export function parseDuration(v: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? "ms";
  return Math.round(n * (unit === "ms" ? 1 : unit === "s" ? 1000 : unit === "m" ? 60_000 : 3_600_000));
}

/** The Redis adapter, loaded only when `--store redis://…` asks for it. */
async function redisStore(url: string): Promise<SessionStore & { close?: () => Promise<void>; ready?: (ms?: number) => Promise<void>; client?: unknown }> {
  const modPath = "../adapters/redis/index.js";
  let mod: { createRedisStore?: (o: { url: string }) => SessionStore & { close?: () => Promise<void>; ready?: (ms?: number) => Promise<void> } };
  try {
    mod = (await import(modPath)) as typeof mod;
  } catch (e) {
    throw new Error(`--store ${url}: the Redis session store is not available in this build (${(e as Error).message})`);
  }
  if (!mod.createRedisStore) throw new Error(`--store ${url}: the Redis session store is not available in this build`);
  return mod.createRedisStore({ url });
}

/** Starts the upstreams and the gateway. The caller serves it (stdio or HTTP). */
export async function startProxy(o: ProxyOptions): Promise<RunningProxy> {
  const log = o.log ?? (() => undefined);
  let bundle: Bundle;
  if (typeof o.bundle === "string") {
    const r = o.publicKey !== undefined ? await readSignedBundleFile(o.bundle, o.publicKey) : readBundleFile(o.bundle);
    if (!r.ok) throw new Error(r.error);
    bundle = r.bundle;
  } else bundle = o.bundle;
  for (const u of o.upstreams) {
    const bad = u.integration !== undefined ? checkIntegrationId(u.integration) : undefined;
    if (bad) throw new Error(bad);
  }
  if (!o.upstreams.length) throw new Error("no upstream MCP server: give a command after `--` or --upstream");

  const closers: (() => Promise<void>)[] = [];
  let store: SessionStore | undefined;
  let approvals: ApprovalStore;
  if (o.storeUrl) {
    if (!/^rediss?:\/\//.test(o.storeUrl)) throw new Error(`--store must be a redis:// URL (or left out for the in-memory store), not "${o.storeUrl}"`);
    const rs = await redisStore(o.storeUrl);
    await rs.ready?.(5000).catch((e: Error) => log(`warning: ${e.message}; decisions block until Redis answers`));
    store = rs;
    if (rs.close) closers.push(() => rs.close!());
    const ra = new RedisApprovalStore({ url: o.storeUrl }, o.now);
    approvals = ra;
  } else {
    approvals = new FileApprovalStore(o.stateDir ?? ".policy-state", o.now);
  }

  const alerts = o.alertsWebhook ? new AlertSink({
    url: o.alertsWebhook,
    onFailure: (a, err) => { log(`alert not delivered (${a.policy}: ${a.what}): ${err}`); decisionLog?.append({ type: "alert_failed", ts: new Date().toISOString(), policy: a.policy, session_id: a.session_id, call_id: a.call_id, error: err }); },
  }) : undefined;
  const decisionLog = o.decisionLog ? new DecisionLog(o.decisionLog) : undefined;
  const recorder = o.recordDir ? new SessionRecorder(o.recordDir) : undefined;

  const upstreams: Upstream[] = [];
  try {
    for (const spec of o.upstreams) upstreams.push(await Upstream.connect(spec, { stderr: o.upstreamStderr ?? "inherit" }));
  } catch (e) {
    for (const u of upstreams) await u.close();
    for (const c of closers) await c().catch(() => undefined);
    throw e;
  }
  for (const u of upstreams) {
    const f = foldersOf(u);
    log(`upstream ${u.integration}: ${u.serverName ?? "?"}, ${u.tools.length} tools${f.root ? `; path arguments relative to ${f.root} (${f.rootFrom === "--root" ? "--root" : "its first directory argument; --root to change"})` : ""}`);
    const marksPaths = Object.entries(bundle.tools).some(([k, t]) => k.startsWith(`${u.integration}.`) && t[7] !== undefined && Object.values(t[7]).includes("path"));
    if (marksPaths && !f.root) log(`warning: upstream ${u.integration}: the catalog marks path arguments of its tools, but the folder it resolves them against is unknown: absolute paths are compared as written (give --root ${upstreams.length > 1 ? `${u.integration}=` : ""}DIR)`);
  }

  const gateway = new Gateway({
    bundle, upstreams, approvals, store, alerts, recorder, decisionLog,
    ...(o.approvalTimeoutMs !== undefined ? { approvalTimeoutMs: o.approvalTimeoutMs } : {}),
    ...(o.approvalPollMs !== undefined ? { approvalPollMs: o.approvalPollMs } : {}),
    ...(o.identity ? { identity: o.identity } : {}),
    ...(o.separator ? { separator: o.separator } : {}),
    log, ...(o.now ? { now: o.now } : {}),
  } as ConstructorParameters<typeof Gateway>[0]);
  log(`bundle revision ${bundle.revision}: ${bundle.policies.length} policies`);
  decisionLog?.append({ type: "bundle_loaded", ts: new Date().toISOString(), revision: bundle.revision, policies: bundle.policies.length });

  let unwatch: (() => void) | undefined;
  if (typeof o.bundle === "string" && o.watch !== false) {
    unwatch = watchBundle(path.resolve(o.bundle), (b) => gateway.load(b), (m) => log(m), 500, o.publicKey);
  }
  return {
    gateway, approvals, alerts,
    close: async () => {
      unwatch?.();
      await gateway.close();
      await approvals.close?.();
      for (const c of closers) await c().catch(() => undefined);
    },
  };
}
