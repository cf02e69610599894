/**
 * The inventory's chart of calls per integration per hour (the one of `policy inventory --html`),
 * drawn for the console: an inline SVG of stacked bars whose colours come from the console's own
 * stylesheet (classes `c0`…`c7`: the Content-Security-Policy allows no inline style), every label
 * through the escaping template, each bar with its numbers as a tooltip and the legend in words.
 */
import type { Inventory } from "../../inventory/index.js";
import { html, type Html } from "../html.js";

const W = 640, H = 200, LEFT = 40, COLOURS = 8;

export function callsChart(inv: Inventory): Html {
  const hours = [...new Set(inv.timeline.map((t) => t.hour))];
  if (!hours.length) return html``;
  const ids = inv.integrations.map((i) => i.id);
  const n = (hour: string, id: string) => inv.timeline.find((t) => t.hour === hour && t.integration === id)?.calls ?? 0;
  const totals = hours.map((h) => ids.reduce((s, id) => s + n(h, id), 0));
  const max = Math.max(1, ...totals), bw = Math.max(4, Math.floor((W - LEFT) / hours.length) - 2);
  const bars = hours.map((h, i) => {
    let y = H;
    return ids.map((id, k) => {
      const calls = n(h, id);
      if (!calls) return html``;
      const tall = Math.max(1, Math.round((calls / max) * (H - 20)));
      y -= tall;
      return html`<rect class="c${k % COLOURS}" x="${LEFT + i * (bw + 2)}" y="${y}" width="${bw}" height="${tall}" data-calls="${calls}"><title>${id} ${h}: ${calls} calls</title></rect>`;
    });
  });
  const total = totals.reduce((a, b) => a + b, 0);
  return html`<section aria-labelledby="h-chart"><h2 id="h-chart">Calls per integration per hour</h2>
<svg class="chart" width="${W}" height="${H + 20}" viewBox="0 0 ${W} ${H + 20}" role="img" aria-label="${total} calls in ${hours.length} hours, the most in one hour ${max}">
<line x1="${LEFT - 2}" y1="${H}" x2="${W}" y2="${H}"/><text x="0" y="14">${max}</text><text x="${LEFT}" y="${H + 14}">${hours[0]!}</text><text x="${W}" y="${H + 14}" text-anchor="end">${hours[hours.length - 1]!}</text>
${bars}</svg>
<p class="legend">${ids.map((id, k) => html`<span class="key"><i class="c${k % COLOURS}"></i>${id}</span> `)}</p></section>`;
}
