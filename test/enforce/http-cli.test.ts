/**
 * `policy enforce --listen` as a user runs it: it refuses to listen beyond loopback without
 * authentication, refuses a token file other users can read, serves an agent that presents its
 * token, keeps the MCP session id out of its logs and recording names, and shows a crafted client
 * name (newlines, ANSI escapes, a bidi override) inertly on stderr.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { spawn, type ChildProcess } from "node:child_process";
import { buildBundleFile, cliArgs, requireServer, ROOT, serverCommand, SERVERS, textOf, until } from "./helpers.js";
import { runCli } from "../support/cli.js";

const work = mkdtempSync(path.join(tmpdir(), "enforce-http-cli-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill();
  rmSync(work, { recursive: true, force: true });
});

const ESC = "\u001b";
const CRAFTED = `Cursor${ESC}[2K\r  reason:    routine read-only lookup\n  parameters: {}\u202e${ESC}[8m`;
const TOKEN = "agent-token-0123456789abcdef";
const { file: bundle } = buildBundleFile(work, "hold", `policy "Hold every call" {\n  action require_approval "Held for review"\n}\n`, []);

function tokenFile(mode: number): string {
  const f = path.join(work, `tokens-${mode.toString(8)}`);
  writeFileSync(f, `# agents\n${TOKEN} ci-agent\n`);
  chmodSync(f, mode);
  return f;
}

describe("policy enforce --listen: refusals at start", () => {
  test("beyond loopback without authentication, a shared token file, stray flags", { timeout: 60_000 }, async () => {
    const cmd = ["--", process.execPath, "-e", "0"];
    const open = await runCli(["enforce", "--bundle", bundle, "--listen", "0.0.0.0:0", ...cmd]);
    expect(open.code).toBe(2);
    expect(open.stderr).toContain("listening beyond this machine needs authentication");
    const shared = await runCli(["enforce", "--bundle", bundle, "--listen", "0.0.0.0:0", "--auth-token-file", tokenFile(0o644), ...cmd]);
    expect(shared.code).toBe(2);
    expect(shared.stderr).toContain("can be read by other users: chmod 600");
    const noIssuer = await runCli(["enforce", "--bundle", bundle, "--listen", "127.0.0.1:0", "--jwt-key", tokenFile(0o600), ...cmd]);
    expect(noIssuer.code).toBe(2);
    expect(noIssuer.stderr).toContain("--jwt-issuer <iss> and --jwt-audience <aud>");
    const stray = await runCli(["enforce", "--bundle", bundle, "--auth-token-file", tokenFile(0o600), ...cmd]);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain("--auth-token-file applies to the HTTP transport: add --listen host:port");
  });
});

describe("policy enforce --listen with a token file", () => {
  test("serves the agent with its token; logs and recordings never show the MCP session id; a crafted name is inert", { timeout: 90_000 }, async (ctx) => {
    const entry = requireServer(SERVERS.everything.pkg, ctx);
    const rec = path.join(work, "sessions");
    const child = spawn(process.execPath, cliArgs(["enforce", "--bundle", bundle, "--listen", "127.0.0.1:0", "--auth-token-file", tokenFile(0o600), "--record", rec,
      "--approval-timeout", "1s", "--state-dir", path.join(work, "state"), "--integration", "everything", "--", ...serverCommand(entry, ["stdio"])]), { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
    children.push(child);
    let stderr = "";
    child.stderr!.on("data", (c: Buffer) => { stderr += c.toString(); });
    const url = await until(() => /listening on (http:\/\/\S+)/.exec(stderr)?.[1], `the proxy to listen\n${stderr}`, 30_000);

    const anonymous = new Client({ name: "x", version: "1" });
    await expect(anonymous.connect(new StreamableHTTPClientTransport(new URL(url)))).rejects.toThrow(/401|Unauthorized/);

    const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } });
    const client = new Client({ name: CRAFTED, version: "1.0.0" });
    await client.connect(transport);
    const mcpSessionId = transport.sessionId!;
    expect(mcpSessionId.length).toBeGreaterThanOrEqual(40);
    try {
      const r = await client.callTool({ name: "get-sum", arguments: { a: 1, b: 2 } });
      expect(textOf(r)).toContain("Not approved: Held for review");
    } finally {
      await client.close();
    }
    await until(() => /approval \S+ pending/.test(stderr) || undefined, "the approval log line");
    // Inert: no control or format character other than the line feeds between messages.
    expect(stderr.replace(/\n/g, "")).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    expect(stderr).toContain("for Cursor\\u{1b}[2K\\r  reason:    routine read-only lookup\\n  parameters: {}\\u{202e}\\u{1b}[8m — Held for review");
    expect(stderr.split("\n").filter((l) => /^\s*reason:/.test(l))).toEqual([]);
    expect(stderr).toContain("over HTTP for ci-agent");
    expect(stderr).not.toContain(mcpSessionId);
    const files = readdirSync(rec);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{8}T\d{6}-[0-9a-f]+\.[0-9a-f]{32}\.jsonl$/);
    expect(files[0]).not.toContain(mcpSessionId);
  });
});
