/** The language server reports what `policy.lock` says (PDL5010–5012) and never writes the lock. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DidChangeWatchedFilesNotification } from "vscode-languageserver-protocol/node";
import { Client, REPO, uriOf } from "./harness.js";

let root: string;
let client: Client;
let uri: string;
let text: string;
let lockText: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "policy-lsp-lock-"));
  cpSync(join(REPO, "examples/lifecycle"), root, { recursive: true });
  text = readFileSync(join(root, "merges.policy"), "utf8");
  lockText = readFileSync(join(root, "policy.lock"), "utf8");
  client = await Client.start(root);
  uri = await client.open(join(root, "merges.policy"), text);
});
afterAll(async () => { await client?.stop(); });

describe("policy.lock in the editor", () => {
  test("an active policy edited without a version bump gets PDL5010 with the bump fix; bumping clears it", async () => {
    await client.waitDiagnostics(uri, (p) => p.diagnostics.length === 0);
    const edited = text.replace('action block "repositories are deleted by people"', 'action require_approval "repositories are deleted by people"');
    await client.change(uri, edited);
    const p = await client.waitDiagnostics(uri, (x) => x.diagnostics.some((d) => d.code === "PDL5010"));
    const d = p.diagnostics.find((x) => x.code === "PDL5010")!;
    expect(d.message).toContain('active policy "github-no-repo-delete" (version 1) was changed without a new version');
    expect(d.range.start.line).toBe(43);
    expect(d.relatedInformation?.[0]?.location.uri).toBe(uriOf(join(root, "policy.lock")));
    const fixes = (d.data as { fixes: { title: string; text: string }[] }).fixes;
    expect(fixes.map((f) => [f.title, f.text])).toEqual([["Bump to version 2", "version 2"]]);
    await client.change(uri, edited.replace('scope tenant "lifecycle"\n  version 1\n  if integration is GitHub\n  if tool is delete_repository', 'scope tenant "lifecycle"\n  version 2\n  if integration is GitHub\n  if tool is delete_repository'));
    await client.waitDiagnostics(uri, (x) => !x.diagnostics.some((d) => d.code === "PDL5010"));
    expect(readFileSync(join(root, "policy.lock"), "utf8")).toBe(lockText);
  });

  test("a broken lock is reported on the lock file; repairing it on disk clears it", async () => {
    const lockPath = join(root, "policy.lock");
    const lockUri = uriOf(lockPath);
    writeFileSync(lockPath, lockText.replace('"version": 2', '"version": "two"'));
    await client.conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: lockUri, type: 2 }] });
    const p = await client.waitDiagnostics(lockUri, (x) => x.diagnostics.some((d) => d.code === "PDL5012"));
    expect(p.diagnostics[0]!.message).toContain("policy.lock is not a valid lock: /policies/github-merge-approval-v2/version: must be integer");
    expect(p.diagnostics[0]!.range.start.line).toBeGreaterThan(0);
    writeFileSync(lockPath, lockText);
    await client.conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: lockUri, type: 2 }] });
    await client.waitDiagnostics(lockUri, (x) => x.diagnostics.length === 0);
    expect(readFileSync(lockPath, "utf8")).toBe(lockText);
  });
});
