/**
 * The enforcement point's Prometheus metrics (`policy enforce --metrics host:port`), with
 * prom-client in a registry of its own. It observes the proxy through `enforce/observer.ts` and the
 * bundle source through its events. Labels take only values the operator controls (effects,
 * integration ids of the upstreams, policy ids of the bundle, bundle revisions), never what an
 * agent sends (agent names, tool arguments), so that an agent cannot grow the series without bound.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { DecisionFacts, ProxyObserver } from "../enforce/observer.js";
import type { SourceEvent, SourceStatus } from "./bundle-source.js";

export class ProxyMetrics implements ProxyObserver {
  readonly registry = new Registry();
  private readonly decisions = new Counter({ name: "policy_decisions_total", help: "Decisions taken, by effect, integration and deciding policy (\"default\" when the default decided)", labelNames: ["effect", "integration", "policy"], registers: [this.registry] });
  private readonly latency = new Histogram({
    name: "policy_decision_duration_seconds", help: "Time to decide one request (the runtime's decideAsync, session store included)",
    buckets: [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1], registers: [this.registry],
  });
  private readonly pending = new Gauge({ name: "policy_approvals_pending", help: "Calls waiting for approval now", registers: [this.registry] });
  private readonly decided = new Counter({ name: "policy_approvals_decided_total", help: "Approvals that ended, by status (approved, denied, expired, cancelled)", labelNames: ["status"], registers: [this.registry] });
  private readonly alerts = new Counter({ name: "policy_alert_deliveries_total", help: "Alert webhook deliveries, by result (delivered, failed)", labelNames: ["result"], registers: [this.registry] });
  private readonly storeErrors = new Counter({ name: "policy_store_errors_total", help: "Decisions blocked because the session store failed (fail closed)", registers: [this.registry] });
  private readonly bundleInfo = new Gauge({ name: "policy_bundle_info", help: "The bundle revision new sessions get (value 1)", labelNames: ["revision"], registers: [this.registry] });
  private readonly reloads = new Counter({ name: "policy_bundle_reloads_total", help: "Bundle loads and refusals, by result (loaded, refused, unreachable)", labelNames: ["result"], registers: [this.registry] });
  private readonly lastReload: Gauge = new Gauge({
    name: "policy_bundle_last_reload_success", help: "1 when the last attempt to get a bundle succeeded (or found it unchanged), 0 when it was refused or failed",
    registers: [this.registry], collect: () => { const r = this.status?.().lastResult; if (r !== undefined && r !== "none") this.lastReload.set(r === "refused" || r === "unreachable" ? 0 : 1); },
  });
  private readonly lastCheck: Gauge = new Gauge({
    name: "policy_bundle_last_check_success_timestamp_seconds", help: "With --bundle-url: when the server last answered with a good or unchanged bundle (Unix time); alert on its age",
    registers: [this.registry], collect: () => { const t = this.status?.().lastSuccessMs; if (t !== undefined) this.lastCheck.set(t / 1000); },
  });
  private status: (() => SourceStatus) | undefined;
  private readonly lastReloadTime = new Gauge({ name: "policy_bundle_last_reload_timestamp_seconds", help: "When the last bundle was loaded (Unix time)", registers: [this.registry] });
  private revision: string | undefined;

  constructor(opts: { defaults?: boolean } = {}) {
    if (opts.defaults !== false) collectDefaultMetrics({ register: this.registry, prefix: "policy_enforce_" });
    this.lastReload.set(1);
  }

  decision(f: DecisionFacts): void {
    this.decisions.inc({ effect: f.effect, integration: f.integration, policy: f.policy });
    if (f.micros !== undefined) this.latency.observe(f.micros / 1e6);
    if (f.storeError) this.storeErrors.inc();
  }

  approvalPending(delta: 1 | -1): void {
    this.pending.inc(delta);
  }

  approvalDecided(status: string): void {
    this.decided.inc({ status });
  }

  alert(result: "delivered" | "failed"): void {
    this.alerts.inc({ result });
  }

  bundleLoaded(revision: string): void {
    if (revision === this.revision) return;
    if (this.revision !== undefined) this.bundleInfo.remove({ revision: this.revision });
    this.revision = revision;
    this.bundleInfo.set({ revision }, 1);
    this.reloads.inc({ result: "loaded" });
    this.lastReload.set(1);
    this.lastReloadTime.set(Date.now() / 1000);
  }

  /** Follows a bundle source (`--bundle-url`): its status feeds the last-reload gauges at each scrape. */
  follow(status: () => SourceStatus): void {
    this.status = status;
  }

  /** What the bundle source reports: refusals and unreachable servers are counted. */
  source(e: SourceEvent): void {
    if (e.type === "bundle_pulled") return;
    this.reloads.inc({ result: e.type === "bundle_refused" ? "refused" : "unreachable" });
    this.lastReload.set(0);
  }

  /** A bundle file edit was refused (`--bundle` hot reload). */
  bundleRefused(): void {
    this.reloads.inc({ result: "refused" });
    this.lastReload.set(0);
  }
}
