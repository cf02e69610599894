/**
 * The console's Inventory screen over raw HTTP: `policy inventory`'s tables from the console's
 * decision logs and recordings (a call in both counts once, a recorded call no log decided is
 * decided by the bundle), every tool, agent, integration and policy a link to the monitor that
 * lists exactly those decisions, an agent-chosen name inert in the table and in the link, a line
 * still being written not read, a bad line reported and left out, the baseline of unexpected usage
 * chosen with `?recent=`, tables sorted by their column heads, the JSON and HTML forms of `policy inventory` to download, only for a
 * signed-in person, a missing bundle explained, and the live event sent when a recording arrives.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startConsole, type RunningConsole } from "../../console/index.js";
import { CSP } from "../../console/http.js";
import { schemaValidator } from "../../compiler/json/validate.js";
import { buildBundleFile } from "../enforce/helpers.js";
import { consoleClient, type SignedIn } from "./http-client.js";

const work = mkdtempSync(path.join(tmpdir(), "console-inventory-"));
const state = path.join(work, "state"), rec = path.join(work, "rec"), log = path.join(work, "decisions.jsonl");
const AGENT = `<img src=x onerror=alert(1)>\u001b[31mEvil\u001b[0m`;
const AGENT_SHOWN = "&lt;img src=x onerror=alert(1)&gt;\\u{1b}[31mEvil\\u{1b}[0m";

const POLICIES = `
policy "No new issues" {
  id no-issues
  if tool is github.create_issue
  action block "Agents may not open issues"
}
policy "Reading is fine" {
  id reads
  if integration is github
  if operation is Read
  action allow
}
default by operation { Read: allow  Write: block  Delete: block  Unknown: block }
`;

let cons: RunningConsole, bare: RunningConsole, revision: string;
let client: ReturnType<typeof consoleClient>, who: SignedIn;

const decision = (seq: number, o: { tool: string; effect: string; policy: string | null; agent?: string; session?: string }) => JSON.stringify({
  type: "decision", ts: `2026-12-03T10:00:0${seq}.000Z`, session_id: o.session ?? "s1", seq, call_id: `c${seq}`, tenant: null, agent: { name: o.agent ?? "Cursor" },
  event: "tool_call_request", integration: "github", tool: o.tool, effect: o.effect, policy: o.policy, reason: "r", revision, outcome: o.effect === "block" ? "blocked" : "forwarded",
  decision: { effect: o.effect, matched: o.policy ? [{ id: o.policy, name: o.policy }] : [] },
}) + "\n";
const request = (seq: number, tool: string, session: string, agent: string, ts: string) => JSON.stringify({
  type: "tool_call_request", session_id: session, seq, ts, agent: { name: agent }, call: { id: `c${seq}`, type: "mcp", integration: "github", tool, args: {} },
}) + "\n";
const recording = (session: string) => path.join(rec, `${session}.${"0123456789abcdef".repeat(2)}.jsonl`);

async function page(p: string): Promise<string> {
  const a = await client.raw("GET", p, { headers: { cookie: who.cookie } });
  expect(a.status, a.body).toBe(200);
  return a.body;
}
const rowOf = (body: string, tool: string) => new RegExp(`<tr data-tool="${tool.replace(/\./g, "\\.")}">([\\s\\S]*?)</tr>`).exec(body)?.[1] ?? "";
const hrefs = (markup: string) => [...markup.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, "&"));
/** The monitor's rows behind a link: effect and tool of each. */
async function monitorRows(href: string): Promise<string[]> {
  const body = await page(href);
  return [...body.matchAll(/<tr data-effect="([^"]*)"[^>]*>\s*<td>[\s\S]*?<\/td><td>[\s\S]*?<\/td><td>([^<]*)<\/td>/g)].map((m) => `${m[1]} ${m[2]}`);
}

beforeAll(async () => {
  mkdirSync(state, { mode: 0o700 });
  mkdirSync(rec);
  const built = buildBundleFile(work, "gh", POLICIES, []);
  revision = built.bundle.revision;
  writeFileSync(log, [
    decision(1, { tool: "list_issues", effect: "allow", policy: "reads" }),
    decision(2, { tool: "create_issue", effect: "block", policy: "no-issues", agent: AGENT, session: "s2" }),
    decision(3, { tool: "create_issue", effect: "block", policy: "no-issues" }),
  ].join(""));
  // Session s1 recorded too: its call c1 is the logged one (counted once); c4 no log decided.
  writeFileSync(recording("s1"), request(1, "list_issues", "s1", "Cursor", "2026-12-03T10:00:01.000Z") + request(4, "get_issue", "s1", "Cursor", "2026-12-03T10:00:04.000Z") + '{"type":"tool_call_req');
  cons = await startConsole({ host: "127.0.0.1", port: 0, stateDir: state, decisionLogs: [log], records: [rec], bundles: [built.file], log: () => undefined, pollMs: 50 });
  bare = await startConsole({ host: "127.0.0.1", port: 0, stateDir: state, decisionLogs: [log], log: () => undefined });
  client = consoleClient(cons);
  who = await client.signIn("tina");
});

afterAll(async () => {
  await cons?.close();
  await bare?.close();
  rmSync(work, { recursive: true, force: true });
});

describe("the console's Inventory screen", () => {
  test("only for a signed-in person, under the console's CSP, in the navigation", async () => {
    const a = await client.raw("GET", "/inventory");
    expect(a.status).toBe(303);
    expect(a.headers.location).toBe("/login?next=%2Finventory");
    const signed = await client.raw("GET", "/inventory", { headers: { cookie: who.cookie } });
    expect(signed.headers["content-security-policy"]).toBe(CSP);
    expect(signed.body).toContain('<a href="/inventory" aria-current="page">Inventory</a>');
    expect(await page("/approvals")).toContain('<a href="/inventory">Inventory</a>');
  });

  test("the tables of policy inventory: a call logged and recorded counts once, an unlogged one is decided by the bundle", async () => {
    const body = await page("/inventory");
    expect([...body.matchAll(/<tr data-tool="([^"]+)">/g)].map((m) => m[1])).toEqual(["github.create_issue", "github.get_issue", "github.list_issues"]);
    const cells = (tool: string) => rowOf(body, tool).replace(/<[^>]+>/g, "|").split("|").map((s) => s.trim()).filter(Boolean);
    expect(cells("github.create_issue").slice(0, 11)).toEqual(["github.create_issue", "Write", "Unreviewed", "critical", "2", "0", "0", "2", AGENT_SHOWN, ",", "Cursor"]);
    expect(cells("github.get_issue").slice(0, 8)).toEqual(["github.get_issue", "Read", "Unreviewed", "low", "1", "1", "0", "0"]);
    expect(cells("github.list_issues").slice(0, 5)).toEqual(["github.list_issues", "Read", "Unreviewed", "low", "1"]);
    expect(body).toMatch(/<tr data-integration="github">[\s\S]*?<td class="n">3<\/td><td class="n">4<\/td>/);
    expect(body).toContain(`tools as bundle revision <code>${revision.slice(0, 12)}</code>`);
    expect([...body.matchAll(/<rect class="c0"[^>]*data-calls="(\d+)"/g)].map((m) => Number(m[1]))).toEqual([4]);
    expect(body).toContain("<title>github 2026-12-03T10:00:00Z: 4 calls</title>");
    expect(body).toMatch(/<table id="risk"[\s\S]*?github\.create_issue[\s\S]*?critical[\s\S]*?writes; communicates outside; 2 calls blocked/);
    for (const h of ["Calls per integration per hour", "Integrations", "Tools", "Agents", "Risk", "New or unreviewed tools", "Tools no policy decided", "Unexpected usage after", "Files read"]) expect(body).toMatch(new RegExp(`<h2 id="h-[a-z]+">${h}`));
    // The unfinished last line of the recording is not read, and not reported either.
    expect(body).not.toContain('role="alert"');
  });

  test("each tool, count, agent, integration and policy links to the monitor showing exactly those decisions", async () => {
    const body = await page("/inventory");
    const create = hrefs(rowOf(body, "github.create_issue"));
    expect(create).toEqual(expect.arrayContaining(["/monitor?integration=github&tool=create_issue", "/monitor?integration=github&tool=create_issue&effect=block", "/monitor?policy=no-issues"]));
    expect(await monitorRows("/monitor?integration=github&tool=create_issue")).toEqual(["block github.create_issue", "block github.create_issue"]);
    expect(await monitorRows("/monitor?integration=github&tool=create_issue&effect=block")).toHaveLength(2);
    expect(await monitorRows("/monitor?policy=no-issues")).toHaveLength(2);
    expect(await monitorRows("/monitor?integration=github")).toHaveLength(3);
    const evil = create.find((h) => h.startsWith("/monitor?agent="))!;
    expect(evil).toBe(`/monitor?${new URLSearchParams({ agent: AGENT })}`);
    expect(await monitorRows(evil)).toEqual(["block github.create_issue"]);
    expect(await monitorRows("/monitor?agent=Cursor")).toEqual(["block github.create_issue", "allow github.list_issues"]);
    // A tool known under another case is the same tool: the monitor finds its lines either way.
    expect(await monitorRows("/monitor?integration=GitHub&tool=Create_Issue")).toHaveLength(2);
  });

  test("a column head sorts its table on the server (a link: no script needed), most first for counts", async () => {
    const order = (body: string) => [...body.matchAll(/<tr data-tool="([^"]+)">/g)].map((m) => m[1]);
    const start = await page("/inventory?recent=2s");
    const calls = /<th scope="col"><a href="([^"]+)">Calls<\/a><\/th>/.exec(start.slice(start.indexOf('<table id="tools"')))![1]!.replace(/&amp;/g, "&");
    expect(calls).toBe("/inventory?recent=2s&sort=tools.calls&order=desc");
    const desc = await page(calls);
    expect(order(desc)).toEqual(["github.create_issue", "github.get_issue", "github.list_issues"]);
    expect(desc).toContain('<th scope="col" aria-sort="descending"><a href="/inventory?recent=2s&amp;sort=tools.calls&amp;order=asc">Calls</a></th>');
    expect(desc).toContain('<input type="hidden" name="sort" value="tools.calls">');
    expect(order(await page("/inventory?sort=tools.calls&order=asc"))).toEqual(["github.get_issue", "github.list_issues", "github.create_issue"]);
    expect(order(await page("/inventory?sort=tools.tool&order=desc"))).toEqual(["github.list_issues", "github.get_issue", "github.create_issue"]);
    expect(order(await page("/inventory?sort=tools.risk&order=desc"))[0]).toBe("github.create_issue");
    expect(order(await page("/inventory?sort=tools.nonsense"))).toEqual(order(start));
  });

  test("an agent-chosen name is inert text, in the tables and in its link", async () => {
    const body = await page("/inventory");
    expect(body).not.toContain("<img");
    expect(body).not.toContain("\u001b");
    expect(body).toContain(`data-agent>${AGENT_SHOWN}</a>`);
    expect(body).toMatch(/<th scope="row"><a href="\/monitor\?agent=%3Cimg[^"]*" data-agent>&lt;img/);
  });

  test("a bad line is reported with its place and left out; the rest is still counted", async () => {
    appendFileSync(log, "not json\n");
    const body = await page("/inventory");
    expect(body).toContain(`<p class="bad" role="alert">${log}:4: not valid JSON (left out)</p>`);
    expect(rowOf(body, "github.create_issue")).toContain('<td class="n">2</td>');
  });

  test("?recent= sets the baseline of unexpected usage; a value that is not a duration is said so", async () => {
    const body = await page("/inventory?recent=2s");
    expect(body).toContain("Unexpected usage after 2026-12-03T10:00:02.000Z");
    expect(body).toMatch(/<table id="unexpected"[\s\S]*?first call of this tool by this agent/);
    const bad = await page("/inventory?recent=%3Cb%3Esoon");
    expect(bad).toContain('<p class="bad" role="alert">&quot;&lt;b&gt;soon&quot; is not a duration (e.g. 24h, 90m): the default baseline is used</p>');
    expect(bad).toContain('value="&lt;b&gt;soon"');
  });

  test("the inventory downloads as policy inventory writes it: JSON valid against its schema, the HTML report", async () => {
    expect((await client.raw("GET", "/inventory.json")).status).toBe(303);
    const json = await client.raw("GET", "/inventory.json?recent=2s", { headers: { cookie: who.cookie } });
    expect(json.status).toBe(200);
    expect(json.headers["content-disposition"]).toBe('attachment; filename="inventory.json"');
    expect(json.headers["content-security-policy"]).toBe(CSP);
    const inv = JSON.parse(json.body);
    expect(schemaValidator("inventory.schema.json")(inv)).toBe(true);
    expect(inv.tools.map((t: { key: string; calls: number }) => `${t.key} ${t.calls}`)).toEqual(["github.create_issue 2", "github.get_issue 1", "github.list_issues 1"]);
    expect(inv.window.baseline_until).toBe("2026-12-03T10:00:02.000Z");
    expect(inv.agents.map((a: { name: string }) => a.name)).toContain(AGENT);
    const report = await client.raw("GET", "/inventory.html", { headers: { cookie: who.cookie } });
    expect(report.headers["content-disposition"]).toBe('attachment; filename="inventory.html"');
    expect(report.body).toContain('<table id="tools" class="sortable">');
    expect(report.body).not.toContain("<img");
    const bad = await client.raw("GET", "/inventory.json?recent=soon", { headers: { cookie: who.cookie } });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain("&quot;soon&quot; is not a duration (e.g. 24h, 90m)</p>");
    expect(await page("/inventory?recent=2s")).toContain('<a href="/inventory.json?recent=2s" download>JSON</a>');
  });

  test("without a bundle the screen says what to give", async () => {
    const c = consoleClient(bare);
    const me = await c.signIn("tina");
    const a = await c.raw("GET", "/inventory", { headers: { cookie: me.cookie } });
    expect(a.status).toBe(200);
    expect(a.body).toContain("start the console with <code>--bundle FILE</code>");
    expect(a.body).not.toContain('<table id="tools"');
    expect((await c.raw("GET", "/inventory.json", { headers: { cookie: me.cookie } })).status).toBe(404);
  });

  test("a new recording sends the live event the open Inventory screen listens to", async () => {
    const u = new URL(cons.url);
    const events: string[] = [];
    const stream = await new Promise<import("node:http").IncomingMessage>((resolve, reject) => {
      get({ host: u.hostname, port: u.port, path: "/events", headers: { host: u.host, cookie: who.cookie } }, resolve).on("error", reject);
    });
    stream.on("data", (c: Buffer) => events.push(...c.toString().split("\n").filter((l) => l.startsWith("event: inventory"))));
    const waitFor = async (n: number) => { for (let i = 0; i < 100 && events.length < n; i++) await new Promise((r) => setTimeout(r, 50)); expect(events.length).toBeGreaterThanOrEqual(n); };
    try {
      await waitFor(1);
      writeFileSync(recording("s9"), request(1, "get_me", "s9", "Claude", "2026-12-03T10:00:09.000Z"));
      await waitFor(2);
      expect(rowOf(await page("/inventory"), "github.get_me")).toContain("Claude");
    } finally {
      stream.destroy();
    }
  });
});
