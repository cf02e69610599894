/**
 * What surrounds a decision at the proxy: the audit trail cannot silently stop (a decision log or
 * recording that cannot be written blocks the call, says so on stderr and alerts, unless
 * `--audit best-effort`), logs are 0600, and the proxy's state cannot be reached by the agent
 * through an upstream server: it refuses to start when the state dir, recordings or decision log
 * lie inside a path it hands the filesystem server; forced with `--allow-shared-state`, an agent
 * that rewrites its own pending request through `edit_file` gets the call refused as tampered.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { FileApprovalStore } from "../../enforce/approvals/file-store.js";
import { viewOf } from "../../enforce/approvals/types.js";
import { buildBundleFile, importLiveCatalog, readJsonl, requireServer, serverCommand, SERVERS, startProxyClient, textOf, until, webhookReceiver } from "./helpers.js";
import { runCli } from "../support/cli.js";

const work = mkdtempSync(path.join(tmpdir(), "enforce-audit-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("an audit trail that cannot silently stop", () => {
  test("an unwritable decision log or recording blocks the call, reports it and alerts; --audit best-effort forwards", { timeout: 300_000 }, async (ctx) => {
    const entry = requireServer(SERVERS.memory.pkg, ctx);
    const memoryFile = path.join(work, "memory.jsonl");
    const server = ["env", `MEMORY_FILE_PATH=${memoryFile}`, ...serverCommand(entry, [])];
    const catalog = path.join(work, "memory.catalog.json");
    await importLiveCatalog(server, "memory", catalog);
    const { file: bundleFile } = buildBundleFile(work, "memory", `policy "Memory is fine" {\n  if integration is memory\n  action allow\n}\n`, [catalog]);
    const create = { name: "create_entities", arguments: { entities: [{ name: "Ada", entityType: "person", observations: ["x"] }] } };
    const hook = await webhookReceiver();
    try {
      // A full disk under the decision log.
      const full = await startProxyClient(["--bundle", bundleFile, "--integration", "memory", "--state-dir", path.join(work, "s1"), "--decision-log", "/dev/full", "--alerts-webhook", hook.url, "--", ...server]);
      try {
        const r = await full.client.callTool(create);
        expect(r.isError).toBe(true);
        expect(textOf(r)).toBe("Blocked: the enforcement point could not write its audit trail, so the call was not made. Ask an administrator to check the proxy's log.");
        expect(full.stderr()).toMatch(/audit trail failure: cannot write the decision log: ENOSPC/);
        await until(() => hook.bodies.length > 0, "the alert");
        expect(hook.bodies[0]).toMatchObject({ alert: { what: "audit trail failure: cannot write the decision log", policy: "audit", effect: "block", tool: "create_entities" } });
      } finally {
        await full.close();
      }
      expect(existsSync(memoryFile) && readFileSync(memoryFile, "utf8").includes("Ada")).toBe(false);

      // A recording that cannot be written: its folder is gone (a file stands in its place) once the
      // proxy has started. (Recording names are random, so the file itself cannot be planted.)
      const rec = path.join(work, "rec");
      const unrecorded = await startProxyClient(["--bundle", bundleFile, "--integration", "memory", "--state-dir", path.join(work, "s2"), "--record", rec, "--session-id", "s-full", "--", ...server]);
      try {
        rmSync(rec, { recursive: true, force: true });
        writeFileSync(rec, "");
        const r = await unrecorded.client.callTool(create);
        expect(textOf(r)).toMatch(/could not write its audit trail/);
        expect(unrecorded.stderr()).toMatch(/audit trail failure: cannot record session s-full: ENOTDIR/);
      } finally {
        await unrecorded.close();
      }
      expect(existsSync(memoryFile) && readFileSync(memoryFile, "utf8").includes("Ada")).toBe(false);

      // --audit best-effort keeps the call going (and still says so).
      const lax = await startProxyClient(["--bundle", bundleFile, "--integration", "memory", "--state-dir", path.join(work, "s3"), "--decision-log", "/dev/full", "--audit", "best-effort", "--", ...server]);
      try {
        expect((await lax.client.callTool(create)).isError).toBeFalsy();
        expect(lax.stderr()).toMatch(/audit trail failure: cannot write the decision log/);
      } finally {
        await lax.close();
      }
      expect(readFileSync(memoryFile, "utf8")).toContain("Ada");

      // Logs that can be written are private: recordings and the decision log 0600, their folder 0700.
      const log = path.join(work, "decisions.jsonl");
      const ok = await startProxyClient(["--bundle", bundleFile, "--integration", "memory", "--state-dir", path.join(work, "s4"), "--decision-log", log, "--record", path.join(work, "rec2"), "--session-id", "s-ok", "--", ...server]);
      try {
        expect((await ok.client.callTool({ name: "read_graph", arguments: {} })).isError).toBeFalsy();
      } finally {
        await ok.close();
      }
      expect(statSync(log).mode & 0o777).toBe(0o600);
      expect(statSync(path.join(work, "rec2")).mode & 0o777).toBe(0o700);
      const recorded = readdirSync(path.join(work, "rec2")).filter((f) => f.startsWith("s-ok.") && f.endsWith(".jsonl"));
      expect(recorded).toHaveLength(1);
      expect(statSync(path.join(work, "rec2", recorded[0]!)).mode & 0o777).toBe(0o600);
      expect(readJsonl(log).some((l) => l["outcome"] === "forwarded")).toBe(true);
    } finally {
      await hook.close();
    }
  });
});

const FS_POLICIES = `
policy "Moving files needs a technician and a manager" {
  if tool is filesystem.move_file
  action require_approval "Moving files needs approval" from [technician, manager]
}
policy "Everything else on the filesystem is fine" {
  if integration is filesystem
  action allow
}
`;

describe("the proxy's state out of the agent's reach", () => {
  test("refuses to start when its state lies inside the filesystem server's root; forced, an agent's edit of its request is caught", { timeout: 120_000 }, async (ctx) => {
    const entry = requireServer(SERVERS.filesystem.pkg, ctx);
    const sandbox = path.join(work, "sandbox");
    mkdirSync(sandbox, { recursive: true });
    writeFileSync(path.join(sandbox, "a.txt"), "a\n");
    const server = serverCommand(entry, [sandbox]);
    const catalog = path.join(work, "filesystem.catalog.json");
    await importLiveCatalog(server, "filesystem", catalog);
    const dir = path.join(work, "fs-project");
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "policy.config.json"), JSON.stringify({ approvers: { technician: ["root"], manager: ["pt-carol"] } }));
    const { file: bundleFile } = buildBundleFile(dir, "fs", FS_POLICIES, [catalog]);
    const state = path.join(sandbox, ".policy-state");
    for (const [flag, value, what] of [["--state-dir", state, "state dir"], ["--record", path.join(sandbox, "rec"), "recording folder"], ["--decision-log", path.join(sandbox, "d.jsonl"), "decision log"]] as const) {
      const r = await runCli(["enforce", "--bundle", bundleFile, "--integration", "filesystem", ...(flag === "--state-dir" ? [] : ["--state-dir", path.join(work, "fs-state")]), flag, value, "--", ...server]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`the ${what} ${value} lies inside ${sandbox}`);
      expect(r.stderr).toContain("--allow-shared-state");
    }
    expect(existsSync(state)).toBe(false);
    // Files the proxy takes its trust from: an unsigned bundle in the server's root could be rewritten
    // by the agent (write_file) into one that allows everything, and hot-reloaded; a user record or a
    // token file could be rewritten or read to act as another person.
    const inside = (name: string, text: string) => { const f = path.join(sandbox, name); writeFileSync(f, text); return f; };
    const bundleInside = inside("bundle.json", readFileSync(bundleFile, "utf8"));
    const userInside = inside("me.json", JSON.stringify({ id: "pt-dana", roles: ["admin"] }));
    const tokensInside = inside("tokens.txt", "s3cret-token-of-dana-0123456789 dana\n");
    chmodSync(tokensInside, 0o600);
    const elsewhere = ["--state-dir", path.join(work, "fs-state")];
    for (const [args, what, file] of [
      [["--bundle", bundleInside], "bundle", bundleInside],
      [["--bundle", bundleFile, "--user-file", userInside], "user record (--user-file)", userInside],
      [["--bundle", bundleFile, "--listen", "127.0.0.1:0", "--auth-token-file", tokensInside], "token file (--auth-token-file)", tokensInside],
    ] as const) {
      const r = await runCli(["enforce", ...args, "--integration", "filesystem", ...elsewhere, "--", ...server]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`the ${what} ${file} lies inside ${sandbox}`);
    }

    // Forced: the agent finds its pending request and rewrites it through the server's own tools.
    const p = await startProxyClient(["--bundle", bundleFile, "--integration", "filesystem", "--state-dir", state, "--allow-shared-state", "--approval-timeout", "600s", "--", ...server]);
    try {
      const move = p.client.callTool({ name: "move_file", arguments: { source: path.join(sandbox, "a.txt"), destination: path.join(sandbox, "b.txt") } }, undefined, { timeout: 600_000 });
      const id = await until(async () => (await new FileApprovalStore(state).list()).map((x) => viewOf(x, Date.now())).find((v) => v.status === "pending")?.request.id, "a pending approval");
      const listing = await p.client.callTool({ name: "list_directory", arguments: { path: path.join(state, "approvals") } });
      expect(textOf(listing)).toContain(id);
      const requestFile = path.join(state, "approvals", id, "request.json");
      const edited = await p.client.callTool({ name: "edit_file", arguments: { path: requestFile, edits: [{ oldText: `"approvers": [\n    "technician",\n    "manager"\n  ]`, newText: `"approvers": []` }] } });
      expect(edited.isError, textOf(edited)).toBeFalsy();
      expect(JSON.parse(readFileSync(requestFile, "utf8"))).toMatchObject({ approvers: [] });
      // One vote would now be enough if the request were trusted.
      await runCli(["approvals", "approve", id, "--state-dir", state, "--wait", "1s"]);
      const r = await move;
      expect(r.isError).toBe(true);
      expect(textOf(r)).toBe("Not approved: Moving files needs approval (the approval records were tampered with, so the call was not made)");
      expect(existsSync(path.join(sandbox, "a.txt"))).toBe(true);
      expect(p.stderr()).toMatch(/refused: its records were tampered with \(request\.json was not written by this proxy or was edited\)/);
    } finally {
      await p.close();
    }
  });
});
