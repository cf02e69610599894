/**
 * A call's parameters on the review screen: pretty JSON in canonical key order (RFC 8785 sorts
 * keys, as the request's identity hash does), with long strings and long arrays folded into a
 * `<details>` a reviewer opens on purpose, so that a 50 KB argument cannot push what matters off
 * the screen, and nothing is hidden either: the full value is one click (or Enter) away.
 */
import { html, join, type Html } from "../html.js";

const FOLD_CHARS = 160;
const SHOW_CHARS = 80;
const FOLD_ITEMS = 20;

function pad(depth: number): string {
  return "  ".repeat(depth);
}

function str(s: string): Html {
  const quoted = JSON.stringify(s);
  if (s.length <= FOLD_CHARS) return html`<span class="s">${quoted}</span>`;
  return html`<details class="fold"><summary><span class="s">${JSON.stringify(s.slice(0, SHOW_CHARS))}</span>… (${s.length} characters)</summary><span class="s">${quoted}</span></details>`;
}

function items(entries: readonly Html[], depth: number, open: string, close: string): Html {
  if (!entries.length) return html`${open}${close}`;
  const shown = entries.slice(0, FOLD_ITEMS).map((e) => html`\n${pad(depth + 1)}${e}`);
  const rest = entries.slice(FOLD_ITEMS).map((e) => html`\n${pad(depth + 1)}${e}`);
  const folded = rest.length ? html`<details class="fold"><summary>… ${rest.length} more</summary>${join(rest, ",")}</details>` : html``;
  return html`${open}${join(shown, ",")}${rest.length ? "," : ""}${folded}\n${pad(depth)}${close}`;
}

/** One JSON value as markup (every string escaped by `html`). */
export function jsonValue(v: unknown, depth = 0): Html {
  if (typeof v === "string") return str(v);
  if (Array.isArray(v)) return items(v.map((x) => jsonValue(x, depth + 1)), depth, "[", "]");
  if (v && typeof v === "object") {
    const keys = Object.keys(v).sort();
    return items(keys.map((k) => html`<span class="k">${JSON.stringify(k)}</span>: ${jsonValue((v as Record<string, unknown>)[k], depth + 1)}`), depth, "{", "}");
  }
  return html`<span class="n">${JSON.stringify(v) ?? "null"}</span>`;
}

/** The parameters block. */
export function paramsBlock(args: unknown, label: string): Html {
  return html`<pre class="json" tabindex="0" aria-label="${label}">${jsonValue(args)}</pre>`;
}
