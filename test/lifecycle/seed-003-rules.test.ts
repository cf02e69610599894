/**
 * Seed 003's lifecycle rules, enforced from the lock: the scope is fixed after the first active
 * version (PDL5013, also across `<id>-vN` versions, even with a version bump), and only drafts
 * are deleted: an active policy is deprecated (and built) first (PDL5014). `check`, `test` and
 * `build` all refuse; a build of another part of the project is not concerned.
 */
import { describe, expect, it } from "vitest";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../support/cli.js";
import { tempDir } from "./helpers.js";

const DELETE_POLICY = `policy "Deleting a repository is never done by an agent" {
  id github-no-repo-delete
  scope tenant "lifecycle"
  version 1
  if integration is GitHub
  if tool is delete_repository
  action block "repositories are deleted by people"
}
`;

/** A copy of examples/lifecycle, built once so that the lock records every active policy's scope. */
async function project(): Promise<{ dir: string; file: string; source: string }> {
  const dir = tempDir();
  cpSync("examples/lifecycle", dir, { recursive: true });
  expect((await runCli(["build", "-o", "b.json"], { cwd: dir })).code).toBe(0);
  const lock = JSON.parse(readFileSync(join(dir, "policy.lock"), "utf8")) as { policies: Record<string, { scope?: string }> };
  expect(lock.policies["github-no-repo-delete"]!.scope).toBe("tenant lifecycle");
  const file = join(dir, "merges.policy");
  return { dir, file, source: readFileSync(file, "utf8") };
}

describe("PDL5013: the scope is fixed after the first active version", () => {
  it("a re-scoped active policy is refused even with a version bump; the lock is not written", async () => {
    const { dir, file, source } = await project();
    const lockBefore = readFileSync(join(dir, "policy.lock"), "utf8");
    writeFileSync(file, source.replace(DELETE_POLICY, DELETE_POLICY.replace('scope tenant "lifecycle"', "scope platform").replace("version 1", "version 2")));
    const b = await runCli(["build", "-o", "b.json"], { cwd: dir });
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('error[PDL5013]: policy "github-no-repo-delete" cannot change its scope to platform: it was active with scope tenant lifecycle');
    expect(b.stderr).toContain('write `scope tenant "lifecycle"`');
    expect(readFileSync(join(dir, "policy.lock"), "utf8")).toBe(lockBefore);
    expect((await runCli(["check"], { cwd: dir })).stderr).toContain("PDL5013");
    expect((await runCli(["test"], { cwd: dir })).code).toBe(1);
  });

  it("a draft version (<id>-vN) with another scope than the active one is refused", async () => {
    const { dir, file, source } = await project();
    writeFileSync(file, source.replace(/(id github-merge-approval-v3\n\s+)scope tenant "lifecycle"/, '$1scope agent "Cursor"'));
    const r = await runCli(["check"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('policy "github-merge-approval-v3" cannot change its scope to agent Cursor: "github-merge-approval-v2" was active with scope tenant lifecycle');
  });

  it("a version bump with the same scope builds", async () => {
    const { dir, file, source } = await project();
    writeFileSync(file, source.replace(DELETE_POLICY, DELETE_POLICY.replace("version 1", "version 2").replace("delete_repository", "delete_file")));
    expect((await runCli(["build", "-o", "b.json"], { cwd: dir })).code).toBe(0);
  });
});

describe("PDL5014: an active policy is deprecated before it is deleted", () => {
  it("deleting an active policy is refused by check, test and build", async () => {
    const { dir, file, source } = await project();
    writeFileSync(file, source.replace(DELETE_POLICY, ""));
    const b = await runCli(["build", "-o", "b.json"], { cwd: dir });
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('error[PDL5014]: active policy "github-no-repo-delete" (version 1, merges.policy) was deleted without being deprecated first');
    expect((await runCli(["check"], { cwd: dir })).stderr).toContain("PDL5014");
    expect((await runCli(["test"], { cwd: dir })).code).toBe(1);
  });

  it("deprecate, build, then delete: accepted, and the lock keeps it as removed", async () => {
    const { dir, file, source } = await project();
    writeFileSync(file, source.replace(DELETE_POLICY, DELETE_POLICY.replace("  version 1\n", "  status deprecated\n  version 1\n")));
    // Its test goes with it (a test naming a policy that no longer exists is PDL6001).
    const tests = join(dir, "merges.test.policy");
    writeFileSync(tests, readFileSync(tests, "utf8").replace(/test "Repositories are never deleted by an agent" \{\n(?:  .*\n)*\}\n/, ""));
    expect((await runCli(["build", "-o", "b.json"], { cwd: dir })).code).toBe(0);
    writeFileSync(file, source.replace(DELETE_POLICY, ""));
    expect((await runCli(["build", "-o", "b.json"], { cwd: dir })).code).toBe(0);
    const lock = JSON.parse(readFileSync(join(dir, "policy.lock"), "utf8")) as { policies: Record<string, { status: string }> };
    expect(lock.policies["github-no-repo-delete"]!.status).toBe("removed");
  });

  it("a build of another file of the project is not concerned", async () => {
    const { dir } = await project();
    writeFileSync(join(dir, "other.policy"), `policy "x" {\n  id x\n  if integration is Slack\n  action block\n}\n`);
    expect((await runCli(["build", "other.policy", "-o", "b.json"], { cwd: dir })).code).toBe(0);
  });
});
