/**
 * The start-up check, with the real filesystem and memory servers: configurations that would
 * make every policy miss (`--integration` left out, the same server under a second upstream id)
 * and tools or request paths that no policy and no default can decide are reported before
 * serving; `--strict` refuses to start (exit 2, the findings in the message).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startProxy, StartupCheckError } from "../../enforce/start.js";
import type { Bundle } from "../../runtime/types.js";
import { parseUpstream } from "../../enforce/upstream.js";
import { buildBundleFile, importLiveCatalog, serverCommand, serverEntry, SERVERS, textOf } from "./helpers.js";
import { runCli } from "../support/cli.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";

const work = mkdtempSync(path.join(tmpdir(), "enforce-startup-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const fsEntry = serverEntry(SERVERS.filesystem.pkg);
const memEntry = serverEntry(SERVERS.memory.pkg);
if ((!fsEntry || !memEntry) && process.env.CI === "true") throw new Error("server-filesystem and server-memory are devDependencies: install them");
const sandbox = path.join(work, "sandbox");
const fsCommand = () => serverCommand(fsEntry!, [sandbox]);
const memEnv = { MEMORY_FILE_PATH: path.join(work, "memory.jsonl") };
const catalogs: string[] = [];

const WRITES_ONLY = `
policy "No writes" {
  if tool is filesystem.write_file
  action block "no writes"
}
policy "No graph reads" {
  if tool is memory.read_graph
  action block "no graph"
}
`;
let writesOnly: { file: string; bundle: Bundle };
let withDefault: { file: string; bundle: Bundle };

beforeAll(async () => {
  if (!fsEntry || !memEntry) return;
  mkdirSync(sandbox, { recursive: true });
  await importLiveCatalog(fsCommand(), "filesystem", path.join(work, "filesystem.catalog.json"));
  await importLiveCatalog(serverCommand(memEntry, []), "memory", path.join(work, "memory.catalog.json"), memEnv);
  catalogs.push(path.join(work, "filesystem.catalog.json"), path.join(work, "memory.catalog.json"));
  writesOnly = buildBundleFile(work, "writes", WRITES_ONLY, catalogs);
  withDefault = buildBundleFile(work, "default", `${WRITES_ONLY}\ndefault by operation { Read: allow  Write: require_approval  Delete: block  Unknown: block }\n`, catalogs);
}, 60_000);

async function findings(bundle: Bundle, upstreams: Parameters<typeof startProxy>[0]["upstreams"], strict = false): Promise<string[]> {
  const out: string[] = [];
  const p = await startProxy({ bundle, upstreams, watch: false, upstreamStderr: "ignore", warn: (m) => out.push(m), strict, stateDir: path.join(work, "state") });
  await p.close();
  return out;
}

describe.skipIf(!fsEntry || !memEntry)("start-up check", () => {
  test("--integration left out: the server's own name is no catalog integration; the hint names the one its tools match", { timeout: 30_000 }, async () => {
    const out = await findings(withDefault.bundle, [{ command: fsCommand() }]);
    const w = out.find((m) => m.includes("has no integration"));
    expect(w).toMatch(/upstream "secure_filesystem" \(secure-filesystem-server\) has no integration in the bundle's catalog/);
    expect(w).toMatch(/its tools are those of integration "filesystem" \(\d+ of \d+\): start it as --integration filesystem/);
  });

  test("the same server under a second upstream id is reported as such", { timeout: 30_000 }, async () => {
    const out = await findings(withDefault.bundle, [{ integration: "filesystem", command: fsCommand() }, { integration: "files2", command: fsCommand() }]);
    expect(out.filter((m) => m.includes("has no integration"))).toHaveLength(1);
    expect(out.join("\n")).toMatch(/upstream "files2" .*which upstream "filesystem" already serves/);
  });

  test("tools and request paths no policy and no default can decide are listed; a default covers them", { timeout: 30_000 }, async () => {
    const out = await findings(writesOnly.bundle, [{ integration: "filesystem", command: fsCommand() }, { integration: "memory", command: serverCommand(memEntry!, []), env: memEnv }]);
    const fsLine = out.find((m) => m.startsWith("warning: upstream \"filesystem\":"))!;
    expect(fsLine).toContain("read_text_file");
    expect(fsLine).not.toMatch(/\bwrite_file\b/);
    const memLine = out.find((m) => m.startsWith("warning: upstream \"memory\":"))!;
    expect(memLine).toContain("resources/read");
    expect(memLine).not.toContain("read_graph");
    expect(await findings(withDefault.bundle, [{ integration: "filesystem", command: fsCommand() }])).toEqual([]);
  });

  test("an upstream id spelt differently from the catalog's (`my-fs` for `my_fs`) is the catalog's integration, and its policies apply", { timeout: 30_000 }, async () => {
    const catalog = path.join(work, "my-fs.catalog.json");
    // The catalog spells it `my_fs` (catalog import keeps what it is given); the upstream `my-fs`.
    await importLiveCatalog(fsCommand(), "my_fs", catalog);
    const { bundle } = buildBundleFile(path.join(work, "hy"), "hy", `policy "No writes" {\n  if tool is my_fs.write_file\n  action block "no writes"\n}\ndefault allow\n`, [catalog]);
    expect(parseUpstream("my-fs=node server.js")).toEqual({ integration: "my-fs", command: ["node", "server.js"] });
    expect(await findings(bundle, [{ integration: "my-fs", command: fsCommand() }])).toEqual([]);
    const p = await startProxy({ bundle, upstreams: [{ integration: "my-fs", command: fsCommand() }], watch: false, upstreamStderr: "ignore", stateDir: path.join(work, "state") });
    try {
      expect(p.gateway.upstreams[0]!.integration).toBe("my_fs");
      const [a, b] = InMemoryTransport.createLinkedPair();
      await p.gateway.createSession().server.connect(b);
      const c = new Client({ name: "Cursor", version: "1" });
      await c.connect(a);
      expect(textOf(await c.callTool({ name: "write_file", arguments: { path: path.join(sandbox, "x.txt"), content: "x" } }))).toBe("Blocked by policy: no writes");
      await c.close();
    } finally {
      await p.close();
    }
  });

  test("strict: the library throws the findings, the CLI exits 2 with them", { timeout: 60_000 }, async () => {
    const err = await findings(writesOnly.bundle, [{ command: fsCommand() }], true).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(StartupCheckError);
    expect((err as StartupCheckError).findings.map((f) => f.kind).sort()).toEqual(["no_integration", "undecidable"]);
    const r = await runCli(["enforce", "--bundle", writesOnly.file, "--strict", "--state-dir", path.join(work, "state"), "--", ...fsCommand()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("the start-up check failed (--strict)");
    expect(r.stderr).toContain("start it as --integration filesystem");
  });
});
