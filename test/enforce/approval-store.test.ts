/** The file approval store: roles, one denial, expiry, and the first outcome winning a race. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { FileApprovalStore, newApprovalId } from "../../enforce/approvals/file-store.js";
import type { ApprovalRequest } from "../../enforce/approvals/types.js";
import { integrationFromServerName, parseUpstream } from "../../enforce/upstream.js";
import { parseDuration } from "../../enforce/start.js";

const dir = mkdtempSync(path.join(tmpdir(), "approval-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function request(approvers: string[], expiresIn = 60_000): ApprovalRequest {
  const now = Date.now();
  return { id: newApprovalId(), created: new Date(now).toISOString(), expires: new Date(now + expiresIn).toISOString(), session_id: "s1", call_id: "c1",
    tenant: null, agent: { name: "Cursor" }, integration: "github", tool: "delete_repo", args: { repo: "acme/web" }, reason: "needs approval",
    policy: { id: "p", name: "P" }, approvers, revision: "r1" };
}

describe("FileApprovalStore", () => {
  test("both roles must approve; a role votes once; the outcome is final", async () => {
    const s = new FileApprovalStore(dir);
    const r = request(["technician", "manager"]);
    await s.create(r);
    expect((await s.list()).map((v) => v.request.id)).toContain(r.id);
    expect(await s.vote(r.id, { verdict: "approve", by: "x" })).toMatchObject({ ok: false, error: expect.stringMatching(/--as/) });
    expect(await s.vote(r.id, { verdict: "approve", by: "x", as: "ceo" })).toMatchObject({ ok: false });
    expect(await s.vote(r.id, { verdict: "approve", by: "t", as: "technician" })).toMatchObject({ ok: true, view: { status: "pending", waitingFor: ["manager"] } });
    expect(await s.vote(r.id, { verdict: "approve", by: "t", as: "technician" })).toMatchObject({ ok: false, error: expect.stringMatching(/already voted/) });
    expect(await s.vote(r.id, { verdict: "approve", by: "m", as: "manager" })).toMatchObject({ ok: true, view: { status: "approved" } });
    expect((await s.expire(r.id))!.status).toBe("approved");
    expect(await s.vote(r.id, { verdict: "deny", by: "m", as: "manager" })).toMatchObject({ ok: false, error: expect.stringMatching(/already approved/) });
  });

  test("any one approver; one denial denies; expiry denies and wins over late votes", async () => {
    const s = new FileApprovalStore(dir);
    const a = request([]);
    await s.create(a);
    expect((await s.vote(a.id, { verdict: "approve", by: "x" }))).toMatchObject({ ok: true, view: { status: "approved" } });
    const b = request(["technician", "manager"]);
    await s.create(b);
    expect((await s.vote(b.id, { verdict: "deny", by: "x", as: "manager", note: "no" }))).toMatchObject({ ok: true, view: { status: "denied" } });
    const c = request(["technician"]);
    await s.create(c);
    expect((await s.expire(c.id))!.status).toBe("expired");
    expect(await s.vote(c.id, { verdict: "approve", by: "x" })).toMatchObject({ ok: false, error: expect.stringMatching(/already expired/) });
    expect((await s.get(c.id))!.status).toBe("expired");
  });

  test("racing votes and expiry settle on one outcome", async () => {
    const s = new FileApprovalStore(dir);
    for (let i = 0; i < 20; i++) {
      const r = request([]);
      await s.create(r);
      const [vote, exp] = await Promise.all([s.vote(r.id, { verdict: "approve", by: "x" }), s.expire(r.id)]);
      const final = (await s.get(r.id))!;
      expect(["approved", "expired"]).toContain(final.status);
      expect(exp!.status).toBe(final.status);
      if (vote.ok) expect(vote.view.status).toBe(final.status);
    }
  });
});

describe("upstream and flag parsing", () => {
  test("integration ids from server names, upstream specs, durations", () => {
    expect(integrationFromServerName("secure-filesystem-server")).toBe("secure_filesystem");
    expect(integrationFromServerName("mcp-servers/everything")).toBe("everything");
    expect(integrationFromServerName("github-mcp-server")).toBe("github");
    expect(integrationFromServerName(undefined)).toBe("mcp");
    expect(parseUpstream('github=npx -y "@mcp/server github"')).toEqual({ integration: "github", command: ["npx", "-y", "@mcp/server github"] });
    expect(parseUpstream("docs=https://example.com/mcp")).toEqual({ integration: "docs", url: "https://example.com/mcp" });
    expect(parseDuration("5m")).toBe(300_000);
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("soon")).toBeUndefined();
  });
});
