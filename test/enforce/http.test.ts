/**
 * Streamable HTTP on both sides, and several upstreams behind one proxy:
 * `policy enforce --listen 127.0.0.1:0 --upstream fs=<stdio server> --upstream everything=http://…`
 * driven by the SDK client over HTTP. Tools are namespaced `<integration>__<tool>`; decisions
 * name the right integration; a blocked write never reaches the filesystem server.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { buildBundleFile, cliArgs, importLiveCatalog, readJsonl, requireServer, ROOT, serverCommand, SERVERS, textOf, until } from "./helpers.js";

const work = mkdtempSync(path.join(tmpdir(), "enforce-http-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill();
  if (!process.env.KEEP) rmSync(work, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
}

function start(cmd: string, args: string[], env: Record<string, string> = {}): { child: ChildProcess; stderr: () => string } {
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...(process.env as Record<string, string>), ...env }, stdio: ["ignore", "ignore", "pipe"] });
  children.push(child);
  let err = "";
  child.stderr!.on("data", (c: Buffer) => { err += c.toString(); });
  return { child, stderr: () => err };
}

const POLICIES = `
policy "Agents may not write files" {
  if tool is fs.write_file
  action block "Writing files is not allowed for agents"
}
policy "Never toggle logging" {
  if tool is everything.toggle-simulated-logging
  action hide
}
`;

describe("policy enforce over Streamable HTTP with several upstreams", () => {
  test("namespaced tools, hidden and blocked calls, an HTTP upstream", { timeout: 90_000 }, async (ctx) => {
    const fsEntry = requireServer(SERVERS.filesystem.pkg, ctx);
    const evEntry = requireServer(SERVERS.everything.pkg, ctx);
    const sandbox = path.join(work, "sandbox");
    mkdirSync(sandbox, { recursive: true });
    const fsCmd = serverCommand(fsEntry, [sandbox]);
    await importLiveCatalog(fsCmd, "fs", path.join(work, "fs.json"));
    await importLiveCatalog(serverCommand(evEntry, ["stdio"]), "everything", path.join(work, "everything.json"));
    const { file } = buildBundleFile(work, "http", POLICIES, [path.join(work, "fs.json"), path.join(work, "everything.json")]);

    // server-everything over Streamable HTTP, as a remote upstream.
    const evPort = await freePort();
    const ev = start(process.execPath, [evEntry, "streamableHttp"], { PORT: String(evPort) });
    await until(() => /listening|running/i.test(ev.stderr()) || undefined, `server-everything on port ${evPort}`, 20_000).catch(() => undefined);

    const log = path.join(work, "decisions.jsonl");
    const proxy = start(process.execPath, cliArgs(["enforce", "--bundle", file, "--listen", "127.0.0.1:0", "--decision-log", log, "--state-dir", path.join(work, "state"),
      "--upstream", `fs=${fsCmd.map((w) => JSON.stringify(w)).join(" ")}`, "--upstream", `everything=http://127.0.0.1:${evPort}/mcp`]));
    const url = await until(() => /listening on (http:\/\/\S+)/.exec(proxy.stderr())?.[1], `the proxy to listen\n${proxy.stderr()}`, 30_000);

    const client = new Client({ name: "Windsurf", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toContain("fs__read_text_file");
      expect(names).toContain("everything__get-sum");
      expect(names).not.toContain("everything__toggle-simulated-logging");

      const sum = await client.callTool({ name: "everything__get-sum", arguments: { a: 20, b: 22 } });
      expect(textOf(sum)).toContain("42");
      const hidden = await client.callTool({ name: "everything__toggle-simulated-logging", arguments: {} });
      expect(hidden.isError).toBe(true);
      const target = path.join(sandbox, "x.txt");
      const wrote = await client.callTool({ name: "fs__write_file", arguments: { path: target, content: "no" } });
      expect(textOf(wrote)).toBe("Blocked by policy: Writing files is not allowed for agents");
      expect(existsSync(target)).toBe(false);
      const listed = await client.callTool({ name: "fs__list_allowed_directories", arguments: {} });
      expect(textOf(listed)).toContain(sandbox);
    } finally {
      await client.close();
    }
    const decisions = readJsonl(log).filter((l) => l["type"] === "decision" && l["event"] === "tool_call_request");
    expect(decisions.map((d) => [d["integration"], d["tool"], d["effect"]])).toEqual([
      ["everything", "get-sum", "allow"],
      ["everything", "toggle-simulated-logging", "block"],
      ["fs", "write_file", "block"],
      ["fs", "list_allowed_directories", "allow"],
    ]);
    expect(decisions.every((d) => (d["agent"] as { name?: string }).name === "Windsurf")).toBe(true);
  });
});
