/**
 * A build of a subfolder or of one file of a project uses the project's lock for the policies it
 * builds and leaves the others alone (they were not looked at, so they are not "removed").
 */
import { describe, expect, it } from "vitest";
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../support/cli.js";
import { tempDir } from "./helpers.js";

const lockOf = (dir: string) => JSON.parse(readFileSync(join(dir, "policy.lock"), "utf8")) as { policies: Record<string, { status: string; file: string }> };
const auditOf = (dir: string) => readFileSync(join(dir, "policy.audit.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { changes: { removed: unknown[]; added: { id: string }[] } });

describe("a build of part of a project", () => {
  it("records only the policies it built: a subfolder, then one file, then the whole project", async () => {
    const w = tempDir();
    cpSync("examples", w, { recursive: true });
    const before = lockOf(w);
    const active = Object.entries(before.policies).filter(([, e]) => e.status === "active").map(([id]) => id);
    expect(active.length).toBeGreaterThan(20);

    expect((await runCli(["build", "sessions-recorded", "-o", "out.json"], { cwd: w })).code).toBe(0);
    let after = lockOf(w);
    expect(Object.entries(after.policies).filter(([, e]) => e.status === "removed").map(([id]) => id)).toEqual([]);
    expect(Object.keys(after.policies).sort()).toEqual(Object.keys(before.policies).sort());
    expect(auditOf(w).at(-1)!.changes.removed).toEqual([]);

    expect((await runCli(["build", "seed-000-tool-calls/policies.policy", "-o", "out.json"], { cwd: w })).code).toBe(0);
    after = lockOf(w);
    expect(Object.values(after.policies).filter((e) => e.status === "removed")).toEqual([]);
    // Files are recorded relative to the project root, whatever folder the build ran from.
    expect(Object.values(after.policies).some((e) => e.file === "seed-000-tool-calls/policies.policy")).toBe(true);

    // A policy deleted from the folder that is built is removed; the rest stays as it was.
    expect((await runCli(["build", ".", "-o", "out.json"], { cwd: w })).code).toBe(0);
    expect(Object.values(lockOf(w).policies).filter((e) => e.status === "removed")).toEqual([]);
  });

  it("--lock and --no-lock together are refused (exit 2) and write nothing", async () => {
    const w = tempDir();
    cpSync("examples/lifecycle", w, { recursive: true });
    const lock = readFileSync(join(w, "policy.lock"), "utf8");
    for (const cmd of ["build", "check"]) {
      const r = await runCli([cmd, "--no-lock", "--lock", "other.lock", ...(cmd === "build" ? ["-o", "b.json"] : [])], { cwd: w });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--lock and --no-lock contradict each other");
    }
    expect(readFileSync(join(w, "policy.lock"), "utf8")).toBe(lock);
  });
});
