/**
 * A hyphenated integration id (`sequential-thinking`, the name of a real MCP server) goes the
 * whole way: imported from the live server without being rewritten to `_`, checked, built, and
 * enforced with `--integration sequential-thinking` and with `--upstream "sequential-thinking=…"`
 * (read as name=command, not as one command line).
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { buildBundleFile, importLiveCatalog, requireServer, serverCommand, SERVERS, startProxyClient, textOf } from "./helpers.js";

const POLICY = `policy "No new entities" {
  id no-entities
  if integration is sequential-thinking
  if tool is create_entities
  action block "no new entities"
}
`;

async function setup(ctx: { skip: (note?: string) => void }): Promise<{ server: string[]; bundle: string }> {
  const entry = requireServer(SERVERS.memory.pkg, ctx);
  const server = serverCommand(entry, SERVERS.memory.args);
  const work = mkdtempSync(path.join(tmpdir(), "hyphen-"));
  const catalog = path.join(work, "sequential-thinking.catalog.json");
  await importLiveCatalog(server, "sequential-thinking", catalog);
  expect((JSON.parse(readFileSync(catalog, "utf8")) as { integrations: { id: string }[] }).integrations[0]!.id).toBe("sequential-thinking");
  return { server, bundle: buildBundleFile(work, "hyphen", POLICY, [catalog]).file };
}

async function blocksCreate(args: readonly string[]): Promise<void> {
  const p = await startProxyClient(args);
  try {
    const r = await p.client.callTool({ name: "create_entities", arguments: { entities: [] } });
    expect(textOf(r)).toBe("Blocked by policy: no new entities");
    const read = await p.client.callTool({ name: "read_graph", arguments: {} });
    expect(read.isError).toBeFalsy();
    expect(p.stderr()).toContain("upstream sequential-thinking:");
  } finally {
    await p.close();
  }
}

describe("a hyphenated integration id is enforceable", () => {
  test("--integration sequential-thinking -- <command>", { timeout: 60_000 }, async (ctx) => {
    const { server, bundle } = await setup(ctx);
    await blocksCreate(["--bundle", bundle, "--integration", "sequential-thinking", "--", ...server]);
  });

  test('--upstream "sequential-thinking=<command line>" is read as name=command', { timeout: 60_000 }, async (ctx) => {
    const { server, bundle } = await setup(ctx);
    await blocksCreate(["--bundle", bundle, "--upstream", `sequential-thinking=${server.map((w) => JSON.stringify(w)).join(" ")}`]);
  });
});
