/**
 * The `policy console` command line: `policy console token <person>` prints a login token the
 * console accepts (signed with a key derived from the proxy's approval key); bad input gets a clear
 * error and exit 2: a name that is not a person's, a missing state dir, an address beyond loopback.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { loginKey, verifyToken } from "../../console/auth.js";
import { loadOrCreateKey } from "../../enforce/approvals/seal.js";
import { runCli } from "../support/cli.js";

const work = mkdtempSync(path.join(tmpdir(), "console-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("policy console (command line)", () => {
  test("token prints a token for the person; bad names, missing state dirs and non-loopback addresses are refused", { timeout: 300_000 }, async () => {
    const state = path.join(work, "state");
    mkdirSync(state, { mode: 0o700 });
    const ok = await runCli(["console", "token", "tina", "--state-dir", state, "--ttl", "1h"]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    const who = await verifyToken(loginKey(loadOrCreateKey(state)), ok.stdout);
    expect(who).toMatchObject({ person: "tina" });
    expect((who as { expires: number }).expires - Date.now()).toBeLessThanOrEqual(3600_000);

    const badName = await runCli(["console", "token", "<b>x</b>", "--state-dir", state]);
    const noState = await runCli(["console", "--state-dir", path.join(work, "nope"), "--listen", "127.0.0.1:0"]);
    const remote = await runCli(["console", "--state-dir", state, "--listen", "0.0.0.0:0"]);
    expect([badName.code, noState.code, remote.code]).toEqual([2, 2, 2]);
    expect(badName.stderr).toContain(`error: "<b>x</b>" is not a person's name as approvers are named in policy.config.json`);
    expect(noState.stderr).toContain("does not exist: start `policy enforce --state-dir");
    expect(remote.stderr).toContain("listens on loopback only, not 0.0.0.0");
  });
});
