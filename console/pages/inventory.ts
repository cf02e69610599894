/**
 * The Inventory screen: the tables of `policy inventory` (integrations, tools with their review
 * status and suggested risk, agents, new or unreviewed tools, tools no policy decided, unexpected
 * usage, the files read), built by inventory/'s own functions (data/inventory.ts). Every
 * integration, tool, agent and policy is a link to the monitor filtered by it (the monitor's own
 * query parameters: `/monitor?integration=…&tool=…`, `?agent=…`, `?policy=…`), and a tool's counts
 * of allowed, held and blocked calls link to exactly those decisions.
 */
import type { Inventory, InventoryTool } from "../../inventory/index.js";
import { html, type Html } from "../html.js";
import type { InventoryResult } from "../data/inventory.js";
import { when } from "./layout.js";

export interface InventoryPage {
  readonly result: InventoryResult;
  /** The `recent` field as typed, and why it was not used. */
  readonly recent: string;
  readonly recentError?: string | undefined;
  readonly logsGiven: number;
  readonly recordsGiven: number;
  readonly bundlesGiven: number;
}

/** A link to the monitor filtered by `q`. */
function monitor(q: Readonly<Record<string, string>>, label: Html | string | number, o: { aria?: string; agent?: boolean } = {}): Html {
  return html`<a href="/monitor?${new URLSearchParams(q).toString()}"${o.aria ? html` aria-label="${o.aria}"` : ""}${o.agent ? html` data-agent` : ""}>${label}</a>`;
}

function agent(name: string): Html {
  return name.trim() ? monitor({ agent: name }, name, { agent: true }) : html`<em>(no name)</em>`;
}

const agents = (names: readonly string[]) => html`${names.map((n, i) => html`${i ? ", " : ""}${agent(n)}`)}`;
const toolQuery = (t: { integration: string; tool: string }) => ({ integration: t.integration, tool: t.tool });
const toolLink = (t: InventoryTool) => monitor(toolQuery(t), html`<code>${t.key}</code>`, { aria: `Decisions on ${t.key}` });

function count(t: InventoryTool, effect: "allow" | "require_approval" | "block", words: string): Html {
  const n = t.effects[effect];
  return html`<td class="n">${n ? monitor({ ...toolQuery(t), effect }, n, { aria: `${n} ${words} calls of ${t.key}` }) : "0"}</td>`;
}

function table(id: string, title: string, head: readonly string[], rows: readonly Html[]): Html {
  return html`<section aria-labelledby="h-${id}"><h2 id="h-${id}">${title} <span class="hint">(${rows.length})</span></h2>
<table id="${id}" class="inventory" aria-labelledby="h-${id}"><thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
<tbody>${rows.length ? rows : html`<tr><td colspan="${head.length}">None.</td></tr>`}</tbody></table></section>`;
}

function toolRow(t: InventoryTool): Html {
  return html`<tr data-tool="${t.key}"><th scope="row">${toolLink(t)}${t.in_catalog ? "" : html` <span class="hint">(not in the catalog)</span>`}</th>
<td>${t.operation}</td><td>${t.review_status}</td><td><span class="badge sev-${t.risk}">${t.risk}</span></td><td class="n">${t.calls}</td>
${count(t, "allow", "allowed")}${count(t, "require_approval", "held")}${count(t, "block", "blocked")}
<td>${agents(t.agents)}</td><td>${t.policies.map((p, i) => html`${i ? ", " : ""}${monitor({ policy: p }, html`<code>${p}</code>`, { aria: `Decisions of policy ${p}` })}`)}</td>
<td>${when(t.first_seen)}</td><td>${when(t.last_seen)}</td><td>${t.risk_reasons.join("; ")}</td></tr>`;
}

/** The tables, in the order of `policy inventory`. */
function tables(inv: Inventory): Html {
  const byKey = new Map(inv.tools.map((t) => [t.key, t]));
  const tool = (key: string) => { const t = byKey.get(key); return t ? toolLink(t) : html`<code>${key}</code>`; };
  return html`${table("integrations", "Integrations", ["Integration", "Tools", "Calls", "Agents"], inv.integrations.map((i) => html`<tr data-integration="${i.id}">
<th scope="row">${monitor({ integration: i.id }, html`<code>${i.id}</code>`, { aria: `Decisions on integration ${i.id}` })}</th><td class="n">${i.tools}</td><td class="n">${i.calls}</td><td>${agents(i.agents)}</td></tr>`))}
${table("tools", "Tools", ["Tool", "Operation", "Review", "Risk", "Calls", "Allowed", "Held", "Blocked", "Agents", "Policies", "First seen", "Last seen", "Why this risk"], inv.tools.map(toolRow))}
${table("agents", "Agents", ["Agent", "Review", "Calls", "Tools", "First seen", "Last seen"], inv.agents.map((a) => html`<tr>
<th scope="row">${agent(a.name)}</th><td>${a.review_status}</td><td class="n">${a.calls}</td><td class="n">${a.tools}</td><td>${when(a.first_seen)}</td><td>${when(a.last_seen)}</td></tr>`))}
${table("unreviewed", "New or unreviewed tools", ["Tool", "Why"], inv.new_or_unreviewed.map((x) => html`<tr><th scope="row">${tool(x.tool)}</th><td>${x.why}</td></tr>`))}
${table("undecided", "Tools no policy decided", ["Tool"], inv.undecided.map((x) => html`<tr><th scope="row">${tool(x)}</th></tr>`))}
${table("unexpected", `Unexpected usage after ${inv.window.baseline_until ?? "(no baseline: fewer than two calls)"}`, ["Time", "Agent", "Tool", "Why"], inv.unexpected.map((u) => html`<tr>
<td>${when(u.ts)}</td><td>${agent(u.agent)}</td><td>${tool(u.tool)}</td><td>${u.why}</td></tr>`))}
${table("sources", "Files read", ["File", "Kind", "Lines"], inv.sources.map((s) => html`<tr><th scope="row"><code>${s.file}</code></th><td>${s.kind}</td><td class="n">${s.lines}</td></tr>`))}`;
}

function summary(inv: Inventory, revision: string, recent: string): Html {
  const calls = inv.tools.reduce((n, t) => n + t.calls, 0);
  const q = recent ? `?${new URLSearchParams({ recent })}` : "";
  return html`<p data-summary>${calls} call${calls === 1 ? "" : "s"}${inv.window.from ? html` from ${when(inv.window.from)} to ${when(inv.window.to ?? "")}` : ""}, from ${inv.sources.length} file${inv.sources.length === 1 ? "" : "s"}; tools as bundle revision <code>${revision.slice(0, 12)}</code> describes them.
<span class="hint">The monitor shows the decision logs' lines: calls known only from a recording are counted here, not listed there.</span></p>
<p>Download: <a href="/inventory.json${q}" download>JSON</a> (<code>policy-inventory/1</code>, as <code>--format json</code>) · <a href="/inventory.html${q}" download>HTML report</a> (as <code>--html</code>)</p>`;
}

function options(p: InventoryPage): Html {
  return html`<form method="get" action="/inventory" class="filters" aria-label="Inventory options">
<div class="field"><label for="i-recent">Unexpected usage: first uses within (e.g. 24h)</label><input id="i-recent" name="recent" value="${p.recent}" aria-describedby="i-recent-hint"></div>
<div class="buttons"><button type="submit">Apply</button> <a href="/inventory">Default</a></div></form>
<p id="i-recent-hint" class="hint">Empty: the second half of the time the calls span, as <code>policy inventory</code> without <code>--recent</code>.</p>
${p.recentError ? html`<p class="bad" role="alert">${p.recentError}</p>` : ""}`;
}

function missing(p: InventoryPage): Html {
  if (!p.logsGiven && !p.recordsGiven) return html`<p class="bad">No decision log or recording folder was given: start the console with <code>--decision-log FILE</code> or <code>--record DIR</code> (the proxy's own).</p>`;
  if (!p.bundlesGiven) return html`<p class="bad">The inventory needs the bundle the proxy serves (what each tool is, its review, and the decision of a recorded call no log decided): start the console with <code>--bundle FILE</code>.</p>`;
  return html``;
}

/** The inventory screen. */
export function inventoryBody(p: InventoryPage): Html {
  const r = p.result;
  return html`<h1>Inventory</h1>${options(p)}${missing(p)}
<div data-live="inventory" aria-live="polite">${r.problems.map((x) => html`<p class="bad" role="alert">${x}</p>`)}
${r.inventory && r.revision ? html`${summary(r.inventory, r.revision, p.recentError ? "" : p.recent)}${tables(r.inventory)}` : ""}</div>`;
}
