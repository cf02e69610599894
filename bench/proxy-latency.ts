/**
 * The proxy's added latency per call: the same `tools/call` sent by the SDK client to the
 * upstream directly (stdio) and through the proxy (stdio → proxy process → stdio), p50 / p99.
 * The upstream is `@modelcontextprotocol/server-everything` (a devDependency), tool `get-sum`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { formatCatalog, importMcp } from "../importers/catalog/index.js";
import { loadProject } from "../compiler/project.js";
import { buildBundle, serializeBundle } from "../compiler/emit/index.js";

export interface LatencyStats {
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
}

export interface ProxyLatency {
  readonly calls: number;
  readonly tool: string;
  /** Milliseconds per call, client → upstream directly. */
  readonly direct: LatencyStats;
  /** Milliseconds per call, client → proxy → upstream. */
  readonly proxied: LatencyStats;
  /** What the proxy adds (proxied − direct), milliseconds. */
  readonly added: { readonly p50: number; readonly p99: number };
  readonly policies: number;
}

/** Policies a real deployment might have: static and session conditions, none of them matching get-sum's block. */
const POLICIES = `
policy "No long operations" {
  if tool is everything.trigger-long-running-operation
  action block "Long-running operations are not allowed"
}
policy "Never toggle logging" {
  if tool is everything.toggle-simulated-logging
  action hide
}
policy "Untrusted content then external communication" {
  if session has untrusted_content
  if tool has external_communication
  action require_approval "Untrusted content was read in this session"
}
policy "Big sums need a look" {
  if tool is everything.get-sum
  if args.a > 1000000
  action require_approval "Unusually large numbers"
}
policy "Rate limit" {
  if integration is everything
  if rate(1m) > 100000
  action block "Too many calls"
}
`;

/** A file inside an installed package, looked up from this module upwards. */
function findInPackage(pkg: string, file: (manifest: Record<string, unknown>) => string): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const manifest = path.join(dir, "node_modules", pkg, "package.json");
    if (existsSync(manifest)) return path.join(path.dirname(manifest), file(JSON.parse(readFileSync(manifest, "utf8")) as Record<string, unknown>));
    dir = path.dirname(dir);
  }
  throw new Error(`${pkg} is not installed (it is a devDependency)`);
}

const findServer = () => findInPackage("@modelcontextprotocol/server-everything", (m) => Object.values(m["bin"] as Record<string, string>)[0]!);

function stats(ms: number[]): LatencyStats {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return { p50: round(at(0.5)), p99: round(at(0.99)), mean: round(s.reduce((a, b) => a + b, 0) / s.length) };
}

async function connect(command: string, args: string[]): Promise<Client> {
  const client = new Client({ name: "bench", version: "0" });
  await client.connect(new StdioClientTransport({ command, args, stderr: "ignore" }));
  return client;
}

/** Calls both clients alternately (so that machine noise hits both alike); milliseconds per call. */
async function timeCalls(clients: readonly Client[], calls: number, warmup: number): Promise<number[][]> {
  const out: number[][] = clients.map(() => []);
  for (let i = 0; i < warmup + calls; i++) {
    for (let k = 0; k < clients.length; k++) {
      const t0 = performance.now();
      await clients[k]!.callTool({ name: "get-sum", arguments: { a: i, b: 1 } });
      if (i >= warmup) out[k]!.push(performance.now() - t0);
    }
  }
  return out;
}

/** Measures the proxy's added latency per call (p50/p99, ms) against calling the upstream directly. */
export async function benchProxyLatency(opts: { calls?: number; warmup?: number } = {}): Promise<ProxyLatency> {
  const calls = opts.calls ?? 500;
  const warmup = opts.warmup ?? 50;
  const server = findServer();
  const work = mkdtempSync(path.join(tmpdir(), "enforce-bench-"));
  try {
    // A catalog from the server's own tools/list, and a bundle compiled against it.
    const lister = new Client({ name: "bench", version: "0" });
    await lister.connect(new StdioClientTransport({ command: process.execPath, args: [server, "stdio"], stderr: "ignore" }));
    const imported = importMcp(await lister.listTools(), { integration: "everything" });
    await lister.close();
    if (!imported.ok) throw new Error("cannot import the server's tools");
    writeFileSync(path.join(work, "everything.json"), formatCatalog(imported.catalog));
    writeFileSync(path.join(work, "bench.policy"), POLICIES);
    const loaded = loadProject([path.join(work, "bench.policy")], { catalogs: [path.join(work, "everything.json")], cwd: work });
    const errors = loaded.project.diagnostics.filter((d) => d.severity === "error");
    if (errors.length) throw new Error(errors.map((d) => d.message).join("; "));
    const bundle = buildBundle(loaded.project);
    const bundleFile = path.join(work, "bundle.json");
    writeFileSync(bundleFile, serializeBundle(bundle));

    const here = fileURLToPath(import.meta.url);
    const runner = path.join(path.dirname(here), "..", "enforce", `run-proxy${path.extname(here)}`);
    // From source (.ts) the proxy process needs tsx's loader; from dist it is plain JavaScript.
    const loader = path.extname(here) === ".ts" ? ["--import", pathToFileURL(findInPackage("tsx", () => "dist/loader.mjs")).href] : [];
    const clients = [
      await connect(process.execPath, [server, "stdio"]),
      await connect(process.execPath, [...loader, runner, bundleFile, "everything", "--", process.execPath, server, "stdio"]),
    ];
    let direct: number[], proxied: number[];
    try {
      [direct, proxied] = (await timeCalls(clients, calls, warmup)) as [number[], number[]];
    } finally {
      for (const c of clients) await c.close();
    }
    const d = stats(direct);
    const p = stats(proxied);
    const round = (x: number) => Math.round(x * 1000) / 1000;
    return { calls, tool: "everything.get-sum", direct: d, proxied: p, added: { p50: round(p.p50 - d.p50), p99: round(p.p99 - d.p99) }, policies: bundle.policies.length };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
