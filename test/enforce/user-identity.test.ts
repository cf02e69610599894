/**
 * The person behind the agent at the proxy (stdio): `policy enforce --user <id>` takes the record
 * from policy.config.json `"users"`, `--user-file` from a JSON file; every event of the session
 * carries it, `user` conditions decide on it (in front of the real filesystem MCP server: a
 * refused write never reaches the disk), `require_approval from [manager]` names the user's
 * manager, a `hide` for non-admins removes the tool from their list, and the recording replays to the same decisions. A wrong `--user` refuses to start.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { readSessionFile } from "../../testing/session/read.js";
import { replayEvents } from "../../testing/index.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { startProxy } from "../../enforce/start.js";
import type { UserInfo } from "../../runtime/types.js";
import { buildBundleFile, importLiveCatalog, readJsonl, requireServer, serverCommand, SERVERS, startProxyClient, textOf } from "./helpers.js";
import { runCli } from "../support/cli.js";

const work = mkdtempSync(path.join(tmpdir(), "enforce-user-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const POLICIES = `
policy "Only admins write files" {
  id admins-write
  if tool is filesystem.write_file
  if not user.roles has admin
  action block "only admins may write files"
}
policy "Reads up to the user's line limit" {
  id line-limit
  if tool is filesystem.read_text_file
  if args.head > user.claims.max_lines
  action block "more lines than this user may read"
}
policy "Only admins see move_file" {
  id admins-move
  if tool is filesystem.move_file
  if not user.roles has admin
  action hide
}
policy "New folders need the requester's manager" {
  id manager-folders
  if tool is filesystem.create_directory
  action require_approval "ask your manager" from [manager]
}
`;

const CONFIG = { users: { bob: { roles: ["analyst"], groups: ["eng"], claims: { max_lines: 2 }, manager: "carol" } } };

async function setup(ctx: { skip: (note?: string) => void }) {
  const entry = requireServer(SERVERS.filesystem.pkg, ctx);
  const sandbox = path.join(work, "sandbox");
  mkdirSync(sandbox, { recursive: true });
  writeFileSync(path.join(sandbox, "notes.txt"), "one\ntwo\nthree\nfour\n");
  const server = serverCommand(entry, [sandbox]);
  const catalog = path.join(work, "filesystem.catalog.json");
  if (!existsSync(catalog)) await importLiveCatalog(server, "filesystem", catalog);
  const { file, bundle } = buildBundleFile(work, "users", POLICIES, [catalog]);
  writeFileSync(path.join(work, "policy.config.json"), JSON.stringify(CONFIG));
  return { sandbox, server, file, bundle };
}

describe("policy enforce --user", () => {
  test("the config's user is on every event and decides; the recording replays", { timeout: 120_000 }, async (ctx) => {
    const { sandbox, server, file, bundle } = await setup(ctx);
    const rec = path.join(work, "rec-bob");
    const log = path.join(work, "bob.decisions.jsonl");
    const p = await startProxyClient(["--bundle", file, "--integration", "filesystem", "--user", "bob", "--record", rec, "--decision-log", log,
      "--state-dir", path.join(work, "state"), "--approval-timeout", "1s", "--", ...server], { cwd: work });
    const target = path.join(sandbox, "bob.txt");
    try {
      expect((await p.client.listTools()).tools.map((t) => t.name)).not.toContain("move_file");
      const wrote = await p.client.callTool({ name: "write_file", arguments: { path: target, content: "x" } });
      expect(wrote.isError).toBe(true);
      expect(textOf(wrote)).toContain("only admins may write files");
      const many = await p.client.callTool({ name: "read_text_file", arguments: { path: path.join(sandbox, "notes.txt"), head: 3 } });
      expect(textOf(many)).toContain("more lines than this user may read");
      const few = await p.client.callTool({ name: "read_text_file", arguments: { path: path.join(sandbox, "notes.txt"), head: 2 } });
      expect(few.isError).toBeFalsy();
      expect(textOf(few)).toContain("two");
      const dir = await p.client.callTool({ name: "create_directory", arguments: { path: path.join(sandbox, "new") } });
      expect(dir.isError).toBe(true); // nobody approved within 1s
    } finally {
      await p.close();
    }
    expect(existsSync(target)).toBe(false);
    expect(existsSync(path.join(sandbox, "new"))).toBe(false);

    const decisions = readJsonl(log).filter((l) => l["type"] === "decision" && l["event"] === "tool_call_request");
    const approval = decisions.find((l) => l["policy"] === "manager-folders")!;
    expect((approval["decision"] as { approver_people?: unknown }).approver_people).toEqual({ manager: ["carol"] });

    const read = readSessionFile(path.join(rec, readdirSync(rec)[0]!));
    expect(read.bad).toEqual([]);
    const requests = read.events.filter((e) => e.event.type === "tool_call_request");
    for (const r of requests) expect(r.event.user).toEqual({ id: "bob", ...CONFIG.users.bob });
    const replayed = replayEvents(bundle, read.events).filter((x) => x.event.type === "tool_call_request");
    expect(replayed.map((x) => [x.decision.effect, x.decision.policy?.id ?? null])).toEqual([
      ["block", "admins-write"], ["block", "line-limit"], ["allow", null], ["require_approval", "manager-folders"],
    ]);
  });

  test("--user-file: an admin's write goes through", { timeout: 120_000 }, async (ctx) => {
    const { sandbox, server, file } = await setup(ctx);
    const userFile = path.join(work, "alice.json");
    writeFileSync(userFile, JSON.stringify({ id: "alice", roles: ["admin"], claims: { max_lines: 10 } }));
    const p = await startProxyClient(["--bundle", file, "--integration", "filesystem", "--user-file", userFile, "--state-dir", path.join(work, "state"), "--", ...server], { cwd: work });
    const target = path.join(sandbox, "alice.txt");
    try {
      expect((await p.client.listTools()).tools.map((t) => t.name)).toContain("move_file");
      const wrote = await p.client.callTool({ name: "write_file", arguments: { path: target, content: "by alice" } });
      expect(wrote.isError).toBeFalsy();
    } finally {
      await p.close();
    }
    expect(existsSync(target)).toBe(true);
  });

  test("without a user, the admin-only write is refused (no user never satisfies a positive user condition)", { timeout: 120_000 }, async (ctx) => {
    const { sandbox, server, file } = await setup(ctx);
    const p = await startProxyClient(["--bundle", file, "--integration", "filesystem", "--state-dir", path.join(work, "state"), "--", ...server], { cwd: work });
    const target = path.join(sandbox, "anon.txt");
    try {
      expect((await p.client.listTools()).tools.map((t) => t.name)).not.toContain("move_file");
      const wrote = await p.client.callTool({ name: "write_file", arguments: { path: target, content: "x" } });
      expect(textOf(wrote)).toContain("only admins may write files");
      // `args.head > user.claims.max_lines` is false without a user: the read is not blocked by it.
      const read = await p.client.callTool({ name: "read_text_file", arguments: { path: path.join(sandbox, "notes.txt"), head: 3 } });
      expect(read.isError).toBeFalsy();
    } finally {
      await p.close();
    }
    expect(existsSync(target)).toBe(false);
  });

  test("per-session users (what the HTTP transport sets from a verified token): each session decides on its own user", { timeout: 120_000 }, async (ctx) => {
    const { sandbox, server, file } = await setup(ctx);
    const rec = path.join(work, "rec-sessions");
    const proxy = await startProxy({ bundle: file, upstreams: [{ integration: "filesystem", command: server }], stateDir: path.join(work, "state"), recordDir: rec, watch: false, upstreamStderr: "ignore", log: () => {} });
    const connect = async (user: UserInfo | undefined) => {
      const s = proxy.gateway.createSession(user ? { user } : {});
      const [a, b] = InMemoryTransport.createLinkedPair();
      await s.server.connect(b);
      const c = new Client({ name: "Cursor", version: "1.0.0" });
      await c.connect(a);
      return c;
    };
    try {
      const admin = await connect({ id: "alice", roles: ["admin"] });
      const analyst = await connect({ id: "bob", roles: ["analyst"] });
      expect((await admin.listTools()).tools.map((t) => t.name)).toContain("move_file");
      expect((await analyst.listTools()).tools.map((t) => t.name)).not.toContain("move_file");
      const mine = path.join(sandbox, "session-alice.txt"), theirs = path.join(sandbox, "session-bob.txt");
      expect((await admin.callTool({ name: "write_file", arguments: { path: mine, content: "a" } })).isError).toBeFalsy();
      expect(textOf(await analyst.callTool({ name: "write_file", arguments: { path: theirs, content: "b" } }))).toContain("only admins may write files");
      expect(existsSync(mine)).toBe(true);
      expect(existsSync(theirs)).toBe(false);
      await admin.close();
      await analyst.close();
    } finally {
      await proxy.close();
    }
    const users = readdirSync(rec).map((f) => readJsonl(path.join(rec, f)).filter((e) => e["type"] === "tool_call_request").map((e) => (e["user"] as UserInfo).id));
    expect(users.sort()).toEqual([["alice"], ["bob"]]);
  });

  test("an unknown --user, a bad --user-file, or both flags: exit 2 with the reason", { timeout: 120_000 }, async (ctx) => {
    const { file } = await setup(ctx);
    const bad = path.join(work, "bad-user.json");
    writeFileSync(bad, JSON.stringify({ id: "eve", roles: "admin" }));
    const run = (flags: string[]) => runCli(["enforce", "--bundle", file, ...flags, "--", process.execPath, "-e", "0"], { cwd: work });
    const [unknown, badFile, both] = await Promise.all([run(["--user", "bobb"]), run(["--user-file", bad]), run(["--user", "bob", "--user-file", bad])]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("has no user \"bobb\" (did you mean \"bob\"?)");
    expect(badFile.code).toBe(2);
    expect(badFile.stderr).toMatch(/bad-user\.json:1:\d+: \/roles: must be array/);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("give --user or --user-file, not both");
  });
});
