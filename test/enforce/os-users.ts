/**
 * Throw-away OS users for tests that need two people: `pt-alice`, `pt-carol` (and the group
 * `pt-approvers` they share), created with `groupadd`/`useradd` when absent. Needs root; outside
 * CI a test without root is skipped, under CI=true it fails. `spawnCli(args, { user })` runs the
 * CLI as one of them.
 */
import { spawnSync } from "node:child_process";

export const APPROVERS_GROUP = "pt-approvers";
export const ALICE = "pt-alice";
export const CAROL = "pt-carol";

function exists(kind: "passwd" | "group", name: string): boolean {
  return spawnSync("getent", [kind, name]).status === 0;
}

/** Creates the users and group if needed; false (after marking the test skipped) when that cannot be done. */
export function ensureApprovers(ctx: { skip: (note?: string) => void }): boolean {
  const why = process.getuid?.() !== 0 ? "two OS users need root (useradd)" : spawnSync("useradd", ["--help"]).error ? "useradd is not installed" : undefined;
  if (why) {
    if (process.env["CI"] === "true") throw new Error(why);
    ctx.skip(why);
    return false;
  }
  // Parallel test files may race on /etc/group: retry a few times.
  for (let i = 0; i < 5 && !exists("group", APPROVERS_GROUP); i++) spawnSync("groupadd", ["-f", APPROVERS_GROUP]);
  for (const u of [ALICE, CAROL]) {
    for (let i = 0; i < 5 && !exists("passwd", u); i++) spawnSync("useradd", ["-M", "-N", "-g", APPROVERS_GROUP, "-s", "/usr/sbin/nologin", u]);
    if (!exists("passwd", u)) throw new Error(`cannot create the test user ${u}`);
  }
  return true;
}
