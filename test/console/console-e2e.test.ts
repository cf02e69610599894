/**
 * `policy console` end to end, in a real browser (Debian's chromium via playwright-core), against a
 * real `policy enforce` in front of the filesystem MCP server: a call that needs a technician and a
 * manager appears in the queue within a second; two people, signed in from two browser contexts,
 * approve it (one with the keyboard only) and the directory is created; a denial reaches the agent;
 * one person holding both roles cannot cast both votes, not even with a hand-made POST; the monitor
 * filtered by policy id shows exactly the blocked calls of a scripted session, with rule, matching
 * input and run id; alerts are grouped and acknowledged in the store; an agent name with HTML and
 * ANSI escapes is shown inertly everywhere; every form control has a label.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startConsole, type RunningConsole } from "../../console/index.js";
import { issueToken } from "../../console/auth.js";
import { FileApprovalStore } from "../../enforce/approvals/file-store.js";
import { viewOf, type ApprovalView } from "../../enforce/approvals/types.js";
import { buildBundleFile, importLiveCatalog, readJsonl, requireServer, serverCommand, SERVERS, startProxyClient, textOf, until, type ProxyClient } from "../enforce/helpers.js";
import { launchChromium, signedIn } from "./browser.js";

const work = mkdtempSync(path.join(tmpdir(), "console-e2e-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Where screenshots for docs/console.md go, when asked (`CONSOLE_SCREENSHOTS=docs/images`). */
const SHOTS = process.env.CONSOLE_SCREENSHOTS;
async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `console-${name}.png`), fullPage: true });
}

const AGENT = `<img src=x id=pwned onerror="document.title='pwned'"><b>\u001b[31mBuild Agent\u001b[0m`;
const AGENT_SHOWN = AGENT.replace(/\u001b/g, "\\u{1b}");

const POLICIES = `
policy "Creating folders needs a technician and a manager" {
  id mkdir-two-approvers
  if tool is filesystem.create_directory
  action require_approval "New folders need a technician and a manager" from [technician, manager]
}
policy "Agents may not write files" {
  id no-writes
  if tool is filesystem.write_file
  action block "Agents may not write files", alert "An agent tried to write a file"
}
policy "Reading is fine" {
  id reads
  if integration is filesystem
  if operation is Read
  action allow
}
default by operation { Read: allow  Write: block  Delete: block  Unknown: block }
`;

async function pendingIds(state: string): Promise<ApprovalView[]> {
  const now = Date.now();
  return (await new FileApprovalStore(state).list()).map((s) => viewOf(s, now)).filter((v) => v.status === "pending");
}

/** Every visible form control of the page that no label names (should be none). */
async function unlabelled(page: Page): Promise<string[]> {
  return page.evaluate(() => Array.from(document.querySelectorAll("input:not([type=hidden]), select, textarea"))
    .filter((el) => !((el as HTMLInputElement).labels?.length) && !el.getAttribute("aria-label"))
    .map((el) => el.outerHTML));
}

describe("policy console in chromium, against policy enforce and the filesystem server", () => {
  test("queue, two-person approval, denial, separation of duties, monitor, alerts, inert agent name", { timeout: 240_000 }, async (ctx) => {
    const entry = requireServer(SERVERS.filesystem.pkg, ctx);
    const sandbox = path.join(work, "sandbox");
    mkdirSync(sandbox, { recursive: true });
    writeFileSync(path.join(sandbox, "notes.txt"), "hello\n");
    const server = serverCommand(entry, [sandbox]);
    const catalog = path.join(work, "filesystem.catalog.json");
    await importLiveCatalog(server, "filesystem", catalog);
    writeFileSync(path.join(work, "policy.config.json"), JSON.stringify({ approvers: { technician: ["tina", "sam"], manager: ["mark", "sam"] } }));
    const { file: bundleFile } = buildBundleFile(work, "fs", POLICIES, [catalog]);
    const state = path.join(work, "state"), rec = path.join(work, "sessions"), log = path.join(work, "decisions.jsonl");
    mkdirSync(state, { mode: 0o700 });

    let proxy: ProxyClient | undefined, cons: RunningConsole | undefined, browser: Browser | undefined;
    try {
      proxy = await startProxyClient(["--bundle", bundleFile, "--integration", "filesystem", "--state-dir", state, "--record", rec, "--decision-log", log, "--approval-timeout", "120s", "--", ...server], { clientName: AGENT });
      const agent = proxy.client;
      cons = await startConsole({ host: "127.0.0.1", port: 0, stateDir: state, decisionLogs: [log], records: [rec], bundles: [bundleFile], log: () => undefined });
      const token = (who: string) => issueToken(cons!.context.loginKey, who, 3600_000);
      browser = await launchChromium(ctx);
      const tina = await signedIn(browser, cons.url, await token("tina"));
      const mark = await signedIn(browser, cons.url, await token("mark"));
      expect(await tina.page.locator("[data-person]").textContent()).toBe("tina");
      expect(await mark.page.locator("[data-person]").textContent()).toBe("mark");

      // 1. A call that needs two approvers appears in the open queue (live, no reload) within a second.
      const dirA = path.join(sandbox, "reports");
      const callA = agent.callTool({ name: "create_directory", arguments: { path: dirA } }, undefined, { timeout: 120_000 });
      const rowA = tina.page.locator("tr[data-approval]", { hasText: "create_directory" });
      await rowA.waitFor({ timeout: 20_000 });
      // From the moment the proxy held the call (the request's creation time) to the row on the open page.
      const shownAt = Date.now();
      const createdA = Date.parse((await pendingIds(state))[0]!.request.created);
      expect(shownAt - createdA).toBeLessThan(1000);
      expect(await rowA.locator("[data-agent]").textContent()).toBe(AGENT_SHOWN);
      expect(await tina.page.locator("img, b").count()).toBe(0);
      await shot(tina.page, "queue");

      // 2. The review screen: tool, parameters, reason, policy, agent (inert), who must still approve.
      await rowA.getByRole("link").click();
      await tina.page.waitForURL(/\/approvals\/ap-/);
      const reviewUrl = tina.page.url();
      const main = tina.page.locator("main");
      expect(await tina.page.locator("h1").textContent()).toContain("filesystem.create_directory");
      expect(await tina.page.locator("[data-reason]").textContent()).toBe("New folders need a technician and a manager");
      expect(await main.locator("pre.json").textContent()).toContain(JSON.stringify(dirA));
      expect(await main.textContent()).toContain("fs.policy:2");
      expect(await main.locator("[data-agent]").textContent()).toBe(AGENT_SHOWN);
      expect(await main.textContent()).toMatch(/technician: sam, tina[\s\S]*manager: mark, sam/);
      expect(await main.textContent()).toContain("You vote as technician.");
      expect(await tina.page.locator("img, b").count()).toBe(0);
      expect(await tina.page.title()).not.toBe("pwned");
      expect(await unlabelled(tina.page)).toEqual([]);
      await shot(tina.page, "review");

      await mark.page.goto(reviewUrl);
      await tina.page.getByLabel(/Comment/).fill("Folder for the monthly reports");
      await tina.page.getByRole("button", { name: "Approve" }).click();
      await tina.page.waitForSelector(".flash");
      expect(await tina.page.locator(".flash").textContent()).toBe("You approved as technician; still waiting for manager.");
      // Mark's open page follows the vote live.
      await mark.page.locator(".votes", { hasText: "by tina" }).waitFor({ timeout: 20_000 });

      // 3. The manager approves with the keyboard only; the held call resumes and the folder exists.
      await mark.page.getByLabel(/Comment/).focus();
      await mark.page.keyboard.type("OK");
      await mark.page.keyboard.press("Tab");
      expect(await mark.page.evaluate(() => document.activeElement?.textContent)).toBe("Approve");
      await mark.page.keyboard.press("Enter");
      await mark.page.waitForSelector(".flash");
      expect(await mark.page.locator(".flash").textContent()).toBe("You approved as manager: the request is approved.");
      const resultA = await callA;
      expect(resultA.isError).toBeFalsy();
      expect(existsSync(dirA)).toBe(true);
      await shot(mark.page, "approved");

      // 4. Sam holds both roles: one vote, never two (the screen says so, a hand-made POST is refused).
      // Sam's event stream opens only after the request is written: the event that announced it went
      // to the other pages, and his page still shows it (a page fetches itself when its stream opens).
      const sam = await signedIn(browser, cons.url, await token("sam"));
      const dirB = path.join(sandbox, "secrets");
      let requested!: () => void;
      const written = new Promise<void>((resolve) => { requested = resolve; });
      await sam.page.route("**/events", async (route) => { await written; await route.continue(); });
      await sam.page.reload();
      const callB = agent.callTool({ name: "create_directory", arguments: { path: dirB } }, undefined, { timeout: 120_000 });
      await until(async () => (await pendingIds(state)).some((v) => JSON.stringify(v.request).includes(dirB)) || undefined, "the second request", 20_000);
      await new Promise((r) => setTimeout(r, 600));
      requested();
      const rowB = sam.page.locator("tr[data-approval][data-status=pending]", { hasText: "create_directory" });
      await rowB.waitFor({ timeout: 20_000 });
      const idB = (await rowB.getAttribute("data-approval"))!;
      await sam.page.goto(`/approvals/${idB}`);
      await sam.page.getByLabel("Vote as").selectOption("technician");
      const csrf = (await sam.page.locator("form[data-vote-form] input[name=csrf]").inputValue());
      const hash = (await sam.page.locator("form[data-vote-form] input[name=hash]").inputValue());
      await sam.page.getByRole("button", { name: "Approve" }).click();
      await sam.page.waitForSelector(".flash");
      expect(await sam.page.locator(".flash").textContent()).toBe("You approved as technician; still waiting for manager.");
      expect(await sam.page.locator("[data-cannot-vote]").textContent()).toBe(`sam already voted on ${idB} as technician: one person fills one role`);
      const forged = await sam.context.request.post(`/approvals/${idB}/vote`, { form: { csrf, hash, verdict: "approve", as: "manager" }, headers: { origin: cons.url } });
      expect(forged.status()).toBe(200);
      // The redirect after the POST shows the answer (the console checks with roleFor; the proxy would refuse it too).
      expect(await forged.text()).toMatch(/Your vote was not counted: sam already voted on ap-\w+ as technician/);
      expect((await pendingIds(state)).find((v) => v.request.id === idB)?.votes.map((v) => v.by)).toEqual(["sam"]);

      // 5. The manager denies: the refusal reaches the agent, the folder is not created.
      await mark.page.goto(`/approvals/${idB}`);
      await mark.page.getByLabel(/Comment/).fill("Not in the sandbox root");
      await mark.page.getByRole("button", { name: "Deny" }).click();
      await mark.page.waitForSelector(".flash");
      const resultB = await callB;
      expect(resultB.isError).toBe(true);
      expect(textOf(resultB)).toMatch(/Not approved/);
      expect(existsSync(dirB)).toBe(false);

      // 6. A scripted session: two blocked writes, reads; the monitor filtered by policy id shows exactly the blocks.
      for (const f of ["a.txt", "b.txt"]) expect((await agent.callTool({ name: "write_file", arguments: { path: path.join(sandbox, f), content: "x" } })).isError).toBe(true);
      await agent.callTool({ name: "read_text_file", arguments: { path: path.join(sandbox, "notes.txt") } });
      await agent.callTool({ name: "list_directory", arguments: { path: sandbox } });
      const blocked = await until(() => { const l = readJsonl(log).filter((x) => x.type === "decision" && x.effect === "block"); return l.length === 2 ? l : undefined; }, "two blocks in the decision log");
      const session = blocked[0]!.session_id as string;
      await mark.page.goto("/monitor");
      await mark.page.getByLabel("Policy id").fill("no-writes");
      await mark.page.getByRole("button", { name: "Filter" }).click();
      await mark.page.waitForURL(/policy=no-writes/);
      const rows = mark.page.locator("table.decisions tbody tr");
      expect(await rows.count()).toBe(2);
      for (const r of await rows.all()) {
        expect(await r.getAttribute("data-effect")).toBe("block");
        expect(await r.textContent()).toContain("filesystem.write_file");
        expect(await r.textContent()).toContain(session);
        expect(await r.locator("[data-agent]").textContent()).toBe(AGENT_SHOWN);
      }
      expect(await unlabelled(mark.page)).toEqual([]);
      await shot(mark.page, "monitor");
      await rows.first().getByRole("link", { name: /Details/ }).click();
      const detail = await mark.page.locator("main").textContent();
      expect(detail).toContain("if tool is filesystem.write_file");
      expect(detail).toContain(JSON.stringify(path.join(sandbox, "b.txt")));
      expect(detail).toContain(session);
      expect(await mark.page.getByRole("link", { name: "The recording" }).count()).toBe(1);
      expect(await mark.page.getByRole("link", { name: "The event (JSON)" }).count()).toBe(1);
      await shot(mark.page, "decision");

      // 7. Alerts: grouped by policy and agent, high severity, acknowledged in the store.
      await mark.page.goto("/alerts");
      const group = mark.page.locator("[data-group]", { hasText: "no-writes" });
      expect(await group.locator("h2").textContent()).toContain(`high no-writes · ${AGENT_SHOWN}`);
      expect(await group.locator("[data-alert]").count()).toBe(2);
      await shot(mark.page, "alerts");
      await group.getByLabel("Note").fill("Agent retrained");
      await group.getByRole("button", { name: /Acknowledge/ }).click();
      expect(await mark.page.locator(".flash").textContent()).toBe("2 alerts acknowledged.");
      expect(await mark.page.locator("[data-group]").count()).toBe(0);
      expect(readdirSync(path.join(state, "console", "acks"))).toHaveLength(2);
      await tina.page.goto("/alerts?show=all");
      expect(await tina.page.locator("[data-alert][data-acked]").count()).toBe(2);
      expect(await tina.page.locator("main").textContent()).toContain("acknowledged by mark");
      expect(await tina.page.locator("img, b").count()).toBe(0);
    } finally {
      await browser?.close();
      await cons?.close();
      await proxy?.close();
    }
  });
});
