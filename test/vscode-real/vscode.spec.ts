/**
 * The extension in a real VS Code (`npm run test:vscode`, opt-in): the packaged `.vsix` installed
 * into code-server, the workbench driven in Debian's chromium through playwright-core. A workspace
 * with a `.policy` file, a user catalog and `policy.trace.server: messages` is opened; the test
 * reads back what a person sees: the language mode, the TextMate scopes of the token inspector, a
 * diagnostic in the Problems panel, a hover, completion items, the protocol trace in its output
 * channel (and in the log file behind it). Nothing is fetched from anywhere but 127.0.0.1.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { ensureSetup } from "../../scripts/vscode-test/setup.js";
import { codeServerDirs, installExtension, packageExtension, ROOT, startCodeServer, type RunningCodeServer } from "./code-server.js";
import { Workbench } from "./workbench.js";

const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
  // Every host name fails to resolve inside the browser (the page is on 127.0.0.1): without it,
  // chromium itself still looks up accounts.google.com.
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
];
const tmp = mkdtempSync(join(tmpdir(), "policy-vscode-"));
const workspace = join(tmp, "workspace");
const dirs = codeServerDirs(tmp);
/** Seconds each phase took, printed at the end. */
const timings: Record<string, number> = {};
/** Requests the page sent anywhere but code-server. */
const foreign: string[] = [];
let server: RunningCodeServer | undefined;
let browser: Browser | undefined;
let wb: Workbench;
let installed: string[] = [];
/** Set when anything failed: the run's folder (screenshots, code-server's logs) is then kept. */
let failed = false;

async function timed<T>(name: string, f: () => Promise<T> | T): Promise<T> {
  const started = performance.now();
  try {
    return await f();
  } finally {
    timings[name] = Math.round(performance.now() - started) / 1000;
  }
}

beforeAll(async () => {
  try {
    await start();
  } catch (e) {
    failed = true;
    await wb?.screenshot(join(tmp, "start.png"));
    throw e;
  }
});

async function start(): Promise<void> {
  const setup = await timed("set-up (cached)", () => ensureSetup());
  cpSync(join(ROOT, "test/vscode-real/workspace"), workspace, { recursive: true });
  const vsix = await timed("package .vsix", () => packageExtension(join(tmp, "policy-lang.vsix")));
  installed = await timed("install .vsix", () => installExtension(setup, dirs, vsix));
  server = await timed("start code-server", () => startCodeServer(setup, dirs));
  const origin = new URL(server.url).origin;
  browser = await chromium.launch({ executablePath: setup.chromium, args: FLAGS });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on("request", (r) => {
    const url = r.url();
    if (!url.startsWith(origin) && !/^(data|blob|vscode-webview|about):/.test(url)) foreign.push(url);
  });
  wb = new Workbench(page);
  await timed("open workbench", () => wb.open(server!.url, workspace, "payments.policy"));
  await timed("open payments.policy", () => wb.openFile("payments.policy"));
}

afterEach(async (ctx) => {
  if (ctx.task.result?.state !== "fail") return;
  failed = true;
  await wb?.screenshot(join(tmp, `${ctx.task.name.replace(/[^\w]+/g, "-").slice(0, 60)}.png`));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  process.stderr.write(`real VS Code test timings (s): ${JSON.stringify(timings)}\n`);
  if (failed) process.stderr.write(`kept for inspection (screenshots, user-data/logs/): ${tmp}\n`);
  else rmSync(tmp, { recursive: true, force: true });
});

describe("the policy extension in code-server", () => {
  test("the packaged .vsix is installed and .policy files get the Policy language", async () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, "vscode-extension/package.json"), "utf8")) as { publisher: string; name: string; version: string };
    expect(installed).toContain(`${manifest.publisher}.${manifest.name}@${manifest.version}`);
    expect(await wb.textOf('[id="status.editor.mode"]', "Policy")).toContain("Policy");
  });

  test("the token inspector shows the grammar's TextMate scopes", async () => {
    await wb.goTo(1, 2);
    expect(await wb.inspectTokens("storage.type.policy.policy")).toContain("source.policy");
    await wb.goTo(3, 6);
    expect(await wb.inspectTokens("variable.language.subject.integration.policy")).toMatch(/meta\.block\.policy\.policy/);
    await wb.goTo(5, 11);
    await wb.inspectTokens("keyword.control.effect.block.policy");
  });

  test("the server's diagnostic appears in the Problems panel with its code and position", async () => {
    const rows = await wb.problems("PDL2001");
    const row = rows.find((r) => r.includes("PDL2001"));
    expect(row).toMatch(/unknown integration "Biling"/);
    expect(row).toMatch(/line 10/i);
  });

  test("hover over a tool of the user catalog shows its description", async () => {
    await wb.openFile("payments.policy");
    await wb.goTo(4, 16);
    expect(await wb.hover("refund_payment")).toContain("Refunds a captured payment");
  });

  test("completion after `if tool is` lists the tools of the integration from the user catalog", async () => {
    await wb.goTo(4, 14);
    const labels = await wb.suggestions("refund_payment");
    expect(labels).toEqual(expect.arrayContaining(["refund_payment", "list_invoices"]));
  });

  test("with policy.trace.server: messages the protocol trace is shown in its output channel", async () => {
    const visible = await wb.outputChannel("Policy Language Server Trace", "[trace]");
    expect(visible).toMatch(/\[trace\] (Sending|Received) (request|response|notification)/);
    const file = traceLogFile(join(dirs.userData, "logs"));
    const log = readFileSync(file, "utf8");
    expect(log).toContain("Sending request 'initialize");
    expect(log).toContain("Sending request 'textDocument/hover");
    expect(log).toContain("Received notification 'textDocument/publishDiagnostics'");
  });

  test("turning policy.trace.server off and on again stops and restarts the trace without a restart", async () => {
    const settings = join(workspace, ".vscode/settings.json");
    const hovers = () => (readFileSync(traceLogFile(join(dirs.userData, "logs")), "utf8").match(/Sending request 'textDocument\/hover/g) ?? []).length;
    const setTrace = (value: string) =>
      writeFileSync(settings, JSON.stringify({ "policy.catalogs": ["acme.catalog.json"], "policy.trace.server": value }));
    const hoverOnTool = async () => {
      await wb.openFile("payments.policy");
      await wb.goTo(4, 16);
      await wb.hover("refund_payment");
    };
    await vi.waitFor(() => expect(hovers()).toBeGreaterThan(0), { timeout: 15_000 });
    setTrace("off");
    await new Promise((r) => setTimeout(r, 3_000)); // the workbench reads the changed file
    const before = hovers();
    await hoverOnTool();
    await new Promise((r) => setTimeout(r, 3_000)); // what would be written has been
    expect(hovers()).toBe(before);
    setTrace("messages");
    await new Promise((r) => setTimeout(r, 3_000));
    await hoverOnTool();
    await vi.waitFor(() => expect(hovers()).toBeGreaterThan(before), { timeout: 15_000 });
  });

  test("the workbench fetched nothing from outside 127.0.0.1", () => {
    expect(foreign).toEqual([]);
  });
});

/** The file the extension host writes the trace channel to (logs/<session>/…/N-Policy Language Server Trace.log). */
function traceLogFile(logs: string): string {
  const found = (readdirSync(logs, { recursive: true }) as string[]).filter((f) => f.endsWith("Policy Language Server Trace.log"));
  if (found.length === 0) throw new Error(`no "Policy Language Server Trace.log" under ${logs}`);
  return join(logs, found[0]!);
}
