/**
 * Approvals end to end: `policy enforce` (root) in front of the real memory MCP server holds a
 * call that needs approval; `policy approvals`, run as separate processes by two other OS users
 * (`runuser`), lets it through only when two different people with the right roles approved.
 * One person cannot fill both roles, a user with no role cannot vote, and records written by
 * hand (an outcome, a vote, an edited request) are rejected: the call is refused and reported.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { buildBundleFile, importLiveCatalog, readJsonl, requireServer, serverCommand, SERVERS, startProxyClient, textOf, until, type ProxyClient } from "./helpers.js";
import { FileApprovalStore } from "../../enforce/approvals/file-store.js";
import { viewOf } from "../../enforce/approvals/types.js";
import { haveRedis, RedisServer } from "../../bench/support/redis-server.js";
import { ALICE, APPROVERS_GROUP, CAROL, ensureApprovers } from "./os-users.js";
import { runCli, spawnCli } from "../support/cli.js";

const work = mkdtempSync(path.join(tmpdir(), "enforce-approvals-"));
chmodSync(work, 0o755);
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

interface Pending { request: { id: string; tool: string; args: Record<string, unknown>; reason: string; approvers: string[]; hash: string }; waitingFor: string[] }

/** Pending approvals, read in this process (`approvals list` as another user is covered below). */
async function pending(state: string): Promise<Pending[]> {
  const now = Date.now();
  return (await new FileApprovalStore(state).list()).map((x) => viewOf(x, now)).filter((v) => v.status === "pending") as unknown as Pending[];
}

async function held(state: string, before: readonly string[] = []): Promise<Pending> {
  return until(async () => (await pending(state)).find((p) => !before.includes(p.request.id)), "a pending approval");
}

async function setup(ctx: { skip: (note?: string) => void }): Promise<{ server: string[]; bundleFile: string } | undefined> {
  const entry = requireServer(SERVERS.memory.pkg, ctx);
  if (!ensureApprovers(ctx)) return undefined;
  const server = ["env", `MEMORY_FILE_PATH=${path.join(work, "memory.jsonl")}`, ...serverCommand(entry, [])];
  const catalog = path.join(work, "memory.catalog.json");
  await importLiveCatalog(server, "memory", catalog);
  writeFileSync(path.join(work, "policy.config.json"), JSON.stringify({ approvers: { technician: [ALICE], manager: [ALICE, CAROL] } }));
  const { file: bundleFile, bundle } = buildBundleFile(work, "memory", POLICIES, [catalog]);
  expect(bundle.approvers).toEqual({ manager: [ALICE, CAROL], technician: [ALICE] });
  return { server, bundleFile };
}

describe("approvals from the CLI, by two OS users", () => {
  test("two different people approve; one person cannot fill both roles; no role, no vote; a deny refuses", { timeout: 600_000 }, async (ctx) => {
    const s = await setup(ctx);
    if (!s) return;
    const state = path.join(work, "state");
    const log = path.join(work, "decisions.jsonl");
    const p = await startProxyClient(["--bundle", s.bundleFile, "--integration", "memory", "--state-dir", state, "--approvers-group", APPROVERS_GROUP, "--decision-log", log, "--approval-timeout", "600s", "--", ...s.server]);
    try {
      expect(statSync(state).mode & 0o7777).toBe(0o710);
      expect(statSync(path.join(state, "approval.key")).mode & 0o777).toBe(0o600);
      const created = await p.client.callTool({ name: "create_entities", arguments: { entities: [
        { name: "Ada", entityType: "person", observations: ["writes programs"] }, { name: "Bob", entityType: "person", observations: ["tests things"] },
      ] } });
      expect(created.isError).toBeFalsy();

      const call = p.client.callTool({ name: "delete_entities", arguments: { entityNames: ["Ada"] } }, undefined, { timeout: 600_000 });
      const h = await held(state);
      const listed = await spawnCli(["approvals", "list", "--state-dir", state, "--format", "json"], { user: CAROL });
      expect(listed.code, listed.stderr).toBe(0);
      expect((JSON.parse(listed.stdout) as Pending[]).map((x) => x.request.id)).toEqual([h.request.id]);
      expect(h.request).toMatchObject({ tool: "delete_entities", args: { entityNames: ["Ada"] }, reason: "Deleting memories needs approval", approvers: ["technician", "manager"] });
      expect(h.request.hash).toMatch(/^[0-9a-f]{64}$/);
      const id = h.request.id;
      expect(p.stderr()).toContain(`policy approvals approve ${id}`);

      const tech = await spawnCli(["approvals", "approve", id, "--as", "technician", "--state-dir", state], { user: ALICE });
      expect(tech.code, tech.stderr).toBe(0);
      expect(tech.stdout).toMatch(/approved as technician; still waiting for manager/);
      // The observed attack: the same person approving again as the other role.
      const twice = await spawnCli(["approvals", "approve", id, "--as", "manager", "--state-dir", state], { user: ALICE });
      expect(twice.code).toBe(1);
      expect(twice.stderr).toMatch(/one person fills one role/);
      // The proxy's own user is no approver here.
      const root = await runCli(["approvals", "approve", id, "--as", "manager", "--state-dir", state]);
      expect(root.code).toBe(1);
      expect(root.stderr).toMatch(/root holds no role/);
      expect(textOf(await p.client.callTool({ name: "read_graph", arguments: {} }))).toContain("Ada");
      const mgr = await spawnCli(["approvals", "approve", id, "--state-dir", state], { user: CAROL });
      expect(mgr.code, mgr.stderr).toBe(0);
      expect(mgr.stdout).toContain(`${id} is approved`);
      expect((await call).isError).toBeFalsy();
      expect(textOf(await p.client.callTool({ name: "read_graph", arguments: {} }))).not.toContain("Ada");

      const denied = p.client.callTool({ name: "delete_entities", arguments: { entityNames: ["Bob"] } }, undefined, { timeout: 600_000 });
      const h2 = await held(state, [id]);
      const d = await spawnCli(["approvals", "deny", h2.request.id, "--note", "Bob stays", "--state-dir", state], { user: CAROL });
      expect(d.code, d.stderr).toBe(0);
      expect(textOf(await denied)).toBe("Not approved: Deleting memories needs approval (denied by the manager: Bob stays)");
    } finally {
      await p.close();
    }
    const approvals = readJsonl(log).filter((l) => l["type"] === "approval");
    expect(approvals.map((l) => l["status"])).toEqual(["approved", "denied"]);
    expect(approvals[0]!["votes"]).toMatchObject([{ role: "technician", by: ALICE, verdict: "approve" }, { role: "manager", by: CAROL, verdict: "approve" }]);
    for (const v of approvals[0]!["votes"] as { at: string }[]) expect(Number.isNaN(Date.parse(v.at))).toBe(false);
  });

  test("a hand-written outcome, a forged vote and an edited request are rejected: the call is refused and reported", { timeout: 600_000 }, async (ctx) => {
    const s = await setup(ctx);
    if (!s) return;
    const state = path.join(work, "state-tamper");
    const log = path.join(work, "tamper.jsonl");
    const p: ProxyClient = await startProxyClient(["--bundle", s.bundleFile, "--integration", "memory", "--state-dir", state, "--approvers-group", APPROVERS_GROUP, "--decision-log", log, "--approval-timeout", "600s", "--", ...s.server]);
    const seen: string[] = [];
    const attempt = async (tamper: (dir: string, h: Pending) => void | Promise<void>, tool = "delete_observations") => {
      await p.client.callTool({ name: "create_entities", arguments: { entities: [{ name: "Eve", entityType: "person", observations: ["x"] }] } });
      const args = tool === "delete_observations" ? { deletions: [{ entityName: "Eve", observations: ["x"] }] } : { entityNames: ["Eve"] };
      const reason = tool === "delete_observations" ? "Removing observations needs approval" : "Deleting memories needs approval";
      const call = p.client.callTool({ name: tool, arguments: args }, undefined, { timeout: 600_000 });
      const h = await held(state, seen);
      seen.push(h.request.id);
      await tamper(path.join(state, "approvals", h.request.id), h);
      const r = await call;
      expect(r.isError, `${textOf(r)}\n${p.stderr()}`).toBe(true);
      expect(textOf(r)).toBe(`Not approved: ${reason} (the approval records were tampered with, so the call was not made)`);
      return h.request.id;
    };
    try {
      // An approver writes outcome.json by hand (the group may add files to the request folder).
      const a = await attempt((dir, h) => writeFileSync(path.join(dir, "outcome.json"), JSON.stringify({ status: "approved", at: new Date().toISOString(), by: CAROL, hash: h.request.hash }), { mode: 0o640 }));
      // A vote file not recorded by the proxy.
      const b = await attempt((dir, h) => writeFileSync(path.join(dir, "vote-manager.json"), JSON.stringify({ role: "manager", verdict: "approve", by: CAROL, at: new Date().toISOString(), hash: h.request.hash, mac: "f".repeat(64) })));
      // request.json edited so that one vote is enough (technician + manager → any one approver), then one vote.
      const c = await attempt(async (dir) => {
        const f = path.join(dir, "request.json");
        writeFileSync(f, JSON.stringify({ ...JSON.parse(readFileSync(f, "utf8")) as object, approvers: [] }));
        await spawnCli(["approvals", "approve", path.basename(dir), "--state-dir", state, "--wait", "1s"], { user: CAROL });
      }, "delete_entities");
      const tampered = readJsonl(log).filter((l) => l["type"] === "approval" && l["tampered"]);
      expect(tampered.map((l) => l["approval_id"])).toEqual([a, b, c]);
      expect(p.stderr()).toMatch(new RegExp(`approval ${a} refused: its records were tampered with`));
      expect(textOf(await p.client.callTool({ name: "read_graph", arguments: {} }))).toContain("Eve");
      expect(readdirSync(path.join(state, "approvals")).length).toBe(3);
    } finally {
      await p.close();
    }
  });

  test("no answer within --approval-timeout denies", { timeout: 120_000 }, async (ctx) => {
    const s = await setup(ctx);
    if (!s) return;
    const state = path.join(work, "state-timeout");
    const q = await startProxyClient(["--bundle", s.bundleFile, "--integration", "memory", "--state-dir", state, "--approval-timeout", "2s", "--", ...s.server]);
    try {
      const t0 = Date.now();
      const expired = await q.client.callTool({ name: "delete_observations", arguments: { deletions: [{ entityName: "Bob", observations: ["tests things"] }] } }, undefined, { timeout: 60_000 });
      expect(textOf(expired)).toBe("Not approved: Removing observations needs approval (no approval within 2s, so the call was not made)");
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
      const r = await runCli(["approvals", "list", "--state-dir", state, "--format", "json"]);
      expect(JSON.parse(r.stdout)).toEqual([]);
    } finally {
      await q.close();
    }
  });

  test.skipIf(!haveRedis())("with --store redis://: ballots from the CLI, votes and the outcome sealed by the proxy", { timeout: 600_000 }, async (ctx) => {
    const s = await setup(ctx);
    if (!s) return;
    const redis = await RedisServer.start();
    const state = path.join(work, "state-redis");
    const p = await startProxyClient(["--bundle", s.bundleFile, "--integration", "memory", "--store", redis.url, "--state-dir", state, "--approval-timeout", "600s", "--", ...s.server]);
    try {
      await p.client.callTool({ name: "create_entities", arguments: { entities: [{ name: "Rex", entityType: "dog", observations: ["barks"] }] } });
      const call = p.client.callTool({ name: "delete_observations", arguments: { deletions: [{ entityName: "Rex", observations: ["barks"] }] } }, undefined, { timeout: 600_000 });
      const id = (await p.waitForStderr(/approval (ap-[a-z0-9]+) pending/, 120_000))[1]!;
      const nobody = await runCli(["approvals", "approve", id, "--store", redis.url]);
      expect(nobody.code).toBe(1);
      expect(nobody.stderr).toMatch(/root holds no role/);
      const ok = await spawnCli(["approvals", "approve", id, "--store", redis.url], { user: CAROL });
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toContain(`${id} is approved`);
      expect((await call).isError).toBeFalsy();
      expect(statSync(path.join(state, "approval.key")).mode & 0o777).toBe(0o600);
    } finally {
      await p.close();
      await redis.stop();
    }
  });
});
