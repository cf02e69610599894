/**
 * Assembles an enforcement point from options (what `policy enforce` parses from its flags):
 * bundle, session store, approvals, alerts, recording, decision log, upstreams and hot reload.
 */
import path from "node:path";
import { existsSync } from "node:fs";
import type { SessionStore } from "../runtime/index.js";
import type { Bundle } from "../runtime/types.js";
import { AlertSink } from "./alerts.js";
import { FileApprovalStore, privateDir } from "./approvals/file-store.js";
import { ApprovalClerk } from "./approvals/clerk.js";
import { systemUsers, type UserResolver } from "./approvals/identity.js";
import { loadOrCreateKey } from "./approvals/seal.js";
import { sharedStateProblem } from "./shared-state.js";
import { execFileSync } from "node:child_process";
import type { ApprovalStore } from "./approvals/types.js";
import { readBundleFile, readSignedBundleFile, watchBundle } from "./bundle-watch.js";
import { Gateway } from "./gateway.js";
import { DecisionLog, SessionRecorder } from "./jsonl.js";
import type { SessionIdentity } from "./session.js";
import { checkIntegrationId, Upstream, type UpstreamSpec } from "./upstream.js";
import { blocking, catalogId, servedBy, startupCheck, type Finding } from "./startup-check.js";
import { foldersOf } from "./upstream-folders.js";
import { tell, type ProxyObserver } from "./observer.js";

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
  /** Start-up check findings (stderr in the CLI, also with --quiet); `log` when absent. */
  readonly warn?: (message: string) => void;
  /** Refuse to start when the start-up check finds an upstream without integration or tools nothing decides. */
  readonly strict?: boolean;
  readonly now?: () => number;
  /** `strict` (default): a call is blocked when its recording or decision-log line cannot be written. */
  readonly audit?: "strict" | "best-effort";
  /** Start even when the state dir, recordings or decision log lie inside a path an upstream is given. */
  readonly allowSharedState?: boolean;
  /**
   * Other files the proxy takes its trust from (public key, token file, TLS key, user record, the
   * config with users, the bundle cache): refused inside an upstream's paths like the state dir.
   * The bundle file itself is added here unless it is signed (`publicKey`).
   */
  readonly trustedFiles?: readonly { readonly what: string; readonly path: string }[];
  /** A group whose members may review and vote (`policy approvals` as other OS users). */
  readonly approversGroup?: string;
  /** Names ballot owners (uid → user name); the system's user database by default. */
  readonly users?: UserResolver;
  /** Told about decisions, approvals, alerts and bundle loads (`--metrics`). */
  readonly observer?: ProxyObserver;
  /** Tell the upstreams that the client can sample: their sampling requests are decided and passed to the agent (`--sampling`). */
  readonly sampling?: boolean;
}

/** Thrown by `startProxy` when `strict` and the start-up check found problems (exit 2 in the CLI). */
export class StartupCheckError extends Error {
  constructor(readonly findings: readonly Finding[]) {
    super(`the start-up check failed (--strict):\n${findings.map((f) => `  - ${f.message}`).join("\n")}`);
  }
}

export interface RunningProxy {
  readonly gateway: Gateway;
  readonly approvals: ApprovalStore;
  readonly alerts: AlertSink | undefined;
  close(): Promise<void>;
}

export { parseDuration } from "./duration.js";

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

/** An upstream id in the catalog's spelling, saying so when it differs. */
function spelt(b: Bundle, id: string, log: (m: string) => void): string {
  const c = catalogId(b, id);
  if (c !== id) log(`upstream id "${id}" is the catalog's integration "${c}"`);
  return c;
}

/** The proxy's state would be reachable by an upstream server (exit status 2 in the CLI). */
export class SharedStateError extends Error {}

/** Expires what a proxy that is gone left pending (a failure is only reported). */
async function sweep(clerk: ApprovalClerk, log: (m: string) => void): Promise<void> {
  try {
    const gone = await clerk.sweep();
    if (gone.length) log(`expired ${gone.length} approval request(s) left pending by a proxy that is gone: ${gone.join(", ")}`);
  } catch (e) {
    log(`warning: could not look for approvals left pending by an earlier proxy: ${(e as Error).message}`);
  }
}

/** The gid of a group name (NSS via `getent`). */
function groupId(name: string): number {
  try {
    const gid = Number(execFileSync("getent", ["group", name], { encoding: "utf8", timeout: 2000 }).split(":")[2]);
    if (Number.isInteger(gid)) return gid;
  } catch { /* below */ }
  throw new Error(`--approvers-group ${name}: no such group`);
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
  const stateDir = o.stateDir ?? ".policy-state";
  if (!o.allowSharedState) {
    const problem = sharedStateProblem([
      { what: "state dir", path: stateDir },
      ...(o.recordDir ? [{ what: "recording folder", path: o.recordDir }] : []),
      ...(o.decisionLog ? [{ what: "decision log", path: o.decisionLog }] : []),
      // An unsigned bundle file inside an upstream's folder: the agent could write a bundle that allows everything, and it would be hot-reloaded
      ...(typeof o.bundle === "string" && o.publicKey === undefined ? [{ what: "bundle", path: o.bundle }] : []),
      ...(o.trustedFiles ?? []),
    ], o.upstreams);
    if (problem) throw new SharedStateError(problem);
  }

  const closers: (() => Promise<void>)[] = [];
  let store: SessionStore | undefined;
  let approvals: ApprovalStore;
  if (o.storeUrl) {
    if (!/^rediss?:\/\//.test(o.storeUrl)) throw new Error(`--store must be a redis:// URL (or left out for the in-memory store), not "${o.storeUrl}"`);
    const rs = await redisStore(o.storeUrl);
    await rs.ready?.(5000).catch((e: Error) => log(`warning: ${e.message}; decisions block until Redis answers`));
    store = rs;
    if (rs.close) closers.push(() => rs.close!());
    // Loaded only here: a proxy without Redis never loads the client (start-up time).
    const { RedisApprovalStore } = await import("./approvals/redis-store.js");
    approvals = new RedisApprovalStore({ url: o.storeUrl });
  } else {
    approvals = new FileApprovalStore(stateDir, o.approversGroup !== undefined ? { gid: groupId(o.approversGroup) } : {});
  }
  // The state dir (modes, key) is made when first needed; one that exists is checked now.
  const prepare = (): Buffer => {
    if (approvals instanceof FileApprovalStore) approvals.init(); else privateDir(stateDir, 0o700);
    return loadOrCreateKey(stateDir);
  };
  const key = existsSync(stateDir) || o.approversGroup !== undefined ? prepare() : undefined;
  const clerk = new ApprovalClerk(approvals, key ?? prepare, o.users ?? systemUsers(), o.now);
  if (key) await sweep(clerk, log);

  const alerts = o.alertsWebhook ? new AlertSink({
    url: o.alertsWebhook,
    onDelivered: () => tell(o.observer, "alert", "delivered"),
    onFailure: (a, err) => { tell(o.observer, "alert", "failed"); log(`alert not delivered (${a.policy}: ${a.what}): ${err}`); decisionLog?.append({ type: "alert_failed", ts: new Date().toISOString(), policy: a.policy, session_id: a.session_id, call_id: a.call_id, error: err }); },
  }) : undefined;
  const decisionLog = o.decisionLog ? new DecisionLog(o.decisionLog) : undefined;
  const recorder = o.recordDir ? new SessionRecorder(o.recordDir) : undefined;

  const upstreams: Upstream[] = [];
  try {
    for (const spec of o.upstreams) upstreams.push(await Upstream.connect(spec, { stderr: o.upstreamStderr ?? "inherit", canonicalId: (id) => spelt(bundle, id, log), ...(o.sampling ? { sampling: true } : {}) }));
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
  const findings = startupCheck(bundle, upstreams.map(servedBy));
  for (const f of findings) (o.warn ?? log)(`${f.kind === "not_in_catalog" ? "note" : "warning"}: ${f.message}`);
  if (o.strict && blocking(findings).length) {
    for (const u of upstreams) await u.close();
    for (const c of closers) await c().catch(() => undefined);
    throw new StartupCheckError(blocking(findings));
  }

  const gateway = new Gateway({
    bundle, upstreams, approvals, clerk, store, alerts, recorder, decisionLog, audit: o.audit ?? "strict",
    ...(o.approvalTimeoutMs !== undefined ? { approvalTimeoutMs: o.approvalTimeoutMs } : {}),
    ...(o.approvalPollMs !== undefined ? { approvalPollMs: o.approvalPollMs } : {}),
    ...(o.identity ? { identity: o.identity } : {}),
    ...(o.separator ? { separator: o.separator } : {}),
    log, ...(o.now ? { now: o.now } : {}), ...(o.observer ? { observer: o.observer } : {}),
  } as ConstructorParameters<typeof Gateway>[0]);
  log(`bundle revision ${bundle.revision}: ${bundle.policies.length} policies`);
  tell(o.observer, "bundleLoaded", bundle.revision);
  if (!Object.values(bundle.approvers ?? {}).some((people) => people.length)) log("warning: the bundle names no approvers (\"approvers\" in policy.config.json), so nobody can approve a held call: such calls are refused when they time out");
  decisionLog?.append({ type: "bundle_loaded", ts: new Date().toISOString(), revision: bundle.revision, policies: bundle.policies.length });

  let unwatch: (() => void) | undefined;
  if (typeof o.bundle === "string" && o.watch !== false) {
    unwatch = watchBundle(path.resolve(o.bundle), (b) => gateway.load(b), (m) => { tell(o.observer, "bundleRefused", m); log(m); }, 500, o.publicKey);
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
