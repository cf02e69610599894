/**
 * Shared pieces of the enforcement tests: real MCP servers from npm (devDependencies; missing
 * ones fail under CI=true and skip otherwise), catalogs imported from their live `tools/list`,
 * bundles built with the compiler, and `policy enforce` run as a separate process (the built binary;
 * test/support/cli.ts runs other commands in-process or spawned).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer, type IncomingMessage, type Server } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { importMcp } from "../../importers/catalog/index.js";
import { formatCatalog } from "../../importers/catalog/index.js";
import { loadProject } from "../../compiler/project.js";
import { buildBundle, serializeBundle } from "../../compiler/emit/index.js";
import type { Bundle } from "../../runtime/types.js";
import { cliCommand } from "../support/cli.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const NODE_MODULES = process.env.MCP_SERVERS_NODE_MODULES ?? path.join(ROOT, "node_modules");

export const SERVERS = {
  everything: { pkg: "@modelcontextprotocol/server-everything", args: ["stdio"] },
  memory: { pkg: "@modelcontextprotocol/server-memory", args: [] as string[] },
  filesystem: { pkg: "@modelcontextprotocol/server-filesystem", args: [] as string[] },
} as const;

/** The entry script of an installed server package, or undefined. */
export function serverEntry(pkg: string): string | undefined {
  const manifest = path.join(NODE_MODULES, pkg, "package.json");
  if (!existsSync(manifest)) return undefined;
  const json = JSON.parse(readFileSync(manifest, "utf8")) as { bin?: string | Record<string, string> };
  const bin = typeof json.bin === "string" ? json.bin : Object.values(json.bin ?? {})[0];
  return bin === undefined ? undefined : path.join(NODE_MODULES, pkg, bin);
}

/** The entry of a server, or (outside CI) undefined after marking the test skipped. */
export function requireServer(pkg: string, ctx: { skip: (note?: string) => void }): string {
  const entry = serverEntry(pkg);
  if (entry !== undefined) return entry;
  const message = `${pkg} is not installed in ${NODE_MODULES} (it is a devDependency)`;
  if (process.env.CI === "true") throw new Error(message);
  ctx.skip(message);
  throw new Error(message);
}

/** The command line that starts a server over stdio. */
export function serverCommand(entry: string, args: readonly string[]): string[] {
  return [process.execPath, entry, ...args];
}

/** Catalogs imported by this test file, by command line, integration and environment. */
const imported = new Map<string, string>();

/**
 * Where the catalogs of the npm servers (SERVERS) imported during this run are kept for the other
 * test files: a folder per vitest run (the workers' parent process; the e2e project's global
 * setup removes it at the end). Their `tools/list` does not depend on the folders and files
 * they are given (temporary, different in every file), so those are left out of the key; any
 * other server (a test's own script) is imported by every file that starts it.
 */
const RUN_CATALOGS = path.join(tmpdir(), `policy-test-catalogs-${process.ppid}`);

function runKey(command: readonly string[], integration: string, env: Record<string, string>): string | undefined {
  const npmServer = Object.values(SERVERS).some((s) => { const e = serverEntry(s.pkg); return e !== undefined && command.includes(e); });
  if (!npmServer) return undefined;
  const tmp = (x: string) => x.split(tmpdir()).length > 1 ? x.slice(0, x.indexOf(tmpdir())) + "<tmp>" : x;
  const key = JSON.stringify([command.map(tmp), integration, Object.entries(env).map(([k, v]) => [k, tmp(v)])]);
  return createHash("sha256").update(key).digest("hex").slice(0, 32);
}

/**
 * Imports a live server's `tools/list` as a catalog file (what `policy catalog import --from mcp`
 * does). The same server asked again in the same test file is not started again: the catalog it
 * gave is written to `file`; nor is an npm server another file of this run already asked.
 */
export async function importLiveCatalog(command: readonly string[], integration: string, file: string, env: Record<string, string> = {}): Promise<void> {
  const key = JSON.stringify([command, integration, env]);
  const known = imported.get(key);
  if (known !== undefined) { writeFileSync(file, known); return; }
  const shared = runKey(command, integration, env);
  const sharedFile = shared && path.join(RUN_CATALOGS, `${shared}.json`);
  if (sharedFile && existsSync(sharedFile)) {
    const text = readFileSync(sharedFile, "utf8");
    writeFileSync(file, text);
    imported.set(key, text);
    return;
  }
  const transport = new StdioClientTransport({ command: command[0]!, args: command.slice(1), stderr: "ignore", env: { ...(process.env as Record<string, string>), ...env } });
  const client = new Client({ name: "enforce-test-import", version: "0.0.0" });
  await client.connect(transport);
  try {
    const r = importMcp(await client.listTools(), { integration });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const text = formatCatalog(r.catalog);
    writeFileSync(file, text);
    imported.set(key, text);
    if (sharedFile) {
      mkdirSync(RUN_CATALOGS, { recursive: true });
      writeFileSync(`${sharedFile}.${process.pid}`, text);
      renameSync(`${sharedFile}.${process.pid}`, sharedFile); // whole or absent for a reader
    }
  } finally {
    await client.close();
  }
}

/** Compiles policy source with user catalogs into a bundle file. */
export function buildBundleFile(dir: string, name: string, source: string, catalogs: readonly string[]): { file: string; bundle: Bundle } {
  mkdirSync(dir, { recursive: true });
  const policyFile = path.join(dir, `${name}.policy`);
  writeFileSync(policyFile, source);
  const loaded = loadProject([policyFile], { catalogs: [...catalogs], cwd: dir });
  const errors = loaded.project.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(errors.map((d) => `${d.code} ${d.span.line}:${d.span.column} ${d.message}`).join("\n"));
  const bundle = buildBundle(loaded.project);
  const file = path.join(dir, `${name}.bundle.json`);
  writeFileSync(file, serializeBundle(bundle));
  return { file, bundle };
}

/** Arguments that run the built CLI in a child process (`node <cliArgs>`). */
export function cliArgs(args: readonly string[]): string[] {
  return cliCommand(args).slice(1);
}

export interface ProxyClient {
  readonly client: Client;
  /** Everything the proxy wrote to stderr so far. */
  stderr(): string;
  /** Resolves when stderr contains a match of `re`. */
  waitForStderr(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  close(): Promise<void>;
}

/** Starts `policy enforce <args>` as a child process and connects the SDK client to it over stdio. */
export async function startProxyClient(args: readonly string[], opts: { cwd?: string; clientName?: string } = {}): Promise<ProxyClient> {
  const transport = new StdioClientTransport({ command: process.execPath, args: cliArgs(["enforce", ...args]), stderr: "pipe", cwd: opts.cwd ?? ROOT, env: { ...(process.env as Record<string, string>) } });
  let err = "";
  transport.stderr?.on("data", (c: Buffer) => { err += c.toString(); });
  const client = new Client({ name: opts.clientName ?? "Cursor", version: "1.0.0" });
  try {
    await client.connect(transport);
  } catch (e) {
    throw new Error(`the proxy did not start: ${(e as Error).message}\n${err}`);
  }
  return {
    client,
    stderr: () => err,
    waitForStderr: async (re, timeoutMs = 20_000) => {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const m = re.exec(err);
        if (m) return m;
        if (Date.now() > until) throw new Error(`stderr never matched ${re}:\n${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => client.close(),
  };
}

/** A local webhook receiver on 127.0.0.1 (a free port) that records JSON bodies. */
export async function webhookReceiver(respond: (n: number) => number = () => 200): Promise<{ url: string; bodies: unknown[]; hits: number; server: Server; close(): Promise<void> }> {
  const state = { bodies: [] as unknown[], hits: 0 };
  const server = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (c: Buffer) => { body += c.toString(); });
    req.on("end", () => {
      state.hits++;
      const status = respond(state.hits);
      if (status === 200) { try { state.bodies.push(JSON.parse(body)); } catch { state.bodies.push(body); } }
      if (status === 0) return; // never answer
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "error");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hook`, server,
    get bodies() { return state.bodies; },
    get hits() { return state.hits; },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

export async function until<T>(f: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function textOf(r: unknown): string {
  const c = (r as { content?: { type: string; text?: string }[] }).content ?? [];
  return c.filter((x) => x.type === "text").map((x) => x.text ?? "").join("\n");
}

export function readJsonl(file: string): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}
