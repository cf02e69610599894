/**
 * No bypass by rephrasing a path or a URL: `policy enforce` in front of the real filesystem server
 * (and the everything server, whose `echo` argument a user catalog marks as a URL), driven by the
 * SDK client. Every spelling of the blocked file is blocked and its content never reaches the
 * agent; the recording keeps the raw and the canonical arguments, and replays to the live decisions.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { readSessionFile } from "../../testing/session/read.js";
import { replayEvents } from "../../testing/index.js";
import { buildBundleFile, importLiveCatalog, readJsonl, requireServer, serverCommand, SERVERS, startProxyClient, textOf } from "./helpers.js";

const work = realpathSync(mkdtempSync(path.join(tmpdir(), "enforce-canon-")));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SECRET = "the launch codes are 0000";

const FS_POLICIES = `
policy "No secret files" {
  id no-secrets
  if tool is filesystem.read_text_file
  if args.path matches "secret*" or args.path under "private"
  action block "secret files stay closed"
}
policy "No secret files, several at once" {
  id no-secrets-multi
  if tool is filesystem.read_multiple_files
  if args.paths matches "secret*" or args.paths[*] under "private"
  action block "secret files stay closed"
}
`;

describe("policy enforce decides every spelling of a path as its canonical form", () => {
  test("filesystem server: ./, a/../, //, absolute, percent-escapes and arrays are all blocked", { timeout: 90_000 }, async (ctx) => {
    const entry = requireServer(SERVERS.filesystem.pkg, ctx);
    const sandbox = path.join(work, "sandbox");
    mkdirSync(path.join(sandbox, "sub"), { recursive: true });
    mkdirSync(path.join(sandbox, "private"), { recursive: true });
    writeFileSync(path.join(sandbox, "secret.txt"), SECRET);
    writeFileSync(path.join(sandbox, "private", "plan.txt"), SECRET);
    writeFileSync(path.join(sandbox, "notes.txt"), "just notes\n");
    const server = serverCommand(entry, [sandbox]);
    const catalog = path.join(work, "filesystem.catalog.json");
    await importLiveCatalog(server, "filesystem", catalog);
    const imported = JSON.parse(readFileSync(catalog, "utf8")) as { integrations: { tools: { name: string; arg_kinds?: Record<string, string> }[] }[] };
    expect(imported.integrations[0]!.tools.find((t) => t.name === "read_text_file")!.arg_kinds).toEqual({ path: "path" });
    const { file: bundleFile, bundle } = buildBundleFile(work, "fs", FS_POLICIES, [catalog]);
    const rec = path.join(work, "sessions");
    const log = path.join(work, "decisions.jsonl");

    const p = await startProxyClient(["--bundle", bundleFile, "--integration", "filesystem", "--record", rec, "--decision-log", log, "--state-dir", path.join(work, "state"), "--", ...server]);
    const spellings = ["secret.txt", "./secret.txt", "sub/../secret.txt", ".//secret.txt", path.join(sandbox, "secret.txt"), `${sandbox}//sub/../secret.txt`, "secret%2Etxt", "secret.txt/", "private/plan.txt", "./private//plan.txt", "sub/../private/./plan.txt"];
    try {
      await p.waitForStderr(new RegExp(`path arguments relative to ${sandbox.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
      for (const s of spellings) {
        const r = await p.client.callTool({ name: "read_text_file", arguments: { path: s } });
        expect(r.isError, s).toBe(true);
        expect(textOf(r), s).toBe("Blocked by policy: secret files stay closed");
      }
      // Ambiguous spellings (a server may or may not decode them) are blocked before any policy.
      for (const s of ["%2e%2e/sandbox/secret.txt", "sub%2F..%2Fsecret.txt", "sub\\..\\secret.txt"]) {
        const r = await p.client.callTool({ name: "read_text_file", arguments: { path: s } });
        expect(textOf(r), s).toMatch(/^Blocked by policy: ambiguous path: args\.path: /);
      }
      for (const paths of [["notes.txt", "./secret.txt"], [path.join(sandbox, "sub", "..", "secret.txt")], ["notes.txt", "private/../private/plan.txt"]]) {
        const r = await p.client.callTool({ name: "read_multiple_files", arguments: { paths } });
        expect(textOf(r), JSON.stringify(paths)).toBe("Blocked by policy: secret files stay closed");
      }
      // What is not secret is read, however it is spelled.
      for (const s of ["notes.txt", "./sub/../notes.txt", path.join(sandbox, "notes.txt")]) {
        const r = await p.client.callTool({ name: "read_text_file", arguments: { path: s } });
        expect(r.isError, s).toBeFalsy();
        expect(textOf(r)).toContain("just notes");
      }
      const many = await p.client.callTool({ name: "read_multiple_files", arguments: { paths: ["notes.txt", "./notes.txt"] } });
      expect(textOf(many)).not.toContain(SECRET);
      expect(textOf(many)).toContain("just notes");
    } finally {
      await p.close();
    }

    // The recording keeps what was sent, the folders, and what the policies saw; its replay gives the live decisions.
    const files = readdirSync(rec);
    expect(files).toHaveLength(1);
    const read = readSessionFile(path.join(rec, files[0]!));
    expect(read.bad).toEqual([]);
    const requests = read.events.filter((e) => e.event.type === "tool_call_request");
    const dotted = requests.find((e) => e.event.call?.args?.["path"] === "sub/../secret.txt")!.event.call!;
    expect(dotted.root).toBe(sandbox);
    expect(typeof dotted.home).toBe("string");
    expect(dotted.canonical_args).toEqual({ path: "secret.txt" });
    const replayed = replayEvents(bundle, read.events).filter((x) => x.event.type === "tool_call_request");
    const logged = readJsonl(log).filter((l) => l["type"] === "decision" && l["event"] === "tool_call_request");
    expect(replayed.map((x) => [x.event.call?.id, x.decision.effect, x.decision.reason])).toEqual(logged.map((l) => [l["call_id"], l["effect"], l["reason"]]));
    expect(replayed.filter((x) => x.decision.effect === "block")).toHaveLength(spellings.length + 3 + 3);
  });

  test("a URL allow-list is not fooled by look-alike hosts, user-info or case", { timeout: 90_000 }, async (ctx) => {
    const entry = requireServer(SERVERS.everything.pkg, ctx);
    const server = serverCommand(entry, SERVERS.everything.args);
    const catalog = path.join(work, "everything.catalog.json");
    await importLiveCatalog(server, "everything", catalog);
    // A user catalog marks `echo`'s message as a URL (as a fetch tool's `url` would be).
    const doc = JSON.parse(readFileSync(catalog, "utf8")) as { integrations: { tools: { name: string; arg_kinds?: Record<string, string> }[] }[] };
    doc.integrations[0]!.tools.find((t) => t.name === "echo")!.arg_kinds = { message: "url" };
    writeFileSync(catalog, JSON.stringify(doc));
    const { file: bundleFile } = buildBundleFile(work, "urls", `
policy "Only GitHub" {
  id only-github
  if tool is everything.echo
  if not args.message host in ["github.com", "api.github.com"] or not args.message scheme is https
  action block "only https://github.com"
}
`, [catalog]);
    const p = await startProxyClient(["--bundle", bundleFile, "--integration", "everything", "--state-dir", path.join(work, "state2"), "--", ...server]);
    try {
      for (const url of ["https://github.com.attacker.io/x", "https://github.com@evil.io/", "https://evil.io/github.com", "http://github.com/acme", "not a url", "https://github.com:443@evil.io/", "https://xn--github-com.io/"]) {
        const r = await p.client.callTool({ name: "echo", arguments: { message: url } });
        expect(textOf(r), url).toBe("Blocked by policy: only https://github.com");
      }
      for (const url of ["https://github.com/acme/web", "HTTPS://GITHUB.COM:443/acme", "https://API.GitHub.com/x"]) {
        const r = await p.client.callTool({ name: "echo", arguments: { message: url } });
        expect(r.isError, url).toBeFalsy();
      }
    } finally {
      await p.close();
    }
  });
});
