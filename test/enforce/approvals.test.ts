/**
 * Approvals end to end: `policy enforce` in front of the real memory MCP server holds a call
 * that needs approval; `policy approvals list|approve|deny`, run as separate processes, let it
 * through (both technician and manager when the policy says so), deny it, or let it time out.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { buildBundleFile, importLiveCatalog, readJsonl, requireServer, runCli, serverCommand, SERVERS, startProxyClient, textOf, until } from "./helpers.js";

const work = mkdtempSync(path.join(tmpdir(), "enforce-approvals-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const POLICIES = `
policy "Deleting memories needs a technician and a manager" {
  if tool is memory.delete_entities
  action require_approval "Deleting memories needs approval" from [technician, manager]
}
policy "Removing observations needs one approver" {
  if tool is memory.delete_observations
  action require_approval "Removing observations needs approval"
}
policy "Everything else on memory is fine" {
  if integration is memory
  action allow
}
`;

interface Pending { request: { id: string; tool: string; args: Record<string, unknown>; reason: string; approvers: string[] }; waitingFor: string[] }

async function pending(state: string): Promise<Pending[]> {
  const r = await runCli(["approvals", "list", "--state-dir", state, "--format", "json"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Pending[];
}

describe("approvals from the CLI", () => {
  test("technician and manager approve from separate processes; a deny refuses; a timeout denies", { timeout: 120_000 }, async (ctx) => {
    const entry = requireServer(SERVERS.memory.pkg, ctx);
    const memoryFile = path.join(work, "memory.jsonl");
    const server = ["env", `MEMORY_FILE_PATH=${memoryFile}`, ...serverCommand(entry, [])];
    const catalog = path.join(work, "memory.catalog.json");
    await importLiveCatalog(server, "memory", catalog);
    const { file: bundleFile } = buildBundleFile(work, "memory", POLICIES, [catalog]);
    const state = path.join(work, "state");
    const log = path.join(work, "decisions.jsonl");
    const p = await startProxyClient(["--bundle", bundleFile, "--integration", "memory", "--state-dir", state, "--decision-log", log, "--approval-timeout", "60s", "--", ...server]);
    try {
      const created = await p.client.callTool({ name: "create_entities", arguments: { entities: [
        { name: "Ada", entityType: "person", observations: ["writes programs", "likes engines"] },
        { name: "Bob", entityType: "person", observations: ["tests things"] },
      ] } });
      expect(created.isError).toBeFalsy();

      // 1. Two approvers: the call waits until both have approved.
      const call = p.client.callTool({ name: "delete_entities", arguments: { entityNames: ["Ada"] } }, undefined, { timeout: 60_000 });
      const [held] = await until(async () => { const l = await pending(state); return l.length ? l : undefined; }, "a pending approval");
      expect(held!.request).toMatchObject({ tool: "delete_entities", args: { entityNames: ["Ada"] }, reason: "Deleting memories needs approval", approvers: ["technician", "manager"] });
      const id = held!.request.id;
      expect(p.stderr()).toContain(`policy approvals approve ${id}`);

      const noRole = await runCli(["approvals", "approve", id, "--state-dir", state]);
      expect(noRole.code).toBe(1);
      expect(noRole.stderr).toMatch(/--as technician\|manager/);
      const tech = await runCli(["approvals", "approve", id, "--as", "technician", "--by", "tess", "--state-dir", state]);
      expect(tech.code, tech.stderr).toBe(0);
      expect(tech.stdout).toMatch(/still waiting for manager/);
      // Still held: the graph still has Ada.
      const mid = await p.client.callTool({ name: "read_graph", arguments: {} });
      expect(textOf(mid)).toContain("Ada");
      const mgr = await runCli(["approvals", "approve", id, "--as", "manager", "--by", "max", "--state-dir", state]);
      expect(mgr.code, mgr.stderr).toBe(0);
      expect(mgr.stdout).toContain(`${id} is approved`);
      const done = await call;
      expect(done.isError).toBeFalsy();
      const after = await p.client.callTool({ name: "read_graph", arguments: {} });
      expect(textOf(after)).not.toContain("Ada");
      expect(textOf(after)).toContain("Bob");
      const again = await runCli(["approvals", "approve", id, "--as", "manager", "--state-dir", state]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/already approved/);

      // 2. One denial refuses the call; the agent sees the reason, the server is not called.
      const denied = p.client.callTool({ name: "delete_entities", arguments: { entityNames: ["Bob"] } }, undefined, { timeout: 60_000 });
      const [h2] = await until(async () => { const l = await pending(state); return l.length ? l : undefined; }, "a second pending approval");
      const d = await runCli(["approvals", "deny", h2!.request.id, "--as", "manager", "--note", "Bob stays", "--state-dir", state]);
      expect(d.code, d.stderr).toBe(0);
      const refused = await denied;
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toBe("Not approved: Deleting memories needs approval (denied by the manager: Bob stays)");
      expect(textOf(await p.client.callTool({ name: "read_graph", arguments: {} }))).toContain("Bob");

    } finally {
      await p.close();
    }

    // 3. No answer within --approval-timeout denies.
    const q = await startProxyClient(["--bundle", bundleFile, "--integration", "memory", "--state-dir", state, "--decision-log", log, "--approval-timeout", "2s", "--", ...server]);
    try {
      const t0 = Date.now();
      const expired = await q.client.callTool({ name: "delete_observations", arguments: { deletions: [{ entityName: "Bob", observations: ["tests things"] }] } }, undefined, { timeout: 60_000 });
      expect(expired.isError).toBe(true);
      expect(textOf(expired)).toBe("Not approved: Removing observations needs approval (no approval within 2s, so the call was not made)");
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
      expect(textOf(await q.client.callTool({ name: "read_graph", arguments: {} }))).toContain("tests things");
      expect(await pending(state)).toEqual([]);
    } finally {
      await q.close();
    }
    const approvals = readJsonl(log).filter((l) => l["type"] === "approval").map((l) => l["status"]);
    expect(approvals).toEqual(["approved", "denied", "expired"]);
  });
});
