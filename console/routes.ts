/**
 * What each URL of the console does. Every screen but the login needs a session; every POST
 * passes `forgery()` (Origin + CSRF token) before anything else. Votes go through `castBallot`
 * (the same function `policy approvals approve|deny` uses) with the console's attestation that
 * the logged-in person is the voter; the proxy counts them by its own rules.
 */
import { createReadStream } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { castBallot } from "../enforce/approvals/cast.js";
import { cookieHeader, cookieOf, LOGIN_COOKIE, nonce, personOf, SESSION_COOKIE, type ConsoleSession } from "./auth.js";
import type { ConsoleContext } from "./context.js";
import { forgery, HttpError, localPath, readForm, redirect, sendHtml } from "./http.js";
import { page, type PageOptions } from "./pages/layout.js";
import { loginBody } from "./pages/login.js";
import { policyBody, queueBody, reviewBody } from "./pages/approvals.js";
import { eventBody, monitorBody } from "./pages/monitor.js";
import { alertsBody, ALERT_TYPES, groupAlerts } from "./pages/alerts.js";
import { decisions, filterOf } from "./data/monitor-filter.js";
import type { Html } from "./html.js";

const ID_RE = /^[a-z0-9][a-z0-9-]{2,63}$/;
const SESSION_MAX_MS = 12 * 3600_000;

export interface Request {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly session: ConsoleSession | undefined;
}

type Route = (ctx: ConsoleContext, r: Request, m: RegExpMatchArray) => Promise<void>;

/** Renders a page; a live refresh (`x-console-live`) leaves a pending message for the next real view. */
async function show(ctx: ConsoleContext, r: Request, o: Omit<PageOptions, "session" | "pending" | "flash">, body: Html, status = 200): Promise<void> {
  const s = r.session;
  const live = r.req.headers["x-console-live"] === "1";
  const flash = s && !live ? s.flash : undefined;
  if (s && !live) s.flash = undefined;
  const pending = s ? (await ctx.views().catch(() => [])).filter((v) => v.status === "pending" && !v.tampered).length : 0;
  sendHtml(r.res, status, page({ ...o, ...(s ? { session: s } : {}), pending, flash }, body));
}

async function loginPage(ctx: ConsoleContext, r: Request, error?: string, status = 200): Promise<void> {
  // One value per browser (kept while it is fresh), so that two sign-in tabs do not undo each other.
  const had = cookieOf(r.req.headers.cookie, LOGIN_COOKIE);
  const n = had && /^[A-Za-z0-9_-]{32}$/.test(had) ? had : nonce();
  r.res.setHeader("set-cookie", cookieHeader(LOGIN_COOKIE, n, 600, false));
  await show(ctx, { ...r, session: undefined }, { title: "Sign in", section: "login" }, loginBody(n, localPath(r.url.searchParams.get("next")), error), status);
}

async function login(ctx: ConsoleContext, r: Request): Promise<void> {
  const form = await readForm(r.req);
  const origin = r.req.headers.origin;
  if (origin !== undefined && origin !== `http://${r.req.headers.host}` && origin !== `https://${r.req.headers.host}`) throw new HttpError(403, "a login posted from another site is refused");
  const expected = cookieOf(r.req.headers.cookie, LOGIN_COOKIE);
  if (!expected || form.get("nonce") !== expected) return loginPage(ctx, r, "The sign-in form expired: try again.", 400);
  const who = await personOf(ctx.loginKey, ctx.auth, form.get("token") ?? "", ctx.now(), SESSION_MAX_MS);
  if ("error" in who) return loginPage(ctx, r, `Not signed in: ${who.error}.`, 401);
  const expires = Math.min(who.expires, ctx.now() + SESSION_MAX_MS);
  const s = ctx.sessions.open(who.person, expires);
  redirect(r.res, localPath(form.get("next")), { "set-cookie": [cookieHeader(SESSION_COOKIE, s.id, (expires - ctx.now()) / 1000, false), cookieHeader(LOGIN_COOKIE, "", 0, false)] });
}

async function postForm(r: Request): Promise<{ form: URLSearchParams; session: ConsoleSession }> {
  const form = await readForm(r.req);
  const why = forgery(r.req, form, r.session!.csrf);
  if (why) throw new HttpError(403, why);
  return { form, session: r.session! };
}

async function vote(ctx: ConsoleContext, r: Request, id: string): Promise<void> {
  const { form, session } = await postForm(r);
  const verdict = form.get("verdict");
  if (verdict !== "approve" && verdict !== "deny") throw new HttpError(400, "the vote must be approve or deny");
  const stored = await ctx.approvals.get(id);
  const checked = stored ? ctx.view(stored) : undefined;
  if (checked?.tampered) {
    session.flash = { ok: false, text: `Your vote was not cast: the records of ${id} were not all written by the proxy (${checked.tampered})` };
    return redirect(r.res, `/approvals/${id}`);
  }
  const as = form.get("as") || undefined;
  const note = (form.get("note") ?? "").trim().slice(0, 2000);
  const v = await castBallot(ctx.approvals, id, verdict, { by: session.person, waitMs: 10_000, expectHash: form.get("hash") ?? "", attest: ctx.attest, ...(as ? { as } : {}), ...(note ? { note } : {}) });
  session.flash = !v.ok ? { ok: false, text: `Your vote was not counted: ${v.error}` }
    : { ok: true, text: v.view.status === "pending" ? `You ${verdict}d as ${v.role}; still waiting for ${v.view.waitingFor.join(" and ")}.` : `You ${verdict}d as ${v.role}: the request is ${v.view.status}.` };
  redirect(r.res, `/approvals/${id}`);
}

async function review(ctx: ConsoleContext, r: Request, id: string): Promise<void> {
  const stored = await ctx.approvals.get(id);
  const view = stored ? ctx.view(stored) : undefined;
  if (!view) throw new HttpError(404, `no approval with id "${id}"`);
  const p = view.request.policy ? ctx.policy(view.request.revision, view.request.policy.id) : undefined;
  const body = reviewBody({ view, me: r.session!.person, csrf: r.session!.csrf, now: ctx.now(), policy: p, lines: ctx.logs.refresh() });
  await show(ctx, r, { title: `Review ${view.request.integration}.${view.request.tool}`, section: "approvals" }, body);
}

function logLine(ctx: ConsoleContext, q: URLSearchParams) {
  const f = Number(q.get("f")), l = Number(q.get("l"));
  const line = ctx.logs.refresh().find((x) => x.file === f && x.line === l && x.rec.type === "decision");
  if (!line) throw new HttpError(404, "no such decision in the decision logs");
  const rec = line.rec;
  const found = typeof rec.session_id === "string" ? ctx.recordings.event(rec.session_id, typeof rec.call_id === "string" ? rec.call_id : null, typeof rec.seq === "number" ? rec.seq : null) : undefined;
  const event = found ? { ...found, file: ctx.recordings.file(found.recording.dir, found.recording.name)! } : undefined;
  return { line, event, logFile: ctx.logs.files[f]!, bundle: typeof rec.revision === "string" ? ctx.bundles.get(rec.revision) : undefined };
}

async function ack(ctx: ConsoleContext, r: Request): Promise<void> {
  const { form, session } = await postForm(r);
  const known = new Set(ctx.logs.refresh().filter((l) => ALERT_TYPES.has(String(l.rec.type))).map((l) => l.id));
  const ids = (form.get("ids") ?? "").split(/\s+/).filter((x) => known.has(x));
  const note = (form.get("note") ?? "").trim().slice(0, 2000);
  let n = 0;
  for (const alert of ids) if (await ctx.acks.add({ alert, by: session.person, at: new Date(ctx.now()).toISOString(), ...(note ? { note } : {}) })) n++;
  session.flash = { ok: true, text: `${n} alert${n === 1 ? "" : "s"} acknowledged.` };
  redirect(r.res, "/alerts");
}

/** Routes that need a signed-in person, by method and path. */
export const ROUTES: readonly [string, RegExp, Route][] = [
  ["GET", /^\/$/, async (_c, r) => redirect(r.res, "/approvals")],
  ["GET", /^\/approvals$/, async (c, r) => show(c, r, { title: "Approvals", section: "approvals" }, queueBody(await c.views(), c.now()))],
  ["GET", /^\/approvals\/([^/]+)$/, async (c, r, m) => { if (!ID_RE.test(m[1]!)) throw new HttpError(404, "no such approval"); await review(c, r, m[1]!); }],
  ["POST", /^\/approvals\/([^/]+)\/vote$/, async (c, r, m) => { if (!ID_RE.test(m[1]!)) throw new HttpError(404, "no such approval"); await vote(c, r, m[1]!); }],
  ["GET", /^\/policy$/, async (c, r) => {
    const rev = r.url.searchParams.get("revision") ?? "", id = r.url.searchParams.get("id") ?? "";
    const p = c.policy(rev, id);
    if (!p) throw new HttpError(404, `policy "${id}" of bundle revision ${rev.slice(0, 12)}… is not known to this console: give it that bundle with --bundle`);
    await show(c, r, { title: `Policy ${id}`, section: "monitor" }, policyBody(p, rev));
  }],
  ["GET", /^\/monitor$/, async (c, r) => {
    const f = filterOf(r.url.searchParams);
    await show(c, r, { title: "Monitor", section: "monitor" }, monitorBody(decisions(c.logs.refresh(), f), f, c.logs.problems(), c.logs.files.length));
  }],
  ["GET", /^\/monitor\/event$/, async (c, r) => show(c, r, { title: "Decision", section: "monitor" }, eventBody(logLine(c, r.url.searchParams)))],
  ["GET", /^\/monitor\/event\.json$/, async (c, r) => {
    const d = logLine(c, r.url.searchParams);
    if (!d.event) throw new HttpError(404, "this decision's session was not recorded in the folders given (--record)");
    r.res.writeHead(200, { "content-type": "application/json", "content-disposition": "attachment; filename=\"event.json\"" }).end(JSON.stringify(d.event.event, null, 2) + "\n");
  }],
  ["GET", /^\/recordings\/(\d+)\/([^/]+)$/, async (c, r, m) => {
    const file = c.recordings.file(Number(m[1]), decodeURIComponent(m[2]!));
    if (!file) throw new HttpError(404, "no such recording");
    r.res.writeHead(200, { "content-type": "application/x-ndjson", "content-disposition": `attachment; filename="${decodeURIComponent(m[2]!)}"` });
    createReadStream(file).pipe(r.res);
  }],
  ["GET", /^\/alerts$/, async (c, r) => {
    const acks = await c.acks.all();
    const all = r.url.searchParams.get("show") === "all";
    await show(c, r, { title: "Alerts", section: "alerts" }, alertsBody(groupAlerts(c.logs.refresh(), acks, all), acks, r.session!.csrf, all));
  }],
  ["POST", /^\/alerts\/ack$/, async (c, r) => ack(c, r)],
];

/** Routes open without a session. */
export const OPEN_ROUTES: readonly [string, RegExp, Route][] = [
  ["GET", /^\/login$/, async (c, r) => loginPage(c, r)],
  ["POST", /^\/login$/, async (c, r) => login(c, r)],
];

export async function logout(ctx: ConsoleContext, r: Request): Promise<void> {
  if (r.session) {
    await postForm(r);
    ctx.sessions.close(r.session.id);
  }
  redirect(r.res, "/login", { "set-cookie": cookieHeader(SESSION_COOKIE, "", 0, false) });
}
