/**
 * `policy inventory --html report.html`: one self-contained page (no network, no external file):
 * the inventory's tables, each sortable by clicking a column head (a few lines of inline script),
 * and an inline SVG chart of calls per integration per hour. Every value is HTML-escaped; the
 * page's content security policy allows only its own inline script and style.
 */
import type { Inventory } from "./build.js";

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function htmlTable(id: string, title: string, head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const th = head.map((h, i) => `<th data-col="${i}" title="sort">${esc(h)}</th>`).join("");
  const tr = rows.map((r) => `<tr>${r.map((c) => `<td${typeof c === "number" ? ` data-n="${c}"` : ""}>${esc(c)}</td>`).join("")}</tr>`).join("\n");
  return `<h2>${esc(title)}</h2>\n<table id="${id}" class="sortable"><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table>`;
}

const COLORS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

/** Stacked bars: one per hour, one colour per integration, with a legend. */
function chart(inv: Inventory): string {
  const hours = [...new Set(inv.timeline.map((t) => t.hour))];
  const integs = inv.integrations.map((i) => i.id);
  if (!hours.length) return "<p>No calls.</p>";
  const totals = hours.map((h) => inv.timeline.filter((t) => t.hour === h).reduce((n, t) => n + t.calls, 0));
  const max = Math.max(...totals), W = 640, H = 200, bw = Math.max(4, Math.floor((W - 40) / hours.length) - 2);
  const bars = hours.map((h, i) => {
    let y = H;
    return integs.map((id, k) => {
      const n = inv.timeline.find((t) => t.hour === h && t.integration === id)?.calls ?? 0;
      if (!n) return "";
      const hgt = Math.max(1, Math.round((n / max) * (H - 20)));
      y -= hgt;
      return `<rect x="${40 + i * (bw + 2)}" y="${y}" width="${bw}" height="${hgt}" fill="${COLORS[k % COLORS.length]}" data-integration="${esc(id)}" data-hour="${esc(h)}" data-calls="${n}"><title>${esc(`${id} ${h}: ${n} calls`)}</title></rect>`;
    }).join("");
  }).join("\n");
  const legend = integs.map((id, k) => `<span class="key"><i style="background:${COLORS[k % COLORS.length]}"></i>${esc(id)}</span>`).join(" ");
  return `<h2>Calls per integration per hour</h2>\n<svg id="chart" width="${W}" height="${H + 20}" role="img" aria-label="calls per integration per hour">
<line x1="38" y1="${H}" x2="${W}" y2="${H}" stroke="#888"/><text x="0" y="14" font-size="11">${max}</text><text x="40" y="${H + 14}" font-size="11">${esc(hours[0]!)}</text><text x="${W}" y="${H + 14}" font-size="11" text-anchor="end">${esc(hours[hours.length - 1]!)}</text>
${bars}
</svg>\n<p class="legend">${legend}</p>`;
}

const SCRIPT = `document.querySelectorAll("table.sortable th").forEach(function (th) {
  th.addEventListener("click", function () {
    var table = th.closest("table"), body = table.tBodies[0], col = +th.dataset.col;
    var asc = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th").forEach(function (x) { x.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col], y = b.cells[col];
      var r = x.dataset.n !== undefined ? x.dataset.n - y.dataset.n : x.textContent.localeCompare(y.textContent);
      return asc ? r : -r;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});`;

const STYLE = `body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin-bottom:1.5em}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{cursor:pointer;background:#f3f3f3}th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}td[data-n]{text-align:right}.key i{display:inline-block;width:10px;height:10px;margin-right:4px}`;

export function inventoryHtml(inv: Inventory): string {
  const body = [
    `<h1>Tool inventory</h1>\n<p>${esc(inv.tools.reduce((n, t) => n + t.calls, 0))} calls from ${esc(inv.window.from ?? "–")} to ${esc(inv.window.to ?? "–")}, ${inv.sources.length} files.</p>`,
    chart(inv),
    htmlTable("integrations", "Integrations", ["integration", "tools", "calls", "agents"], inv.integrations.map((i) => [i.id, i.tools, i.calls, i.agents.join(", ")])),
    htmlTable("tools", "Tools", ["tool", "operation", "review", "risk", "calls", "allow", "approval", "block", "agents", "first seen", "last seen", "why this risk"],
      inv.tools.map((t) => [t.key, t.operation, t.review_status, t.risk, t.calls, t.effects.allow, t.effects.require_approval, t.effects.block, t.agents.join(", "), t.first_seen, t.last_seen, t.risk_reasons.join("; ")])),
    htmlTable("agents", "Agents", ["agent", "review", "calls", "tools", "first seen", "last seen"], inv.agents.map((a) => [a.name, a.review_status, a.calls, a.tools, a.first_seen, a.last_seen])),
    htmlTable("unreviewed", "New or unreviewed tools", ["tool", "why"], inv.new_or_unreviewed.map((x) => [x.tool, x.why])),
    htmlTable("undecided", "Tools no policy decided", ["tool"], inv.undecided.map((x) => [x])),
    htmlTable("unexpected", "Unexpected usage", ["time", "agent", "tool", "why"], inv.unexpected.map((u) => [u.ts, u.agent, u.tool, u.why])),
  ].join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'">
<title>Tool inventory</title><style>${STYLE}</style></head>
<body>
${body}
<script>${SCRIPT}</script>
</body></html>
`;
}
