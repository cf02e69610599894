/**
 * `policy enforce` decides what comes back: in front of the real filesystem MCP server, a file with
 * a planted AWS key and an e-mail address is read through the proxy and the agent receives it
 * masked; a response a policy blocks never reaches the agent (an `isError` result says it was
 * withheld) and the decision log says so; replaying the recording gives the same decisions.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { replayFiles, type ReplayRecord } from "../../testing/session/replay.js";
import { buildBundleFile, importLiveCatalog, readJsonl, requireServer, serverCommand, SERVERS, startProxyClient, textOf } from "./helpers.js";

const work = mkdtempSync(path.join(tmpdir(), "enforce-responses-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const AWS_KEY = "AKIAIOSFODNN7EXAMPLE";
const EMAIL = "ops@example.com";
const POLICIES = `
policy "Secrets and PII in files reach the agent masked" {
  id mask-file-secrets
  when tool_response
  if integration is filesystem
  if data_class in [SECRETS, PII]
  action sanitize [result.content], alert "masked what a file read returned"
}
policy "Internal documents never reach the agent" {
  id withhold-internal
  when tool_response
  if integration is filesystem
  if body contains any ["internal only"]
  action block "internal documents are withheld from agents"
}
default allow
`;

describe("policy enforce on responses (server-filesystem)", () => {
  test("a planted key and address arrive masked; a blocked response is withheld and logged; replay agrees", { timeout: 90_000 }, async (ctx) => {
    const entry = requireServer(SERVERS.filesystem.pkg, ctx);
    const sandbox = path.join(work, "sandbox");
    mkdirSync(sandbox, { recursive: true });
    writeFileSync(path.join(sandbox, ".env"), `AWS_ACCESS_KEY_ID=${AWS_KEY}\nOWNER=${EMAIL}\nREGION=eu-west-1\n`);
    writeFileSync(path.join(sandbox, "plan.md"), "INTERNAL ONLY: the 2027 roadmap\n");
    writeFileSync(path.join(sandbox, "notes.txt"), "nothing to see here\n");
    const server = serverCommand(entry, [sandbox]);
    const catalog = path.join(work, "filesystem.catalog.json");
    await importLiveCatalog(server, "filesystem", catalog);
    const { file: bundleFile, bundle } = buildBundleFile(work, "fs", POLICIES, [catalog]);
    const rec = path.join(work, "sessions");
    const log = path.join(work, "decisions.jsonl");

    const p = await startProxyClient(["--bundle", bundleFile, "--integration", "filesystem", "--record", rec, "--decision-log", log, "--state-dir", path.join(work, "state"), "--", ...server]);
    let plain: unknown, masked: unknown, withheld: unknown;
    try {
      masked = await p.client.callTool({ name: "read_text_file", arguments: { path: path.join(sandbox, ".env") } });
      withheld = await p.client.callTool({ name: "read_text_file", arguments: { path: path.join(sandbox, "plan.md") } });
      plain = await p.client.callTool({ name: "read_text_file", arguments: { path: path.join(sandbox, "notes.txt") } });
    } finally {
      await p.close();
    }
    // The read is allowed; the secrets are masked everywhere in the result (content and structuredContent).
    const all = JSON.stringify(masked);
    expect(all).not.toContain(AWS_KEY);
    expect(all).not.toContain(EMAIL);
    expect(textOf(masked)).toContain("[REDACTED:SECRETS]");
    expect(textOf(masked)).toContain("[REDACTED:PII]");
    expect(textOf(masked)).toContain("REGION=eu-west-1");
    // The blocked response never reaches the agent.
    expect((withheld as { isError?: boolean }).isError).toBe(true);
    expect(JSON.stringify(withheld)).not.toContain("roadmap");
    expect(textOf(withheld)).toMatch(/withheld .*internal documents are withheld from agents/);
    // A response no policy matches is forwarded as the server gave it.
    expect(textOf(plain)).toContain("nothing to see here");

    const logged = readJsonl(log).filter((l) => l["type"] === "decision" && l["event"] === "tool_call_response");
    expect(logged.map((l) => [l["outcome"], l["policy"]])).toEqual([["response_sanitized", null], ["response_withheld", "withhold-internal"]]);
    expect(readJsonl(log).some((l) => l["type"] === "alert" && JSON.stringify(l).includes("masked what a file read returned"))).toBe(true);

    // Replaying the recording decides the recorded responses the same way.
    const files = readdirSync(rec).map((f) => path.join(rec, f));
    const records: ReplayRecord[] = [];
    await replayFiles(files, bundle, (r) => { if (r.kind === "decision" && r.event.type === "tool_call_response") records.push(r); });
    expect(records.map((r) => [r.decision.effect, r.decision.policy?.id ?? null, r.decision.sanitize.map((s) => s.policy)])).toEqual([
      ["allow", null, ["mask-file-secrets"]], ["block", "withhold-internal", []], ["allow", null, []],
    ]);
    expect(records.map((r) => r.event.call_id)).toEqual(logged.map((l) => l["call_id"]).concat([records[2]!.event.call_id]));
  });
});
