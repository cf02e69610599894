/**
 * The console as an attacker sees it, over raw HTTP (no browser): the proxy's side is the real
 * `ApprovalClerk` counting ballots from the same file store. A forged vote (no CSRF token, another
 * person's token, another site's Origin), a replayed vote, a vote for an expired or changed request,
 * the requester approving their own call, a ballot with a forged console attestation, a DNS-rebinding
 * Host, a login from another site, a path out of the recordings folder: each is refused; a vote
 * record the proxy did not seal is shown as tampering. Every page
 * carries the strict CSP; agent-supplied strings reach the HTML only as inert text.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startConsole, type RunningConsole } from "../../console/index.js";
import { issueToken, loginKey } from "../../console/auth.js";
import { consoleClient, type Answer, type SignedIn } from "./http-client.js";
import { CSP } from "../../console/http.js";
import { ApprovalClerk } from "../../enforce/approvals/clerk.js";
import { FileApprovalStore, newApprovalId } from "../../enforce/approvals/file-store.js";
import { systemUsers } from "../../enforce/approvals/identity.js";
import { loadOrCreateKey } from "../../enforce/approvals/seal.js";
import type { SealedRequest } from "../../enforce/approvals/types.js";

const work = mkdtempSync(path.join(tmpdir(), "console-sec-"));
const state = path.join(work, "state");
let cons: RunningConsole;
let raw: ReturnType<typeof consoleClient>["raw"];
let signIn: ReturnType<typeof consoleClient>["signIn"];
let clerk: ApprovalClerk;
let store: FileApprovalStore;
let counting: NodeJS.Timeout;
const live = new Map<string, string>();

async function held(o: { expiresInMs?: number; user?: string; agent?: string; args?: Record<string, unknown> } = {}): Promise<SealedRequest> {
  const now = Date.now();
  const r = await clerk.create({
    id: newApprovalId(), held_id: `h-${now.toString(36)}`, created: new Date(now).toISOString(), expires: new Date(now + (o.expiresInMs ?? 600_000)).toISOString(),
    session_id: "20261203T120000-abcd1234", call_id: "c2", tenant: null, agent: { name: o.agent ?? "Cursor" }, integration: "filesystem", tool: "create_directory",
    args: o.args ?? { path: "/srv/reports" }, reason: "New folders need a technician and a manager", policy: { id: "mkdir-two-approvers", name: "Creating folders" },
    approvers: ["technician", "manager"], eligible: { technician: ["tina", "sam"], manager: ["mark", "sam"] }, revision: "r1", ...(o.user ? { user: o.user } : {}),
  });
  live.set(r.id, r.hash);
  return r;
}

async function vote(who: SignedIn, r: SealedRequest, fields: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<Answer> {
  const body = new URLSearchParams({ csrf: who.csrf, hash: r.hash, verdict: "approve", note: "", ...fields }).toString();
  return raw("POST", `/approvals/${r.id}/vote`, { headers: { cookie: who.cookie, origin: cons.url, ...headers }, body });
}

/** The message the next page shows (the result of a vote). */
async function flash(who: { cookie: string }, r: SealedRequest): Promise<string> {
  const page = await raw("GET", `/approvals/${r.id}`, { headers: { cookie: who.cookie } });
  return /class="flash [a-z]+" role="\w+">([^<]*)</.exec(page.body)?.[1] ?? "";
}

beforeAll(async () => {
  mkdirSync(state, { mode: 0o700 });
  store = new FileApprovalStore(state);
  store.init();
  clerk = new ApprovalClerk(store, loadOrCreateKey(state), systemUsers());
  // The proxy's side: counts ballots of every live request, as `waitForApproval` does.
  counting = setInterval(() => { for (const [id, hash] of live) void clerk.tally(id, hash).catch(() => undefined); }, 50);
  mkdirSync(path.join(work, "rec"));
  writeFileSync(path.join(work, "rec", "s1.0123456789abcdef0123456789abcdef.jsonl"), "{}\n");
  cons = await startConsole({ host: "127.0.0.1", port: 0, stateDir: state, records: [path.join(work, "rec")], log: () => undefined });
  ({ raw, signIn } = consoleClient(cons));
});

afterAll(async () => {
  clearInterval(counting);
  await cons.close();
  rmSync(work, { recursive: true, force: true });
});

describe("policy console under attack", () => {
  test("nothing but the login without a session; Host checked; the strict CSP on every answer", async () => {
    const a = await raw("GET", "/approvals");
    expect(a.status).toBe(303);
    expect(a.headers.location).toBe("/login?next=%2Fapprovals");
    expect((await raw("GET", "/events")).status).toBe(401);
    expect((await raw("GET", "/monitor/event.json?f=0&l=1")).status).toBe(303);
    const login = await raw("GET", "/login");
    expect(login.headers["content-security-policy"]).toBe(CSP);
    expect(login.headers["x-frame-options"]).toBe("DENY");
    expect(login.body).not.toMatch(/<script>|\sstyle=|\son[a-z]+=/); // no inline script, style or handler: the CSP forbids them
    const rebound = await raw("GET", "/login", { headers: { host: "rebind.evil.example" } });
    expect(rebound.status).toBe(403);
    expect(rebound.body).toContain("DNS rebinding");
  });

  test("login: a token of another key, an expired token, a login posted from another site are refused", async () => {
    const form = await raw("GET", "/login");
    const cookie = String(form.headers["set-cookie"]).split(";")[0]!;
    const nonce = /name="nonce" value="([^"]+)"/.exec(form.body)![1]!;
    const post = (token: string, origin = cons.url, n = nonce) => raw("POST", "/login", { headers: { cookie, origin }, body: new URLSearchParams({ nonce: n, token }).toString() });
    const foreign = await issueToken(loginKey(Buffer.alloc(32, 7)), "mark", 3600_000);
    expect((await post(foreign)).body).toContain("the token is not valid for this console");
    const expired = await issueToken(cons.context.loginKey, "mark", 1000, Date.now() - 3600_000);
    expect((await post(expired)).body).toContain("the token has expired");
    const good = await issueToken(cons.context.loginKey, "mark", 3600_000);
    expect((await post(good, "http://evil.example")).status).toBe(403);
    expect((await post(good, cons.url, "not-the-nonce")).status).toBe(400);
    expect((await post(good)).status).toBe(303);
  });

  test("forged votes: no CSRF token, another person's token, another site, not a form", async () => {
    const tina = await signIn("tina"), mark = await signIn("mark");
    const r = await held();
    expect((await vote(tina, r, { csrf: "" })).status).toBe(403);
    expect((await vote(tina, r, { csrf: mark.csrf })).status).toBe(403);
    expect((await vote(tina, r, {}, { origin: "http://evil.example" })).status).toBe(403);
    expect((await vote(tina, r, {}, { "sec-fetch-site": "cross-site", origin: "" })).status).toBe(403);
    expect((await raw("POST", `/approvals/${r.id}/vote`, { headers: { cookie: tina.cookie, "content-type": "application/json" }, body: "{}" })).status).toBe(415);
    expect((await raw("POST", `/approvals/${r.id}/vote`, { headers: { cookie: tina.cookie }, body: "x".repeat(70_000) })).status).toBe(413);
    expect(await store.ballots(r.id)).toEqual([]);
    expect((await store.get(r.id))!.votes).toEqual([]);
  });

  test("a vote counts once, as the person signed in; a replay, a changed request, an expired one are refused", async () => {
    const tina = await signIn("tina");
    const r = await held();
    expect((await vote(tina, r)).status).toBe(303);
    expect(await flash(tina, r)).toBe("You approved as technician; still waiting for manager.");
    const v = (await store.get(r.id))!.votes;
    expect(v.map((x) => [x.by, x.role])).toEqual([["tina", "technician"]]);
    await vote(tina, r);
    expect(await flash(tina, r)).toBe(`Your vote was not counted: tina already voted on ${r.id} as technician: one person fills one role`);
    const other = await held();
    await vote(tina, other, { hash: r.hash });
    expect(await flash(tina, other)).toBe(`Your vote was not counted: approval ${other.id} is not the request you reviewed (its hash differs): look at it again`);
    const short = await held({ expiresInMs: 300 });
    await new Promise((res) => setTimeout(res, 400));
    await vote(tina, short);
    expect(await flash(tina, short)).toMatch(new RegExp(`^Your vote was not counted: approval ${short.id} is already expired`));
    expect(await store.ballots(short.id)).toEqual([]);
  });

  test("the person the agent works for cannot approve their own call; nor can the agent's name", async () => {
    const tina = await signIn("tina"), sam = await signIn("sam");
    const mine = await held({ user: "tina" });
    await vote(tina, mine);
    expect(await flash(tina, mine)).toBe("Your vote was not counted: tina is the agent that asked for this call, or the person it asked for, and cannot approve it");
    const named = await held({ agent: "sam" });
    await vote(sam, named, { as: "manager" });
    expect(await flash(sam, named)).toMatch(/sam is the agent that asked for this call/);
    expect((await store.get(mine.id))!.votes).toEqual([]);
  });

  test("the proxy takes the voter from the console's attestation, refuses a forged one, and the file owner otherwise", async () => {
    const r = await held();
    const ballot = { hash: r.hash, verdict: "approve" as const, as: "manager", by: "mark", at: new Date().toISOString() };
    const forged = await store.submit(r.id, { ...ballot, attest: "0".repeat(64) });
    await expect.poll(() => store.receipt(r.id, forged), { timeout: 5000 }).toMatchObject({ ok: false, error: expect.stringContaining("console attestation does not verify") });
    // Without an attestation, the ballot file's owner (this OS user, not "mark") is the voter.
    const plain = await store.submit(r.id, ballot);
    await expect.poll(() => store.receipt(r.id, plain), { timeout: 5000 }).toMatchObject({ ok: false, error: expect.stringContaining(`${userInfo().username} holds no role`) });
    const vouched = await store.submit(r.id, cons.context.attest(ballot));
    await expect.poll(() => store.receipt(r.id, vouched), { timeout: 5000 }).toMatchObject({ ok: true, role: "manager", by: "mark" });
  });

  test("agent-supplied strings are inert in the HTML; long values folded; no path out of the recordings", async () => {
    const tina = await signIn("tina");
    const r = await held({ agent: "<script>alert(1)</script>\u001b[2J\u202eevil", args: { path: "/srv/x\"><img src=x onerror=alert(1)>", body: "A".repeat(5000) } });
    const page = (await raw("GET", `/approvals/${r.id}`, { headers: { cookie: tina.cookie } })).body;
    expect(page).not.toMatch(/<script>alert|<img src=x/);
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;\\u{1b}[2J\\u{202e}evil");
    expect(page).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(page).toMatch(/<details class="fold"><summary><span class="s">&quot;A{80}&quot;<\/span>… \(5000 characters\)<\/summary>/);
    expect((await raw("GET", "/recordings/0/..%2F..%2Fstate%2Fapproval.key", { headers: { cookie: tina.cookie } })).status).toBe(404);
    expect((await raw("GET", "/recordings/0/s1.0123456789abcdef0123456789abcdef.jsonl", { headers: { cookie: tina.cookie } })).status).toBe(200);
    expect(readdirSync(state)).toContain("approval.key");
  });

  test("a vote file the proxy did not write is shown as tampering, never as a vote", async () => {
    const tina = await signIn("tina");
    const r = await held();
    const forged = { role: "manager", verdict: "approve", by: "mark", at: new Date().toISOString(), hash: r.hash, mac: "0".repeat(64) };
    writeFileSync(path.join(state, "approvals", r.id, "vote-manager.json"), JSON.stringify(forged));
    const page = (await raw("GET", `/approvals/${r.id}`, { headers: { cookie: tina.cookie } })).body;
    expect(page).toContain('data-status="tampered"');
    expect(page).toContain("a vote (manager by mark) was not recorded by this proxy");
    expect(page).not.toContain("by <strong>mark</strong>");
    expect(page).not.toContain("data-vote-form");
    const queue = (await raw("GET", "/approvals", { headers: { cookie: tina.cookie } })).body;
    expect(queue).not.toMatch(new RegExp(`data-approval="${r.id}" data-status="pending"`));
    await vote(tina, r);
    expect(await flash(tina, r)).toMatch(/^Your vote was not cast: the records of ap-\w+ were not all written by the proxy/);
    expect(await store.ballots(r.id)).toEqual([]);
  });

  test("signing out ends the session", async () => {
    const tina = await signIn("tina");
    expect((await raw("POST", "/logout", { headers: { cookie: tina.cookie, origin: cons.url }, body: "csrf=wrong" })).status).toBe(403);
    expect((await raw("POST", "/logout", { headers: { cookie: tina.cookie, origin: cons.url }, body: `csrf=${tina.csrf}` })).status).toBe(303);
    expect((await raw("GET", "/approvals", { headers: { cookie: tina.cookie } })).status).toBe(303);
  });
});
