/**
 * Held calls across cancellation and restarts, against the real memory MCP server in raw
 * JSON-RPC: an agent that reuses a request id cannot keep a cancelled call alive (it is refused
 * and never runs, even when approved afterwards); a proxy killed with SIGKILL leaves requests that
 * the next proxy expires at start, so they cannot be approved; on SIGTERM a waiting agent gets an
 * `isError` answer before the proxy exits.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { FileApprovalStore } from "../../enforce/approvals/file-store.js";
import { viewOf, type ApprovalView } from "../../enforce/approvals/types.js";
import { buildBundleFile, importLiveCatalog, readJsonl, requireServer, serverCommand, SERVERS, until } from "./helpers.js";
import { ALICE, APPROVERS_GROUP, CAROL, ensureApprovers } from "./os-users.js";
import { spawnCli } from "../support/cli.js";
import { resultText, startRawProxy, type RawProxy } from "./raw-proxy.js";

const work = mkdtempSync(path.join(tmpdir(), "enforce-lifecycle-"));
chmodSync(work, 0o755);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const POLICIES = `
policy "Deleting memories needs a technician and a manager" {
  if tool is memory.delete_entities
  action require_approval "Deleting memories needs approval" from [technician, manager]
}
policy "Everything else on memory is fine" {
  if integration is memory
  action allow
}
`;

async function views(state: string): Promise<ApprovalView[]> {
  const now = Date.now();
  return (await new FileApprovalStore(state).list()).map((x) => viewOf(x, now));
}

const pendingOne = (state: string, not: readonly string[] = []) => until(async () => (await views(state)).find((v) => v.status === "pending" && !not.includes(v.request.id)), "a pending approval");

async function setup(ctx: { skip: (note?: string) => void }, name: string) {
  const entry = requireServer(SERVERS.memory.pkg, ctx);
  if (!ensureApprovers(ctx)) return undefined;
  const dir = path.join(work, name);
  const server = ["env", `MEMORY_FILE_PATH=${path.join(dir, "memory.jsonl")}`, ...serverCommand(entry, [])];
  const catalog = path.join(work, `${name}.catalog.json`);
  await importLiveCatalog(server, "memory", catalog);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "policy.config.json"), JSON.stringify({ approvers: { technician: [ALICE], manager: [CAROL] } }));
  const { file: bundleFile } = buildBundleFile(dir, "memory", POLICIES, [catalog]);
  const state = path.join(dir, "state");
  const log = path.join(dir, "decisions.jsonl");
  const start = () => startRawProxy(["--bundle", bundleFile, "--integration", "memory", "--state-dir", state, "--approvers-group", APPROVERS_GROUP, "--decision-log", log, "--approval-timeout", "120s", "--", ...server]);
  return { state, log, start };
}

const call = (p: RawProxy, id: number, name: string, args: Record<string, unknown>) => p.send({ id, method: "tools/call", params: { name, arguments: args } });

describe("held calls: cancellation and restarts", () => {
  test("reusing a request id does not defeat notifications/cancelled: the held call is refused and never runs", { timeout: 120_000 }, async (ctx) => {
    const s = await setup(ctx, "reuse");
    if (!s) return;
    const p = s.start();
    try {
      await p.handshake();
      call(p, 2, "create_entities", { entities: [{ name: "Ada", entityType: "person", observations: ["x"] }] });
      await p.next((m) => m["id"] === 2);
      call(p, 5, "delete_entities", { entityNames: ["Ada"] });
      const h = await pendingOne(s.state);
      // Same id again, for a call that returns at once; then cancel id 5.
      const mark = p.messages.length;
      call(p, 5, "read_graph", {});
      await p.next((m) => m["id"] === 5, 30_000, mark);
      p.send({ method: "notifications/cancelled", params: { requestId: 5, reason: "user pressed stop" } });
      const refused = await p.next((m) => m["id"] === 5 && resultText(m).includes("cancelled"), 30_000, mark);
      expect((refused["result"] as { isError?: boolean }).isError).toBe(true);
      expect(resultText(refused)).toBe("Not approved: Deleting memories needs approval (the call was cancelled, so it was not made)");
      const after = (await views(s.state)).find((v) => v.request.id === h.request.id)!;
      expect(after.outcome).toMatchObject({ status: "expired", why: "cancelled" });
      // Approving it now changes nothing.
      const late = await spawnCli(["approvals", "approve", h.request.id, "--state-dir", s.state], { user: ALICE });
      expect(late.code).toBe(1);
      expect(late.stderr).toMatch(/already expired/);
      call(p, 6, "read_graph", {});
      expect(resultText(await p.next((m) => m["id"] === 6))).toContain("Ada");
      const entry = readJsonl(s.log).find((l) => l["type"] === "approval" && l["approval_id"] === h.request.id)!;
      expect(entry).toMatchObject({ status: "expired", why: "cancelled", held_id: h.request.held_id });
      expect(h.request.held_id).toMatch(/^h-[0-9a-f]{16}$/);
    } finally {
      p.child.kill("SIGKILL");
    }
  });

  test("a proxy killed with SIGKILL leaves requests that the next proxy expires; SIGTERM answers a waiting agent before exit", { timeout: 120_000 }, async (ctx) => {
    const s = await setup(ctx, "restart");
    if (!s) return;
    const first = s.start();
    await first.handshake();
    call(first, 2, "delete_entities", { entityNames: ["Nobody"] });
    const left = await pendingOne(s.state);
    first.child.kill("SIGKILL");
    await first.exited;
    expect((await views(s.state)).find((v) => v.request.id === left.request.id)?.status).toBe("pending");
    // Before any proxy starts again, a vote is refused: nobody holds the call any more.
    const orphan = await spawnCli(["approvals", "approve", left.request.id, "--state-dir", s.state], { user: CAROL });
    expect(orphan.code).toBe(1);
    expect(orphan.stderr).toMatch(/the proxy that held .* is gone/);

    const second = s.start();
    try {
      await second.handshake();
      await until(() => second.stderr().includes("left pending by a proxy that is gone"), "the sweep message");
      expect(second.stderr()).toContain(left.request.id);
      const swept = (await views(s.state)).find((v) => v.request.id === left.request.id)!;
      expect(swept.outcome).toMatchObject({ status: "expired", by: "restart" });
      const late = await spawnCli(["approvals", "approve", left.request.id, "--state-dir", s.state], { user: CAROL });
      expect(late.code).toBe(1);
      expect(late.stderr).toMatch(/already expired/);

      // SIGTERM while an agent waits: it gets an isError answer, then the proxy exits.
      call(second, 3, "delete_entities", { entityNames: ["Nobody"] });
      const waiting = await pendingOne(s.state, [left.request.id]);
      second.child.kill("SIGTERM");
      const answer = await second.next((m) => m["id"] === 3);
      expect((answer["result"] as { isError?: boolean }).isError).toBe(true);
      expect(resultText(answer)).toBe("Not approved: Deleting memories needs approval (the enforcement point is shutting down, so the call was not made)");
      expect((await second.exited).code).toBe(143);
      expect((await views(s.state)).find((v) => v.request.id === waiting.request.id)?.outcome).toMatchObject({ status: "expired", why: "shutdown" });
    } finally {
      second.child.kill("SIGKILL");
    }
  });
});
