/**
 * The Inventory screen: the chart (inventory-chart.ts) and the tables of `policy inventory`
 * (integrations, tools with their review status and suggested risk, agents, the risk of each tool
 * above low and why, new or unreviewed tools, tools no policy decided, unexpected usage, the files read), built by inventory/'s own
 * functions (data/inventory.ts). Every
 * integration, tool, agent and policy is a link to the monitor filtered by it (the monitor's own
 * query parameters: `/monitor?integration=…&tool=…`, `?agent=…`, `?policy=…`), and a tool's counts
 * of allowed, held and blocked calls link to exactly those decisions. Tables sort on the server by
 * their column heads (sortable-table.ts).
 */
import { RISKS, type Inventory, type InventoryTool, type Risk } from "../../inventory/index.js";
import { html, type Html } from "../html.js";
import type { InventoryResult } from "../data/inventory.js";
import { when } from "./layout.js";
import { callsChart } from "./inventory-chart.js";
import { sortableTable, sortOf, type Column, type SortRequest, type TableSpec } from "./sortable-table.js";

export interface InventoryPage {
  readonly result: InventoryResult;
  /** The `recent` field as typed, and why it was not used. */
  readonly recent: string;
  readonly recentError?: string | undefined;
  readonly logsGiven: number;
  readonly recordsGiven: number;
  readonly bundlesGiven: number;
  /** The page's query (`recent`, `sort`, `order`). */
  readonly query: URLSearchParams;
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

function count(t: InventoryTool, effect: "allow" | "require_approval" | "block", words: string): Html | number {
  const n = t.effects[effect];
  return n ? monitor({ ...toolQuery(t), effect }, n, { aria: `${n} ${words} calls of ${t.key}` }) : 0;
}

const policies = (ids: readonly string[]) => html`${ids.map((p, i) => html`${i ? ", " : ""}${monitor({ policy: p }, html`<code>${p}</code>`, { aria: `Decisions of policy ${p}` })}`)}`;
const risk = (r: Risk) => html`<span class="badge sev-${r}">${r}</span>`;
const seen = (head: string, at: (x: { first_seen: string; last_seen: string }) => string): Column<{ first_seen: string; last_seen: string }> => ({ head, cell: (x) => when(at(x)), by: at });

const TOOLS: readonly Column<InventoryTool>[] = [
  { head: "Tool", names: true, by: (t) => t.key, cell: (t) => html`${toolLink(t)}${t.in_catalog ? "" : html` <span class="hint">(not in the catalog)</span>`}` },
  { head: "Operation", cell: (t) => t.operation, by: (t) => t.operation },
  { head: "Review", cell: (t) => t.review_status, by: (t) => t.review_status },
  { head: "Risk", cell: (t) => risk(t.risk), by: (t) => RISKS.indexOf(t.risk) },
  { head: "Calls", count: true, cell: (t) => t.calls, by: (t) => t.calls },
  { head: "Allowed", count: true, cell: (t) => count(t, "allow", "allowed"), by: (t) => t.effects.allow },
  { head: "Held", count: true, cell: (t) => count(t, "require_approval", "held"), by: (t) => t.effects.require_approval },
  { head: "Blocked", count: true, cell: (t) => count(t, "block", "blocked"), by: (t) => t.effects.block },
  { head: "Agents", wide: true, cell: (t) => agents(t.agents) },
  { head: "Policies", cell: (t) => policies(t.policies) },
  seen("First seen", (t) => t.first_seen), seen("Last seen", (t) => t.last_seen),
];

type Integration = Inventory["integrations"][number];
const INTEGRATIONS: readonly Column<Integration>[] = [
  { head: "Integration", names: true, by: (i) => i.id, cell: (i) => monitor({ integration: i.id }, html`<code>${i.id}</code>`, { aria: `Decisions on integration ${i.id}` }) },
  { head: "Tools", count: true, cell: (i) => i.tools, by: (i) => i.tools },
  { head: "Calls", count: true, cell: (i) => i.calls, by: (i) => i.calls },
  { head: "Agents", wide: true, cell: (i) => agents(i.agents) },
];

type Agent = Inventory["agents"][number];
const AGENTS: readonly Column<Agent>[] = [
  { head: "Agent", names: true, by: (a) => a.name, cell: (a) => agent(a.name) },
  { head: "Review", cell: (a) => a.review_status, by: (a) => a.review_status },
  { head: "Calls", count: true, cell: (a) => a.calls, by: (a) => a.calls },
  { head: "Tools", count: true, cell: (a) => a.tools, by: (a) => a.tools },
  seen("First seen", (a) => a.first_seen), seen("Last seen", (a) => a.last_seen),
];

type Source = Inventory["sources"][number];
const SOURCES: readonly Column<Source>[] = [
  { head: "File", names: true, by: (s) => s.file, cell: (s) => html`<code>${s.file}</code>` },
  { head: "Kind", cell: (s) => s.kind, by: (s) => s.kind },
  { head: "Lines", count: true, cell: (s) => s.lines, by: (s) => s.lines },
];

/** The tables, in the order of `policy inventory`. */
function tables(inv: Inventory, sort: SortRequest | undefined, link: (sort: string, order: string) => string): Html {
  const byKey = new Map(inv.tools.map((t) => [t.key, t]));
  const tool = (key: string) => { const t = byKey.get(key); return t ? toolLink(t) : html`<code>${key}</code>`; };
  const t = <T>(spec: TableSpec<T>) => sortableTable(spec, sort, link);
  return html`${t({ id: "integrations", title: "Integrations", columns: INTEGRATIONS, rows: inv.integrations, attrs: (i) => html` data-integration="${i.id}"` })}
${t({ id: "tools", title: "Tools", columns: TOOLS, rows: inv.tools, attrs: (x) => html` data-tool="${x.key}"` })}
${t({ id: "agents", title: "Agents", columns: AGENTS, rows: inv.agents })}
${t({ id: "risk", title: "Risk", rows: inv.tools.filter((x) => x.risk !== "low"), columns: [{ head: "Tool", names: true, by: (x) => x.key, cell: toolLink },
    { head: "Risk", cell: (x) => risk(x.risk), by: (x) => RISKS.indexOf(x.risk) }, { head: "Why", cell: (x) => x.risk_reasons.join("; ") }] })}
${t({ id: "unreviewed", title: "New or unreviewed tools", rows: inv.new_or_unreviewed, columns: [{ head: "Tool", names: true, by: (x) => x.tool, cell: (x) => tool(x.tool) }, { head: "Why", cell: (x) => x.why, by: (x) => x.why }] })}
${t({ id: "undecided", title: "Tools no policy decided", rows: inv.undecided, columns: [{ head: "Tool", names: true, cell: (x) => tool(x) }] })}
${t({ id: "unexpected", title: `Unexpected usage after ${inv.window.baseline_until ?? "(no baseline: fewer than two calls)"}`, rows: inv.unexpected, columns: [
    { head: "Time", cell: (u) => when(u.ts), by: (u) => u.ts }, { head: "Agent", cell: (u) => agent(u.agent), by: (u) => u.agent },
    { head: "Tool", cell: (u) => tool(u.tool), by: (u) => u.tool }, { head: "Why", cell: (u) => u.why, by: (u) => u.why }] })}
${t({ id: "sources", title: "Files read", columns: SOURCES, rows: inv.sources })}`;
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
${["sort", "order"].map((k) => p.query.get(k) ? html`<input type="hidden" name="${k}" value="${p.query.get(k)}">` : "")}
<div class="buttons"><button type="submit">Apply</button> <a href="/inventory">Default</a></div></form>
<p id="i-recent-hint" class="hint">Empty: the second half of the time the calls span, as <code>policy inventory</code> without <code>--recent</code>.</p>
${p.recentError ? html`<p class="bad" role="alert">${p.recentError}: the default baseline is used</p>` : ""}`;
}

function missing(p: InventoryPage): Html {
  if (!p.logsGiven && !p.recordsGiven) return html`<p class="bad">No decision log or recording folder was given: start the console with <code>--decision-log FILE</code> or <code>--record DIR</code> (the proxy's own).</p>`;
  if (!p.bundlesGiven) return html`<p class="bad">The inventory needs the bundle the proxy serves (what each tool is, its review, and the decision of a recorded call no log decided): start the console with <code>--bundle FILE</code>.</p>`;
  return html``;
}

/** The inventory screen. */
export function inventoryBody(p: InventoryPage): Html {
  const r = p.result;
  const link = (sort: string, order: string) => `/inventory?${new URLSearchParams({ ...(p.recent && !p.recentError ? { recent: p.recent } : {}), sort, order })}`;
  const inv = r.inventory && r.revision ? r.inventory : undefined;
  // Two live parts: the summary is announced when it changes; the tables are refreshed silently.
  return html`<h1>Inventory</h1>${options(p)}${missing(p)}
<div data-live="inventory" aria-live="polite">${r.problems.map((x) => html`<p class="bad" role="alert">${x}</p>`)}${inv ? summary(inv, r.revision!, p.recentError ? "" : p.recent) : ""}</div>
<div data-live="inventory">${inv ? html`${callsChart(inv)}${tables(inv, sortOf(p.query), link)}` : ""}</div>`;
}
