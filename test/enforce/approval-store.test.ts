/**
 * The approval store contract (approval-contract.ts) over the file store and the Redis store,
 * plus what only the file store has: the state dir 0700 and files 0600, a ballot's author taken
 * from the file's owner (not from what it says), and symlinks refused.
 */
import { chownSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ApprovalClerk } from "../../enforce/approvals/clerk.js";
import { FileApprovalStore, newApprovalId } from "../../enforce/approvals/file-store.js";
import { RedisApprovalStore } from "../../enforce/approvals/redis-store.js";
import { loadOrCreateKey } from "../../enforce/approvals/seal.js";
import { HeldCalls } from "../../enforce/approvals/held-calls.js";
import { integrationFromServerName, parseUpstream } from "../../enforce/upstream.js";
import { parseDuration } from "../../enforce/start.js";
import { approvalContract, type ContractStore } from "./approval-contract.js";
import { haveRedis, RedisServer } from "../../bench/support/redis-server.js";

const dir = mkdtempSync(path.join(tmpdir(), "approval-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const isRoot = process.getuid?.() === 0;
if (!isRoot && process.env["CI"] === "true") throw new Error("the file approval store tests chown ballots to other uids: run them as root (CI does)");

/** Fake uids for the people of the contract (chown as root works for uids without an account). */
const UIDS: Record<string, number> = { alice: 61001, bob: 61002, carol: 61003, dave: 61004, mallory: 61005, Cursor: 61006 };
const NAMES = new Map(Object.entries(UIDS).map(([n, u]) => [u, n]));

function fileContract(): ContractStore {
  const state = mkdtempSync(path.join(dir, "state-"));
  const store = new FileApprovalStore(state);
  store.init();
  const folder = (id: string) => path.join(state, "approvals", id);
  return {
    store, users: (uid) => NAMES.get(uid),
    submitAs: async (person, id, b) => {
      // The ballot claims to be from "carol"; the owner of the file is what counts.
      const ref = await store.submit(id, { ...b, by: "carol", at: new Date().toISOString() });
      chownSync(path.join(folder(id), `ballot-${ref}.json`), UIDS[person]!, -1);
      return ref;
    },
    raw: {
      editRequest: async (id, edit) => { const f = path.join(folder(id), "request.json"); writeFileSync(f, JSON.stringify(edit(JSON.parse(readFileSync(f, "utf8")) as Record<string, unknown>))); },
      writeOutcome: async (id, o) => writeFileSync(path.join(folder(id), "outcome.json"), JSON.stringify(o)),
      writeVote: async (id, role, v) => writeFileSync(path.join(folder(id), `vote-${role}.json`), JSON.stringify(v)),
    },
  };
}

describe.skipIf(!isRoot)("FileApprovalStore", () => {
  approvalContract("file", fileContract);

  test("state dir 0700, key and records 0600; a key others can read is refused", async () => {
    const state = path.join(dir, "perm-state");
    const store = new FileApprovalStore(state);
    store.init();
    const key = loadOrCreateKey(state);
    expect(loadOrCreateKey(state).equals(key)).toBe(true);
    const clerk = new ApprovalClerk(store, key, () => undefined);
    const now = Date.now();
    const r = await clerk.create({ id: newApprovalId(), held_id: "h", created: new Date(now).toISOString(), expires: new Date(now + 60_000).toISOString(), session_id: "s", call_id: "c1",
      tenant: null, agent: null, integration: "github", tool: "delete_repo", args: { secret: "x" }, reason: "r", policy: null, approvers: [], eligible: {}, revision: "r1" });
    expect(statSync(state).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(state, "approval.key")).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(state, "approvals", r.id)).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(state, "approvals", r.id, "request.json")).mode & 0o777).toBe(0o600);
    const loose = path.join(dir, "loose-state");
    new FileApprovalStore(loose).init();
    writeFileSync(path.join(loose, "approval.key"), "ab".repeat(32) + "\n", { mode: 0o644 });
    expect(() => loadOrCreateKey(loose)).toThrow(/readable or writable by other users/);
  });

  test("a ballot that is a symlink is refused, not followed", async () => {
    const c = fileContract();
    const clerk = new ApprovalClerk(c.store, randomBytes(32), c.users);
    const now = Date.now();
    const r = await clerk.create({ id: newApprovalId(), held_id: "h", created: new Date(now).toISOString(), expires: new Date(now + 60_000).toISOString(), session_id: "s", call_id: "c1",
      tenant: null, agent: null, integration: "github", tool: "t", args: {}, reason: "r", policy: null, approvers: [], eligible: { technician: ["alice"] }, revision: "r1" });
    const target = path.join(dir, "elsewhere.json");
    writeFileSync(target, JSON.stringify({ hash: r.hash, verdict: "approve", by: "alice", at: new Date().toISOString() }));
    chownSync(target, UIDS["alice"]!, -1);
    symlinkSync(target, path.join((c.store as FileApprovalStore).dir, r.id, "ballot-abcdefgh12.json"));
    const t = await clerk.tally(r.id, r.hash);
    expect(t.ok && t.view.status).toBe("pending");
    expect(await c.store.receipt(r.id, "abcdefgh12")).toMatchObject({ ok: false, error: expect.stringMatching(/not a plain file|cannot read/) });
  });
});

const redisAvailable = haveRedis();
describe.skipIf(!redisAvailable)("RedisApprovalStore", () => {
  let server: RedisServer;
  let store: RedisApprovalStore;
  beforeAll(async () => { server = await RedisServer.start(); store = new RedisApprovalStore({ url: server.url, prefix: "t:" }); });
  afterAll(async () => { await store?.close?.(); await server?.stop(); });
  const key = (id: string, part = "") => `t:ap:${id}${part}`;
  approvalContract("redis", () => ({
    store, users: () => undefined,
    submitAs: (person, id, b) => store.submit(id, { ...b, by: person, at: new Date().toISOString() }),
    raw: {
      editRequest: async (id, edit) => { await store.client.set(key(id), JSON.stringify(edit(JSON.parse((await store.client.get(key(id)))!) as Record<string, unknown>))); },
      writeOutcome: async (id, o) => { await store.client.set(key(id, ":outcome"), JSON.stringify(o)); },
      writeVote: async (id, role, v) => { await store.client.hset(key(id, ":votes"), role, JSON.stringify(v)); },
    },
  }));
});

describe("held calls", () => {
  test("a cancel reaches every call received under a reused request id; shutdown reaches all", () => {
    const h = new HeldCalls();
    const first = h.hold(7);
    const second = h.hold(7);
    const other = h.hold(8);
    expect(first.id).not.toBe(second.id);
    expect(h.cancel(7)).toBe(2);
    expect([first.signal.aborted, second.signal.aborted, other.signal.aborted]).toEqual([true, true, false]);
    expect(first.signal.reason).toBe("cancelled");
    h.stopAll();
    expect(other.signal.reason).toBe("shutdown");
    expect(h.hold(9).signal.aborted).toBe(true);
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
