/** The Redis approval store follows the same voting rules as the file store (one shared module). */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { RedisApprovalStore } from "../../enforce/approvals/redis-store.js";
import { newApprovalId } from "../../enforce/approvals/file-store.js";
import type { ApprovalRequest } from "../../enforce/approvals/types.js";
import { haveRedis, RedisServer } from "../session/redis-server.js";

const available = haveRedis();
if (!available && process.env["CI"] === "true") throw new Error("redis-server is required under CI (apt-get install redis-server)");

function request(approvers: string[]): ApprovalRequest {
  const now = Date.now();
  return { id: newApprovalId(), created: new Date(now).toISOString(), expires: new Date(now + 60_000).toISOString(), session_id: "s1", call_id: "c1",
    tenant: null, agent: { name: "Cursor" }, integration: "github", tool: "delete_repo", args: { repo: "acme/web" }, reason: "needs approval",
    policy: { id: "p", name: "P" }, approvers, revision: "r1" };
}

describe.skipIf(!available)("RedisApprovalStore", () => {
  let server: RedisServer;
  let store: RedisApprovalStore;
  beforeAll(async () => { server = await RedisServer.start(); store = new RedisApprovalStore({ url: server.url, prefix: "t:" }); });
  afterAll(async () => { await store?.close?.(); await server?.stop(); });

  test("both roles must approve; a role votes once; the outcome is final", async () => {
    const r = request(["technician", "manager"]);
    await store.create(r);
    expect((await store.list()).map((v) => v.request.id)).toContain(r.id);
    expect(await store.vote(r.id, { verdict: "approve", by: "t", as: "technician" })).toMatchObject({ ok: true, view: { status: "pending", waitingFor: ["manager"] } });
    expect(await store.vote(r.id, { verdict: "approve", by: "t", as: "technician" })).toMatchObject({ ok: false, error: expect.stringMatching(/already voted/) });
    expect(await store.vote(r.id, { verdict: "approve", by: "m", as: "manager" })).toMatchObject({ ok: true, view: { status: "approved" } });
    expect((await store.expire(r.id))!.status).toBe("approved");
    expect(await store.vote(r.id, { verdict: "deny", by: "m", as: "manager" })).toMatchObject({ ok: false, error: expect.stringMatching(/already approved/) });
  });

  test("one denial denies; expiry denies and wins over late votes", async () => {
    const b = request(["technician", "manager"]);
    await store.create(b);
    expect(await store.vote(b.id, { verdict: "deny", by: "x", as: "manager", note: "no" })).toMatchObject({ ok: true, view: { status: "denied" } });
    const c = request(["technician"]);
    await store.create(c);
    expect((await store.expire(c.id))!.status).toBe("expired");
    expect(await store.vote(c.id, { verdict: "approve", by: "x" })).toMatchObject({ ok: false, error: expect.stringMatching(/already expired/) });
  });
});
