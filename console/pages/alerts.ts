/**
 * Alerts for triage (seed 002: "All alerts surface in a single view, designed for quick triage"):
 * every `alert`, `alert_failed` and `audit_failed` line of the decision logs, grouped by policy and
 * agent, each group with its severity (from the effect: a failed audit trail is critical, a block
 * high, a held call medium, an allowed call low; said in words, never by colour alone), what
 * happened, why, the agent, tool and integration, and the acknowledged state kept in the store.
 */
import { html, type Html } from "../html.js";
import { agentOf, str, type LogLine } from "../data/decision-log.js";
import type { Ack } from "../data/acks.js";
import { when } from "./layout.js";

export const ALERT_TYPES = new Set(["alert", "alert_failed", "audit_failed"]);
const SEVERITY = ["low", "medium", "high", "critical"] as const;
type Severity = (typeof SEVERITY)[number];
const MAX_IDS = 1000;

export function severityOf(rec: Readonly<Record<string, unknown>>): Severity {
  if (rec.type === "audit_failed") return "critical";
  if (rec.type === "alert_failed") return "high";
  return rec.effect === "block" ? "high" : rec.effect === "require_approval" ? "medium" : "low";
}

export interface AlertGroup {
  readonly key: string;
  readonly policy: string;
  readonly agent: string;
  readonly alerts: readonly LogLine[];
  readonly severity: Severity;
}

/** Alerts grouped by (policy, agent), the most severe and then the most recent group first. */
export function groupAlerts(lines: readonly LogLine[], acks: ReadonlyMap<string, Ack>, showAcked: boolean): AlertGroup[] {
  const groups = new Map<string, LogLine[]>();
  for (const l of lines) {
    if (!ALERT_TYPES.has(String(l.rec.type)) || (!showAcked && acks.has(l.id))) continue;
    const key = `${str(l.rec, "policy")}\u0000${agentOf(l.rec)}`;
    groups.set(key, [...(groups.get(key) ?? []), l]);
  }
  const out = [...groups].map(([key, alerts]) => ({
    key, alerts: alerts.reverse(), policy: str(alerts[0]!.rec, "policy"), agent: agentOf(alerts[0]!.rec),
    severity: SEVERITY[Math.max(...alerts.map((a) => SEVERITY.indexOf(severityOf(a.rec))))]!,
  }));
  return out.sort((a, b) => SEVERITY.indexOf(b.severity) - SEVERITY.indexOf(a.severity) || str(b.alerts[0]!.rec, "ts").localeCompare(str(a.alerts[0]!.rec, "ts")));
}

function alertItem(l: LogLine, ack: Ack | undefined): Html {
  const r = l.rec;
  const what = r.type === "alert_failed" ? `alert not delivered: ${str(r, "error")}` : str(r, "what");
  return html`<li data-alert="${l.id}"${ack ? html` data-acked` : ""}><span class="badge sev-${severityOf(r)}">${severityOf(r)}</span> ${when(str(r, "ts"))} <strong>${what}</strong>
<div class="why">${str(r, "why")}</div><div class="hint">${str(r, "integration")}${str(r, "tool") ? "." : ""}${str(r, "tool")} · session <a href="/monitor?session=${encodeURIComponent(str(r, "session_id"))}"><code>${str(r, "session_id")}</code></a>${str(r, "channel") ? ` · ${str(r, "channel")}` : ""}
${ack ? html` · acknowledged by <strong>${ack.by}</strong> ${when(ack.at)}${ack.note ? html`: <q>${ack.note}</q>` : ""}` : ""}</div></li>`;
}

function groupBlock(g: AlertGroup, acks: ReadonlyMap<string, Ack>, csrf: string): Html {
  const open = g.alerts.filter((a) => !acks.has(a.id));
  const heading = `${g.policy || "(no policy)"} · ${g.agent || "(unnamed agent)"}`;
  const form = open.length ? html`<form method="post" action="/alerts/ack" class="ack"><input type="hidden" name="csrf" value="${csrf}">
<input type="hidden" name="ids" value="${open.slice(0, MAX_IDS).map((a) => a.id).join(" ")}">
<label for="ack-${open[0]!.id}">Note</label> <input id="ack-${open[0]!.id}" name="note" maxlength="2000">
<button type="submit">Acknowledge ${open.length === 1 ? "this alert" : `these ${Math.min(open.length, MAX_IDS)} alerts`}</button></form>` : html`<p>All acknowledged.</p>`;
  return html`<section class="alert-group sev-${g.severity}" data-group><h2><span class="badge sev-${g.severity}">${g.severity}</span> ${heading} <span class="hint">(${g.alerts.length}, ${open.length} open)</span></h2>
${form}<ul class="alerts">${g.alerts.slice(0, 50).map((a) => alertItem(a, acks.get(a.id)))}</ul></section>`;
}

/** The alerts screen. */
export function alertsBody(groups: readonly AlertGroup[], acks: ReadonlyMap<string, Ack>, csrf: string, showAcked: boolean): Html {
  return html`<h1>Alerts</h1><p>${showAcked ? html`<a href="/alerts">Hide acknowledged alerts</a>` : html`<a href="/alerts?show=all">Show acknowledged alerts too</a>`}</p>
<div data-live="monitor" aria-live="polite">${groups.length ? groups.map((g) => groupBlock(g, acks, csrf)) : html`<p class="empty">No ${showAcked ? "" : "open "}alerts.</p>`}</div>`;
}
