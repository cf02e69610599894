/**
 * A table of the console described as data (its columns: head, cell, what it sorts by), sorted on
 * the server: each sortable column head is a link (`?sort=<table>.<column>&order=asc|desc`), so it
 * works without the script, with the keyboard, and survives a live refresh (which fetches the same
 * address). The sorted head carries `aria-sort`. Numbers sort most first on the first click, words
 * A to Z; equal keys keep the table's own order. A table wider than the page scrolls on its own
 * (a link in a row that takes keyboard focus scrolls it into view).
 */
import { html, type Html } from "../html.js";

export interface Column<T> {
  readonly head: string;
  readonly cell: (row: T) => Html | string | number;
  /** What the column sorts by; without it, the head is not a link. */
  readonly by?: (row: T) => string | number;
  /** A count: right-aligned. */
  readonly count?: boolean;
  /** Names and lists (agents): given room before other columns squeeze it. */
  readonly wide?: boolean;
  /** The cell that names the row (`<th scope="row">`). */
  readonly names?: boolean;
}

export interface TableSpec<T> {
  readonly id: string;
  readonly title: string;
  readonly columns: readonly Column<T>[];
  readonly rows: readonly T[];
  /** Attributes of a row (`data-…` for tests and scripts). */
  readonly attrs?: (row: T) => Html;
}

export interface SortRequest { readonly table: string; readonly column: string; readonly order: "asc" | "desc" }

/** The sort a query string asks for (`sort=tools.calls&order=desc`), if well formed. */
export function sortOf(q: URLSearchParams): SortRequest | undefined {
  const m = /^([a-z]+)\.([a-z-]+)$/.exec(q.get("sort") ?? "");
  return m ? { table: m[1]!, column: m[2]!, order: q.get("order") === "desc" ? "desc" : "asc" } : undefined;
}

const slug = (head: string) => head.toLowerCase().replace(/[^a-z]+/g, "-").replace(/^-|-$/g, "");

function sorted<T>(rows: readonly T[], by: (row: T) => string | number, order: "asc" | "desc"): T[] {
  const keyed = rows.map((row, i) => ({ row, i, k: by(row) }));
  const sign = order === "asc" ? 1 : -1;
  keyed.sort((a, b) => sign * (typeof a.k === "number" && typeof b.k === "number" ? a.k - b.k : String(a.k).localeCompare(String(b.k))) || a.i - b.i);
  return keyed.map((x) => x.row);
}

function head<T>(spec: TableSpec<T>, c: Column<T>, sort: SortRequest | undefined, link: (sort: string, order: string) => string): Html {
  const name = slug(c.head);
  if (!c.by) return html`<th scope="col">${c.head}</th>`;
  const on = sort?.table === spec.id && sort.column === name ? sort.order : undefined;
  const first = spec.rows.length && typeof c.by(spec.rows[0]!) === "number" ? "desc" : "asc";
  const next = on ? (on === "asc" ? "desc" : "asc") : first;
  return html`<th scope="col"${on ? html` aria-sort="${on === "asc" ? "ascending" : "descending"}"` : ""}><a href="${link(`${spec.id}.${name}`, next)}">${c.head}</a></th>`;
}

/** The table under its heading (which names it), sorted as `sort` asks when it names this table. */
export function sortableTable<T>(spec: TableSpec<T>, sort: SortRequest | undefined, link: (sort: string, order: string) => string): Html {
  const col = sort?.table === spec.id ? spec.columns.find((c) => c.by && slug(c.head) === sort.column) : undefined;
  const rows = col?.by ? sorted(spec.rows, col.by, sort!.order) : spec.rows;
  const cell = (c: Column<T>, row: T) => (c.names ? html`<th scope="row">${c.cell(row)}</th>` : html`<td${c.count ? html` class="n"` : c.wide ? html` class="wide"` : ""}>${c.cell(row)}</td>`);
  const body = rows.map((row) => html`<tr${spec.attrs ? spec.attrs(row) : ""}>${spec.columns.map((c) => cell(c, row))}</tr>`);
  return html`<section aria-labelledby="h-${spec.id}"><h2 id="h-${spec.id}">${spec.title} <span class="hint">(${rows.length})</span></h2>
<div class="table-wrap"><table id="${spec.id}" class="inventory" aria-labelledby="h-${spec.id}"><thead><tr>${spec.columns.map((c) => head(spec, c, sort, link))}</tr></thead>
<tbody>${body.length ? body : html`<tr><td colspan="${spec.columns.length}">None.</td></tr>`}</tbody></table></div></section>`;
}
