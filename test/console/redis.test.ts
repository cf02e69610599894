/**
 * The console with `--store redis://…` (a real redis-server): votes of two people signed in to the
 * console reach the proxy's clerk through Redis and resolve the request; the voter is the person
 * the console vouches for; acknowledged alerts are kept in Redis, so a second console sees them.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startConsole, type RunningConsole } from "../../console/index.js";
import { ApprovalClerk } from "../../enforce/approvals/clerk.js";
import { newApprovalId } from "../../enforce/approvals/file-store.js";
import { systemUsers } from "../../enforce/approvals/identity.js";
import { RedisApprovalStore } from "../../enforce/approvals/redis-store.js";
import { loadOrCreateKey } from "../../enforce/approvals/seal.js";
import { haveRedis, RedisServer } from "../../bench/support/redis-server.js";
import { consoleClient } from "./http-client.js";

const work = mkdtempSync(path.join(tmpdir(), "console-redis-"));
const state = path.join(work, "state");
const log = path.join(work, "decisions.jsonl");
const enabled = haveRedis();
let server: RedisServer;
let store: RedisApprovalStore;
let cons: RunningConsole;

beforeAll(async () => {
  if (!enabled) return;
  server = await RedisServer.start();
  mkdirSync(state, { mode: 0o700 });
  store = new RedisApprovalStore({ url: server.url });
  appendFileSync(log, JSON.stringify({ type: "alert", what: "An agent tried to write a file", why: "policy \"no-writes\" (block)", policy: "no-writes", effect: "block", agent: "Cursor", tool: "write_file", integration: "filesystem", channel: null, session_id: "s1", call_id: "c1", revision: "r1", ts: "2026-12-03T10:00:00.000Z" }) + "\n");
  cons = await startConsole({ host: "127.0.0.1", port: 0, stateDir: state, store: server.url, decisionLogs: [log], log: () => undefined });
});

afterAll(async () => {
  await cons?.close();
  await store?.close();
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!enabled)("policy console with a Redis store", () => {
  test("two people approve through Redis; the clerk records them by name; acknowledgements are shared", async () => {
    const clerk = new ApprovalClerk(store, loadOrCreateKey(state), systemUsers());
    const now = Date.now();
    const r = await clerk.create({
      id: newApprovalId(), held_id: "h-1", created: new Date(now).toISOString(), expires: new Date(now + 600_000).toISOString(), session_id: "s1", call_id: "c2",
      tenant: null, agent: { name: "Cursor" }, integration: "filesystem", tool: "create_directory", args: { path: "/srv/a" }, reason: "two people",
      policy: { id: "mkdir", name: "mkdir" }, approvers: ["technician", "manager"], eligible: { technician: ["tina"], manager: ["mark"] }, revision: "r1",
    });
    const counting = setInterval(() => void clerk.tally(r.id, r.hash).catch(() => undefined), 50);
    try {
      const { raw, signIn } = consoleClient(cons);
      for (const who of ["tina", "mark"]) {
        const s = await signIn(who);
        const answer = await raw("POST", `/approvals/${r.id}/vote`, { headers: { cookie: s.cookie, origin: cons.url }, body: new URLSearchParams({ csrf: s.csrf, hash: r.hash, verdict: "approve" }).toString() });
        expect(answer.status).toBe(303);
      }
      await expect.poll(async () => (await store.get(r.id))?.outcome?.status, { timeout: 5000 }).toBe("approved");
      expect((await store.get(r.id))!.votes.map((v) => [v.by, v.role])).toEqual([["tina", "technician"], ["mark", "manager"]]);

      const tina = await signIn("tina");
      const alerts = await raw("GET", "/alerts", { headers: { cookie: tina.cookie } });
      const ids = /name="ids" value="([0-9a-f ]+)"/.exec(alerts.body)![1]!;
      await raw("POST", "/alerts/ack", { headers: { cookie: tina.cookie, origin: cons.url }, body: new URLSearchParams({ csrf: tina.csrf, ids, note: "known" }).toString() });
      const other = await startConsole({ host: "127.0.0.1", port: 0, stateDir: state, store: server.url, decisionLogs: [log], log: () => undefined });
      try {
        const c2 = consoleClient(other);
        const mark = await c2.signIn("mark");
        const seen = await c2.raw("GET", "/alerts?show=all", { headers: { cookie: mark.cookie } });
        expect(seen.body).toContain("acknowledged by <strong>tina</strong>");
      } finally {
        await other.close();
      }
    } finally {
      clearInterval(counting);
    }
  });
});
