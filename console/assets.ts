/**
 * The console's only stylesheet and script, served from `/assets/` by the console itself (no CDN;
 * the Content-Security-Policy allows nothing else). Every screen works without the script; with it,
 * pages follow server-sent events (a new request, a vote cast elsewhere, a new decision) by
 * fetching the live part of the same page again, and time-left counters tick.
 * The script never builds markup from data: it only inserts what the server rendered (and escaped).
 */

export const CONSOLE_CSS = `
:root{--fg:#1b1f24;--muted:#57606a;--bg:#fff;--line:#d0d7de;--ok:#116329;--warn:#7d4e00;--bad:#a40e26;--accent:#0550ae}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;padding:.6rem 1.2rem;border-bottom:1px solid var(--line);background:#f6f8fa}
.brand{font-weight:700;color:var(--fg);text-decoration:none}nav a{margin-right:1rem;color:var(--accent)}nav a[aria-current]{font-weight:700;text-decoration:none;border-bottom:2px solid var(--accent)}
.who{margin-left:auto;display:flex;gap:.6rem;align-items:center}main{padding:1rem 1.2rem;max-width:1200px}
table{border-collapse:collapse;width:100%;margin:.6rem 0 1.2rem}caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border-bottom:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
.badge{display:inline-block;padding:0 .45rem;border-radius:1rem;border:1px solid currentColor;font-size:.85em;white-space:nowrap}
.badge.ok{color:var(--ok)}.badge.warn{color:var(--warn)}.badge.bad{color:var(--bad)}
.sev-critical{color:#fff;background:var(--bad)}.badge.sev-high{color:var(--bad)}.badge.sev-medium{color:var(--warn)}.badge.sev-low{color:var(--muted)}
.count{background:var(--bad);color:#fff;border-radius:1rem;padding:0 .4rem;font-size:.8em}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}.facts dt{font-weight:600;color:var(--muted)}.facts dd{margin:0;overflow-wrap:anywhere}
pre{background:#f6f8fa;border:1px solid var(--line);padding:.6rem;overflow:auto;max-height:32rem;white-space:pre-wrap;overflow-wrap:anywhere}
.json .k{color:#0a3069}.json .s{color:#116329}.json .n{color:#8250df}details.fold{display:inline}details.fold summary{cursor:pointer;display:inline}
.flash{padding:.5rem .8rem;border:1px solid}.flash.ok{color:var(--ok)}.flash.bad,.bad{color:var(--bad)}.hint{color:var(--muted);font-size:.9em}
form.vote,form.login{display:flex;flex-direction:column;gap:.4rem;max-width:36rem}textarea,input,select{font:inherit;padding:.3rem}
.buttons{display:flex;gap:.6rem;align-items:center}button{font:inherit;padding:.35rem .9rem;cursor:pointer}
button.approve{background:var(--ok);color:#fff;border:1px solid var(--ok)}button.deny{background:var(--bad);color:#fff;border:1px solid var(--bad)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.filters{display:flex;flex-wrap:wrap;gap:.6rem;align-items:flex-end}.field{display:flex;flex-direction:column}
.alert-group{border-left:4px solid var(--line);padding-left:.8rem;margin-bottom:1rem}.alert-group.sev-critical,.alert-group.sev-high{border-color:var(--bad)}.alert-group.sev-medium{border-color:var(--warn)}
.alert-group.sev-critical{color:inherit;background:none}.alerts{list-style:none;padding:0}.alerts li{padding:.3rem 0;border-bottom:1px solid var(--line)}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
`;

export const CONSOLE_JS = `"use strict";
(function () {
  function fmt(ms) {
    var s = Math.floor(ms / 1000);
    return s >= 3600 ? Math.floor(s / 3600) + "h " + Math.floor((s % 3600) / 60) + "m left" : s >= 60 ? Math.floor(s / 60) + "m " + (s % 60) + "s left" : s + "s left";
  }
  function tick() {
    document.querySelectorAll("time[data-countdown]").forEach(function (t) {
      var ms = Date.parse(t.dateTime) - Date.now();
      t.textContent = ms > 0 ? fmt(ms) : "expired";
    });
  }
  function syncForm() {
    var st = document.querySelector("[data-pending]");
    var form = document.querySelector("[data-vote-form]");
    if (st && form && st.getAttribute("data-pending") !== "true") form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
  }
  setInterval(tick, 1000); tick(); syncForm();
  var live = document.querySelectorAll("[data-live]");
  if (!live.length || !window.EventSource || !window.fetch) return;
  var busy = false, again = false;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.href, { headers: { "x-console-live": "1" }, credentials: "same-origin", cache: "no-store" }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (text) {
      if (text === null) return;
      var doc = new DOMParser().parseFromString(text, "text/html");
      var fresh = doc.querySelectorAll("[data-live]");
      live.forEach(function (el, i) { if (fresh[i]) el.innerHTML = fresh[i].innerHTML; });
      var badge = doc.querySelector("nav"), nav = document.querySelector("nav");
      if (badge && nav) nav.innerHTML = badge.innerHTML;
      tick(); syncForm();
    }).catch(function () {}).then(function () {
      busy = false;
      if (again) { again = false; refresh(); }
    });
  }
  var es = new EventSource("/events");
  var kinds = {};
  live.forEach(function (el) { kinds[el.getAttribute("data-live")] = true; });
  Object.keys(kinds).forEach(function (k) { es.addEventListener(k, refresh); });
  // A change between this page's render and the stream's opening (or while it reconnected) sent no
  // event to this page: it fetches itself whenever the stream opens.
  es.addEventListener("open", refresh);
  if (!kinds.approvals) es.addEventListener("approvals", function () {
    fetch("/approvals", { headers: { "x-console-live": "1" }, credentials: "same-origin", cache: "no-store" }).then(function (r) { return r.ok ? r.text() : null; }).then(function (text) {
      if (text === null) return;
      var nav = document.querySelector("nav"), fresh = new DOMParser().parseFromString(text, "text/html").querySelector("nav");
      if (nav && fresh) nav.innerHTML = fresh.innerHTML;
    }).catch(function () {});
  });
})();
`;
