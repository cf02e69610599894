/**
 * `policy enforce` in front of the real filesystem MCP server on a temp dir, driven by the SDK
 * client over stdio: hidden tools are gone and refused, a blocked write never reaches the server
 * (the file does not exist), allowed calls go through, and the recorded session replays to the
 * decisions the proxy made.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { readSessionFile } from "../../testing/session/read.js";
import { replayEvents } from "../../testing/index.js";
import { buildBundleFile, importLiveCatalog, readJsonl, requireServer, serverCommand, SERVERS, startProxyClient, textOf } from "./helpers.js";

const work = mkdtempSync(path.join(tmpdir(), "enforce-fs-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const POLICIES = `
policy "Agents may not write files" {
  if tool is filesystem.write_file
  action block "Writing files is not allowed for agents; propose the change instead"
}
policy "Never move files" {
  if tool is filesystem.move_file
  action hide
}
policy "Reading is fine" {
  if integration is filesystem
  if operation is Read
  action allow
}
default by operation { Read: allow  Write: require_approval  Delete: block  Unknown: block }
`;

describe("policy enforce in front of server-filesystem", () => {
  test("hidden tools, blocked writes that never reach the server, recording that replays", { timeout: 90_000 }, async (ctx) => {
    const entry = requireServer(SERVERS.filesystem.pkg, ctx);
    const sandbox = path.join(work, "sandbox");
    rmSync(sandbox, { recursive: true, force: true });
    mkdirSync(sandbox, { recursive: true });
    writeFileSync(path.join(sandbox, "notes.txt"), "hello from the sandbox\n");
    const server = serverCommand(entry, [sandbox]);
    const catalog = path.join(work, "filesystem.catalog.json");
    await importLiveCatalog(server, "filesystem", catalog);
    const { file: bundleFile, bundle } = buildBundleFile(work, "fs", POLICIES, [catalog]);
    const rec = path.join(work, "sessions");
    const log = path.join(work, "decisions.jsonl");

    const p = await startProxyClient(["--bundle", bundleFile, "--integration", "filesystem", "--record", rec, "--decision-log", log, "--state-dir", path.join(work, "state"), "--", ...server]);
    try {
      const names = (await p.client.listTools()).tools.map((t) => t.name);
      expect(names).toContain("read_text_file");
      expect(names).toContain("write_file");
      expect(names).not.toContain("move_file");

      // The hidden tool is refused even when called by name.
      const moved = await p.client.callTool({ name: "move_file", arguments: { source: path.join(sandbox, "notes.txt"), destination: path.join(sandbox, "moved.txt") } });
      expect(moved.isError).toBe(true);
      expect(textOf(moved)).toMatch(/not available to this agent/);
      expect(existsSync(path.join(sandbox, "notes.txt"))).toBe(true);
      expect(existsSync(path.join(sandbox, "moved.txt"))).toBe(false);

      // A blocked write returns the policy's reason and never reaches the server.
      const target = path.join(sandbox, "pwned.txt");
      const wrote = await p.client.callTool({ name: "write_file", arguments: { path: target, content: "should never be written" } });
      expect(wrote.isError).toBe(true);
      expect(textOf(wrote)).toBe("Blocked by policy: Writing files is not allowed for agents; propose the change instead");
      expect(existsSync(target)).toBe(false);

      // Reads are forwarded and answered by the real server.
      const read = await p.client.callTool({ name: "read_text_file", arguments: { path: path.join(sandbox, "notes.txt") } });
      expect(read.isError).toBeFalsy();
      expect(textOf(read)).toContain("hello from the sandbox");

    } finally {
      await p.close();
    }
    expect(existsSync(path.join(sandbox, "pwned.txt"))).toBe(false);

    // The recording is SPEC §6 JSON Lines: every line validates, and replaying it gives the same decisions.
    const files = readdirSync(rec);
    expect(files).toHaveLength(1);
    const read = readSessionFile(path.join(rec, files[0]!));
    expect(read.bad).toEqual([]);
    const requests = read.events.filter((e) => e.event.type === "tool_call_request");
    expect(requests.map((e) => e.event.call?.tool)).toEqual(["move_file", "write_file", "read_text_file"]);
    for (const r of requests) expect(r.event.call?.id).toMatch(/^c\d+$/);
    const responses = read.events.filter((e) => e.event.type === "tool_call_response");
    expect(responses.map((e) => e.event.call_id)).toEqual([requests[2]!.event.call!.id]);

    const replayed = replayEvents(bundle, read.events).filter((x) => x.event.type === "tool_call_request");
    const logged = readJsonl(log).filter((l) => l["type"] === "decision" && l["event"] === "tool_call_request");
    expect(logged).toHaveLength(3);
    expect(replayed.map((x) => [x.event.call?.id, x.decision.effect, x.decision.policy?.id ?? null]))
      .toEqual(logged.map((l) => [l["call_id"], l["effect"], l["policy"]]));
    expect(replayed.map((x) => x.decision.effect)).toEqual(["block", "block", "allow"]);
    for (const l of logged) expect(l["revision"]).toBe(bundle.revision);
  });
});
