/**
 * The page shell every screen of the console shares: document head (the stylesheet and the one
 * script, both served by the console itself: no CDN, works offline), the navigation, who is logged
 * in (with a logout form carrying the CSRF token), and a message shown once after a vote.
 */
import { html, type Html } from "../html.js";
import type { ConsoleSession } from "../auth.js";

export type Section = "approvals" | "monitor" | "alerts" | "login";

export interface PageOptions {
  readonly title: string;
  readonly section: Section;
  readonly session?: ConsoleSession;
  readonly pending?: number;
  readonly flash?: { readonly ok: boolean; readonly text: string } | undefined;
}

function nav(o: PageOptions): Html {
  if (!o.session) return html``;
  const link = (s: Section, label: string, extra?: Html) => html`<a href="/${s}"${o.section === s ? html` aria-current="page"` : ""}>${label}${extra ?? ""}</a>`;
  const badge = o.pending ? html` <span class="count" aria-label="${o.pending} pending">${o.pending}</span>` : html``;
  return html`<nav aria-label="Sections">${link("approvals", "Approvals", badge)}${link("monitor", "Monitor")}${link("alerts", "Alerts")}</nav>
<form class="who" method="post" action="/logout"><span>Signed in as <strong data-person>${o.session.person}</strong></span>
<input type="hidden" name="csrf" value="${o.session.csrf}"><button type="submit">Sign out</button></form>`;
}

/** A whole page around `body`. */
export function page(o: PageOptions, body: Html): Html {
  const flash = o.flash ? html`<p class="flash ${o.flash.ok ? "ok" : "bad"}" role="${o.flash.ok ? "status" : "alert"}">${o.flash.text}</p>` : html``;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · policy console</title><link rel="stylesheet" href="/assets/console.css"><script src="/assets/console.js" defer></script></head>
<body><header><a class="brand" href="/approvals">policy console</a>${nav(o)}</header>
<main id="main">${flash}${body}</main></body></html>`;
}

/** Time left until `iso`, as a person reads it (`4m 12s left`). */
export function timeLeft(iso: string, now: number): string {
  const ms = Date.parse(iso) - now;
  if (!(ms > 0)) return "expired";
  const s = Math.floor(ms / 1000);
  return s >= 3600 ? `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m left` : s >= 60 ? `${Math.floor(s / 60)}m ${s % 60}s left` : `${s}s left`;
}

/** A short time of day with the full ISO time as its machine-readable value. */
export function when(iso: string): Html {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? html`<time datetime="${new Date(t).toISOString()}">${new Date(t).toISOString().replace("T", " ").slice(0, 19)}Z</time>` : html`${iso}`;
}

/** An effect (`allow`, `block`, `require_approval`) as a badge with its word, never colour alone. */
export function effectBadge(effect: string): Html {
  const cls = effect === "block" ? "bad" : effect === "require_approval" ? "warn" : effect === "allow" ? "ok" : "";
  return html`<span class="badge ${cls}">${effect.replace("_", " ")}</span>`;
}
