/**
 * The approvals queue and the review screen of one held call (seed 002: "pause, show a review
 * screen (tool, parameters, reason), and resume only after approval"). What a person may do here
 * is decided by the same functions the proxy counts ballots with (`roleFor`, `rolesOf`,
 * `isRequester`): the screen only shows their answer, the proxy enforces it.
 */
import { abandoned } from "../../enforce/approvals/cast.js";
import { isRequester, roleFor, rolesOf } from "../../enforce/approvals/identity.js";
import type { Role } from "../../enforce/approvals/types.js";
import type { ConsoleView as ApprovalView } from "../context.js";
import type { BundlePolicy } from "../../runtime/types.js";
import { html, join, type Html } from "../html.js";
import { str, type LogLine } from "../data/decision-log.js";
import { effectBadge, timeLeft, when } from "./layout.js";
import { paramsBlock } from "./params.js";

function statusBadge(v: ApprovalView): Html {
  if (v.tampered) return html`<span class="badge bad" data-status="tampered">tampered</span>`;
  if (abandoned(v)) return html`<span class="badge bad">abandoned</span>`;
  const cls = v.status === "pending" ? "warn" : v.status === "approved" ? "ok" : "bad";
  return html`<span class="badge ${cls}" data-status="${v.status}">${v.status}</span>`;
}

function agentName(v: ApprovalView): string {
  return v.request.agent?.name ?? v.request.agent?.id ?? "(unnamed agent)";
}

function countdown(iso: string, now: number): Html {
  return html`<time datetime="${iso}" data-countdown>${timeLeft(iso, now)}</time>`;
}

/** The queue: pending requests first (oldest first), then the last resolved ones. */
export function queueBody(views: readonly ApprovalView[], now: number): Html {
  const pending = views.filter((v) => v.status === "pending" && !abandoned(v) && !v.tampered);
  const done = views.filter((v) => !pending.includes(v)).slice(-20).reverse();
  const row = (v: ApprovalView) => html`<tr data-approval="${v.request.id}" data-status="${v.tampered ? "tampered" : v.status}">
<td><a href="/approvals/${v.request.id}">${v.request.integration}.${v.request.tool}</a></td><td data-agent>${agentName(v)}</td>
<td>${v.request.reason}</td><td>${v.status === "pending" ? v.waitingFor.join(" and ") : statusBadge(v)}</td>
<td>${v.status === "pending" ? countdown(v.request.expires, now) : v.outcome ? when(v.outcome.at) : ""}</td></tr>`;
  const table = (rows: readonly ApprovalView[], caption: string, last: string) => html`<table><caption>${caption}</caption>
<thead><tr><th scope="col">Tool</th><th scope="col">Agent</th><th scope="col">Reason</th><th scope="col">${last}</th><th scope="col">Time</th></tr></thead>
<tbody>${rows.map(row)}</tbody></table>`;
  return html`<h1>Approvals</h1><div data-live="approvals" aria-live="polite">
${pending.length ? table(pending, `${pending.length} waiting for a decision`, "Waiting for") : html`<p class="empty" data-empty>No call is waiting for approval.</p>`}
${done.length ? table(done, "Recently resolved", "Outcome") : ""}</div>`;
}

/** Who may still fill each open role (the roster, narrowed as the proxy narrows it). */
function stillToApprove(v: ApprovalView): Html {
  const r = v.request;
  const people = (role: Role) => (r.eligible[role] ?? []).filter((p) => rolesOf(r, p).includes(role) && !isRequester(r, p) && !v.votes.some((x) => x.by === p));
  return html`<ul class="roles">${v.waitingFor.map((role) => {
    const who = role === "any" ? [...new Set(Object.keys(r.eligible).flatMap(people))] : people(role);
    return html`<li><strong>${role === "any" ? "any one approver" : role}</strong>: ${who.length ? who.join(", ") : "nobody can (see \"approvers\" in policy.config.json)"}</li>`;
  })}</ul>`;
}

function votesList(v: ApprovalView): Html {
  if (!v.votes.length) return html`<p>No votes yet.</p>`;
  return html`<ul class="votes">${v.votes.map((x) => html`<li>${x.verdict === "approve" ? "✓ approved" : "✗ denied"} as <strong>${x.role}</strong> by <strong>${x.by}</strong> ${when(x.at)}${x.note ? html`: <q>${x.note}</q>` : ""}</li>`)}</ul>`;
}

/** The part of the screen that live updates replace: status, votes, who is still needed. */
export function reviewLive(v: ApprovalView, now: number): Html {
  const ended = v.tampered ? html` (${v.tampered}: the proxy refuses this call)` : v.outcome?.why ? html` (${v.outcome.why})` : "";
  return html`<div class="status" data-pending="${v.status === "pending" && !abandoned(v) && !v.tampered ? "true" : "false"}">
<p>Status: ${statusBadge(v)}${ended} · ${v.status === "pending" ? countdown(v.request.expires, now) : v.outcome ? html`resolved ${when(v.outcome.at)}` : ""}</p>
<h2>Still to approve</h2>${v.status === "pending" ? stillToApprove(v) : html`<p>Nobody: the request is ${v.status}.</p>`}
<h2>Votes</h2>${votesList(v)}</div>`;
}

/** Whether `me` can vote here, and as which role(s); else why not (the rules' own words). */
function myPart(v: ApprovalView, me: string): { roles: Role[] } | { why: string } {
  if (v.tampered) return { why: `The records of this request were not all written by the proxy (${v.tampered}): the proxy refuses the call; nothing to vote on.` };
  if (v.status !== "pending") return { why: `This request is ${v.status}.` };
  if (abandoned(v)) return { why: "The proxy that held this call is gone: it can no longer be approved." };
  const r = roleFor(v.request, v.votes, me, undefined);
  if ("role" in r) return { roles: [r.role] };
  const open = rolesOf(v.request, me).filter((role) => !v.votes.some((x) => x.role === role));
  const voted = v.votes.some((x) => x.by === me);
  return open.length > 1 && !voted && !isRequester(v.request, me) ? { roles: open } : { why: r.error };
}

function voteForm(v: ApprovalView, me: string, csrf: string): Html {
  const part = myPart(v, me);
  if ("why" in part) return html`<section aria-labelledby="vote-h"><h2 id="vote-h">Your vote</h2><p class="cannot" data-cannot-vote>${part.why}</p></section>`;
  const role = part.roles.length === 1
    ? html`<p>You vote as <strong>${part.roles[0]!}</strong>.</p><input type="hidden" name="as" value="${part.roles[0]!}">`
    : html`<label for="as">Vote as</label><select id="as" name="as">${part.roles.map((r) => html`<option>${r}</option>`)}</select>`;
  return html`<section aria-labelledby="vote-h"><h2 id="vote-h">Your vote</h2>
<form method="post" action="/approvals/${v.request.id}/vote" class="vote" data-vote-form>
<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="hash" value="${v.request.hash}">${role}
<label for="note">Comment <span class="hint">(the agent sees it when you deny; the decision log keeps it)</span></label>
<textarea id="note" name="note" rows="3" maxlength="2000"></textarea>
<div class="buttons"><button type="submit" name="verdict" value="approve" class="approve">Approve</button>
<button type="submit" name="verdict" value="deny" class="deny">Deny</button></div></form></section>`;
}

/** Where the asking policy is written: from the bundle when given, else from the decision the proxy logged. */
function sourceOf(v: ApprovalView, policy: BundlePolicy | undefined, lines: readonly LogLine[]): string | undefined {
  if (policy) return `${policy.file}:${policy.line}`;
  const logged = lines.find((l) => l.rec.type === "decision" && l.rec.approval_id === v.request.id)?.rec.decision as { policy?: { file?: unknown; line?: unknown } | null } | undefined;
  const p = logged?.policy;
  return p && typeof p.file === "string" && typeof p.line === "number" ? `${p.file}:${p.line}` : undefined;
}

function policyLine(v: ApprovalView, policy: BundlePolicy | undefined, lines: readonly LogLine[]): Html {
  const p = v.request.policy;
  if (!p) return html`the default (no policy)`;
  const link = html`<a href="/policy?revision=${encodeURIComponent(v.request.revision)}&amp;id=${encodeURIComponent(p.id)}">${p.name}</a>`;
  const source = sourceOf(v, policy, lines);
  return html`${link} <code>${p.id}</code>${source ? html` · <code>${source}</code>` : ""}`;
}

function sessionHistory(lines: readonly LogLine[], v: ApprovalView): Html {
  const mine = lines.filter((l) => l.rec.type === "decision" && l.rec.session_id === v.request.session_id);
  const self = mine.find((l) => l.rec.approval_id === v.request.id);
  const before = mine.filter((l) => l !== self && (!self || Number(l.rec.seq) < Number(self.rec.seq))).slice(-10);
  if (!before.length) return html`<p>No earlier calls of this session in the decision logs given.</p>`;
  return html`<table><caption>Last calls of this session</caption><thead><tr><th scope="col">Time</th><th scope="col">Tool</th><th scope="col">Decision</th><th scope="col">Policy</th></tr></thead>
<tbody>${before.map((l) => html`<tr><td>${when(str(l.rec, "ts"))}</td><td>${str(l.rec, "tool") ? `${str(l.rec, "integration")}.${str(l.rec, "tool")}` : str(l.rec, "event")}</td><td>${effectBadge(str(l.rec, "effect"))}</td><td>${str(l.rec, "policy") || "default"}</td></tr>`)}</tbody></table>`;
}

export interface ReviewData {
  readonly view: ApprovalView;
  readonly me: string;
  readonly csrf: string;
  readonly now: number;
  readonly policy?: BundlePolicy | undefined;
  readonly lines: readonly LogLine[];
}

/** The review screen of one request. */
export function reviewBody(d: ReviewData): Html {
  const r = d.view.request;
  const who = [r.agent?.id && r.agent.id !== r.agent.name ? `id ${r.agent.id}` : "", r.tenant ? `tenant ${r.tenant}` : "", r.user ? `for ${r.user}` : ""].filter(Boolean).join(", ");
  return html`<p><a href="/approvals">← All approvals</a></p>
<h1>Review <code>${r.integration}.${r.tool}</code></h1>
<dl class="facts">
<dt>Reason</dt><dd data-reason>${r.reason}</dd>
<dt>Asked by policy</dt><dd>${policyLine(d.view, d.policy, d.lines)}</dd>
<dt>Agent</dt><dd><span data-agent>${agentName(d.view)}</span>${who ? html` <span class="hint">(${who})</span>` : ""}</dd>
<dt>Session</dt><dd><a href="/monitor?session=${encodeURIComponent(r.session_id)}"><code>${r.session_id}</code></a> · call <code>${r.call_id}</code></dd>
<dt>Approvers</dt><dd>${r.approvers.length ? r.approvers.join(" and ") : "any one approver"}</dd>
<dt>Requested</dt><dd>${when(r.created)} · id <code>${r.id}</code></dd></dl>
<h2 id="params-h">Parameters</h2>${paramsBlock(r.args, "Parameters of the call")}
<div data-live="approvals" aria-live="polite">${reviewLive(d.view, d.now)}</div>
${voteForm(d.view, d.me, d.csrf)}
<h2>What this session did before</h2>${sessionHistory(d.lines, d.view)}`;
}

/** A policy as the bundle holds it: where it is written and its `if` lines. */
export function policyBody(p: BundlePolicy, revision: string): Html {
  return html`<h1>Policy <code>${p.id}</code></h1><dl class="facts"><dt>Name</dt><dd>${p.name}</dd><dt>Source</dt><dd><code>${p.file}:${p.line}</code></dd>
<dt>Priority</dt><dd>${p.priority}</dd><dt>Action</dt><dd>${p.effect ? effectBadge(p.effect) : "obligations only"}${p.reason ? html` “${p.reason}”` : ""}${p.approvers?.length ? html` from ${p.approvers.join(", ")}` : ""}</dd>
<dt>Bundle revision</dt><dd><code>${revision}</code></dd></dl>
<pre class="policy" tabindex="0" aria-label="Conditions">${join(p.ifs.map((i) => html`if ${i.text}`), "\n")}</pre>
<p><a href="/monitor?policy=${encodeURIComponent(p.id)}">Decisions of this policy in the monitor</a></p>`;
}

