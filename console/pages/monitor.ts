/**
 * The monitor (seed 003: "Open Monitor, filter by this policy id. Each block event shows the rule,
 * the agent, the matching input, and the run id"): the decisions of the decision logs, filtered,
 * newest first; and the screen of one decision with the deciding rule's `if` lines and the values
 * they read from the recorded call, the `policy explain` trace, what would have given another
 * effect (the counterfactuals `policy explain` prints), and the way to replay it.
 */
import type { Bundle, BundlePolicy } from "../../runtime/types.js";
import type { SessionEvent } from "../../runtime/types.js";
import { eventProblem } from "../../runtime/event.js";
import { explain, type Explanation } from "../../compiler/explain.js";
import { alertCounterfactuals, alertText, counterfactuals, counterfactualText } from "../../compiler/analysis/counterfactual.js";
import { html, type Html } from "../html.js";
import { agentOf, str, type LogLine } from "../data/decision-log.js";
import type { MonitorFilter } from "../data/monitor-filter.js";
import type { Recording } from "../data/recordings.js";
import { effectBadge, when } from "./layout.js";
import { jsonValue } from "./params.js";

const MAX_ROWS = 500;

function input(f: MonitorFilter, key: keyof MonitorFilter, label: string, type = "text"): Html {
  return html`<div class="field"><label for="f-${key}">${label}</label><input id="f-${key}" name="${key}" type="${type}" value="${f[key] ?? ""}"${type === "datetime-local" ? html` step="1"` : ""}></div>`;
}

function filterForm(f: MonitorFilter): Html {
  const effects = ["", "block", "require_approval", "allow"];
  return html`<form method="get" action="/monitor" class="filters" role="search" aria-label="Filter decisions">
${input(f, "policy", "Policy id")}${input(f, "agent", "Agent")}${input(f, "integration", "Integration")}${input(f, "tool", "Tool")}
<div class="field"><label for="f-effect">Effect</label><select id="f-effect" name="effect">${effects.map((e) => html`<option value="${e}"${f.effect === e || (!f.effect && !e) ? html` selected` : ""}>${e ? e.replace("_", " ") : "any"}</option>`)}</select></div>
${input(f, "session", "Session (run) id")}${input(f, "from", "From (UTC)", "datetime-local")}${input(f, "to", "To (UTC)", "datetime-local")}
<div class="buttons"><button type="submit">Filter</button> <a href="/monitor">Clear</a></div></form>`;
}

function row(l: LogLine): Html {
  const r = l.rec;
  const session = str(r, "session_id");
  return html`<tr data-effect="${str(r, "effect")}" data-policy="${str(r, "policy")}">
<td>${when(str(r, "ts"))}</td><td>${effectBadge(str(r, "effect"))}</td><td>${str(r, "integration")}.${str(r, "tool")}</td><td data-agent>${agentOf(r)}</td>
<td>${str(r, "policy") ? html`<a href="/monitor?policy=${encodeURIComponent(str(r, "policy"))}">${str(r, "policy")}</a>` : "default"}</td><td>${str(r, "reason")}</td>
<td><a href="/monitor?session=${encodeURIComponent(session)}"><code>${session}</code></a></td><td><a href="/monitor/event?f=${l.file}&amp;l=${l.line}" aria-label="Details of ${str(r, "tool")} at ${str(r, "ts")}">details</a></td></tr>`;
}

/** The monitor screen. */
export function monitorBody(rows: readonly LogLine[], f: MonitorFilter, problems: readonly string[], logsGiven: number): Html {
  const shown = rows.slice(0, MAX_ROWS);
  const table = html`<table class="decisions"><caption>${rows.length} decision${rows.length === 1 ? "" : "s"}${rows.length > MAX_ROWS ? ` (newest ${MAX_ROWS} shown)` : ""}</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Effect</th><th scope="col">Tool</th><th scope="col">Agent</th><th scope="col">Policy</th><th scope="col">Reason</th><th scope="col">Run id</th><th scope="col"><span class="sr">Details</span></th></tr></thead>
<tbody>${shown.map(row)}</tbody></table>`;
  return html`<h1>Monitor</h1>${filterForm(f)}
${logsGiven ? "" : html`<p class="bad">No decision log was given: start the console with <code>--decision-log FILE</code> (the proxy's <code>--decision-log</code>).</p>`}
${problems.map((p) => html`<p class="bad" role="alert">${p}</p>`)}
<div data-live="monitor" aria-live="polite">${table}</div>`;
}

/** `args.x.y` / `args.items[0]` paths, `agent`, `tool` and `integration` an `if` line reads, with their values. */
function valuesOf(text: string, e: Record<string, unknown>): Html[] {
  const call = (e.call ?? {}) as { integration?: string; tool?: string; args?: unknown; command?: unknown };
  const out: Html[] = [];
  for (const m of text.matchAll(/\bargs((?:\.[A-Za-z_][\w-]*|\[\d+\])+)/g)) {
    let v: unknown = call.args;
    for (const part of m[1]!.match(/\.[A-Za-z_][\w-]*|\[\d+\]/g) ?? []) v = v && typeof v === "object" ? (v as Record<string, unknown>)[part.startsWith(".") ? part.slice(1) : part.slice(1, -1)] : undefined;
    out.push(html`<code>args${m[1]!}</code> = ${v === undefined ? html`<em>absent</em>` : jsonValue(v)}`);
  }
  if (/\bagent\b/.test(text)) out.push(html`<code>agent</code> = ${JSON.stringify(agentOf(e))}`);
  if (/\b(tool|integration)\b/.test(text)) out.push(html`<code>tool</code> = ${call.integration ?? ""}.${call.tool ?? ""}`);
  return out;
}

function ruleBlock(p: BundlePolicy | undefined, event: Record<string, unknown> | undefined): Html {
  if (!p) return html`<p>The bundle of this decision was not given to the console (<code>--bundle</code>): its <code>if</code> lines cannot be shown.</p>`;
  return html`<p><code>${p.file}:${p.line}</code> · ${p.name}</p><ul class="ifs">${p.ifs.map((i) => {
    const vals = event ? valuesOf(i.text, event) : [];
    return html`<li><code>if ${i.text}</code>${vals.length ? html`<ul>${vals.map((v) => html`<li>${v}</li>`)}</ul>` : ""}</li>`;
  })}</ul>`;
}

export interface EventData {
  readonly line: LogLine;
  readonly logFile: string;
  readonly bundle?: Bundle | undefined;
  readonly event?: { event: Record<string, unknown>; recording: Recording; file: string } | undefined;
}

function explainBlock(d: EventData): Html {
  if (!d.bundle || !d.event) return html``;
  const x = explain(d.bundle, d.event.event);
  return html`${traceBlock(x)}${whatWouldChange(d.bundle, d.event.event, x, d.line.rec)}`;
}

/**
 * "What would change it": the counterfactuals and alert counterfactuals `policy explain` prints,
 * in the same words. Computed on an empty history like the trace, so shown only when that gives
 * the decision the log recorded (else they would explain another decision).
 */
function whatWouldChange(bundle: Bundle, event: Record<string, unknown>, x: Explanation, rec: Record<string, unknown>): Html {
  if (eventProblem(event)) return html``;
  const logged = (rec.decision ?? {}) as { policy?: { id?: string } | null };
  const loggedPolicy = logged.policy?.id ?? (str(rec, "policy") || null);
  if (x.decision.effect !== str(rec, "effect") || (x.decision.policy?.id ?? null) !== loggedPolicy) {
    return html`<h2>What would change it</h2><p class="hint" data-counterfactuals="history">This decision depended on the session's history (on an empty history it is ${x.decision.effect}): <code>policy replay</code> of the recording explains it.</p>`;
  }
  let cf: ReturnType<typeof counterfactuals>, al: ReturnType<typeof alertCounterfactuals>;
  try {
    cf = counterfactuals(bundle, event as unknown as SessionEvent);
    al = alertCounterfactuals(bundle, event as unknown as SessionEvent);
  } catch (e) {
    return html`<h2>What would change it</h2><p class="bad">It could not be computed for this call: ${(e as Error).message}</p>`;
  }
  if (cf.undecidable) return html`<h2>What would change it</h2><p data-counterfactuals>${cf.undecidable}</p>`;
  const lines = [...cf.counterfactuals.map((c) => counterfactualText(cf.atoms, c)), ...al.alerts.flatMap((a) => a.changes.map((ch) => alertText(al.atoms, a.policy, ch)))];
  if (!lines.length) return html``;
  return html`<h2>What would change it</h2><ul class="counterfactuals" data-counterfactuals>${lines.map((l) => html`<li>${l}</li>`)}</ul>`;
}

function traceBlock(x: Explanation): Html {
  return html`<h2>policy explain</h2><p class="hint">Session conditions are evaluated on an empty history here; <code>policy replay</code> of the recording gives the decision with the session's history.</p>
<ul class="trace">${x.policies.filter((p) => p.outcome !== "other trigger").map((p) => html`<li>${p.outcome === "matched" ? "✓" : p.needsHistory ? "?" : "✗"} <code>${p.id}</code> ${p.outcome}${p.failed ? html`: <code>${p.failed}</code>` : ""}</li>`)}</ul>`;
}

/** The screen of one decision. */
export function eventBody(d: EventData): Html {
  const r = d.line.rec;
  const dec = (r.decision ?? {}) as { policy?: { id?: string } | null; matched?: { id: string; name: string }[] };
  const policyId = str(r, "policy");
  const p = d.bundle?.policies.find((x) => x.id === policyId);
  const q = `f=${d.line.file}&l=${d.line.line}`;
  const rec = d.event;
  return html`<p><a href="/monitor">← Monitor</a></p><h1>${effectBadge(str(r, "effect"))} <code>${str(r, "integration")}.${str(r, "tool")}</code></h1>
<dl class="facts"><dt>Time</dt><dd>${when(str(r, "ts"))}</dd><dt>Agent</dt><dd data-agent>${agentOf(r)}</dd>
<dt>Run id</dt><dd><a href="/monitor?session=${encodeURIComponent(str(r, "session_id"))}"><code>${str(r, "session_id")}</code></a> · call <code>${str(r, "call_id")}</code> · seq ${str(r, "seq")}</dd>
<dt>Reason</dt><dd>${str(r, "reason")}</dd><dt>Outcome</dt><dd>${str(r, "outcome")}</dd>
<dt>Matched</dt><dd>${(dec.matched ?? []).map((m) => html`<code>${m.id}</code> `)}</dd><dt>Bundle revision</dt><dd><code>${str(r, "revision")}</code></dd>
<dt>Decision log</dt><dd><code>${d.logFile}:${d.line.line}</code></dd></dl>
<h2>Rule${policyId ? html` <code>${policyId}</code>` : " (the default decided)"}</h2>${policyId ? ruleBlock(p, rec?.event) : ""}
<h2>Matching input</h2>${rec ? html`<pre class="json" tabindex="0" aria-label="Recorded call">${jsonValue((rec.event.call ?? {}) as unknown)}</pre>` : html`<p>No recording of this session was found in the folders given (<code>--record DIR</code>).</p>`}
${explainBlock(d)}
<h2>Explain and replay</h2><ul>
${rec ? html`<li><a href="/monitor/event.json?${q}" download>The event (JSON)</a>: <code>policy explain event.json --bundle bundle.json</code></li>
<li><a href="/recordings/${rec.recording.dir}/${encodeURIComponent(rec.recording.name)}" download>The recording</a>: <code>policy replay ${rec.recording.name} --bundle bundle.json</code></li>` : html`<li>Start the proxy with <code>--record DIR</code> and give the console the same <code>--record DIR</code> to explain and replay decisions.</li>`}
</ul>`;
}
