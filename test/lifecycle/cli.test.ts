/**
 * The lifecycle commands end to end, as a user runs them: lock, versions, promotion, audit,
 * signing, export/import. Each case works on a copy in a temporary folder.
 */
import { describe, expect, it } from "vitest";
import { cpSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../support/cli.js";
import { loadVerifiedBundle, verifyBundle } from "../../runtime/verify.js";
import { parse, print } from "../../grammar/index.js";
import { tempDir } from "./helpers.js";

function lifecycleCopy(): string {
  const work = tempDir();
  cpSync("examples/lifecycle", work, { recursive: true });
  return work;
}

const edit = (file: string, from: string, to: string) => {
  const t = readFileSync(file, "utf8");
  if (!t.includes(from)) throw new Error(`"${from}" not in ${file}`);
  writeFileSync(file, t.replace(from, to));
};

describe("policy check and policy.lock", () => {
  it("reports an active policy changed without a version bump, with a code frame, and never writes the lock", async () => {
    const w = lifecycleCopy();
    const lockBefore = readFileSync(join(w, "policy.lock"), "utf8");
    const auditBefore = readFileSync(join(w, "policy.audit.jsonl"), "utf8");
    expect((await runCli(["check"], { cwd: w })).code).toBe(0);
    edit(join(w, "merges.policy"), 'action block "repositories are deleted by people"', 'action require_approval "repositories are deleted by people"');
    const r = await runCli(["check"], { cwd: w });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error[PDL5010]: active policy "github-no-repo-delete" (version 1) was changed without a new version: this line changed');
    expect(r.stderr).toContain("--> merges.policy:44:3");
    expect(r.stderr).toContain('44 |   action require_approval "repositories are deleted by people"');
    expect(r.stdout).toContain("1 error");
    const json = JSON.parse((await runCli(["check", "--format", "json"], { cwd: w })).stdout);
    expect(json.diagnostics.map((d: { code: string }) => d.code)).toEqual(["PDL5010"]);
    expect(json.errors).toBe(1);
    expect((await runCli(["check", "--no-lock"], { cwd: w })).code).toBe(0);
    expect((await runCli(["check", "--lock", "elsewhere.lock"], { cwd: w })).code).toBe(0); // no such lock yet: nothing to compare
    expect(existsSync(join(w, "elsewhere.lock"))).toBe(false);
    expect(readFileSync(join(w, "policy.lock"), "utf8")).toBe(lockBefore);
    expect(readFileSync(join(w, "policy.audit.jsonl"), "utf8")).toBe(auditBefore);
  });

  it("reports a lower version (PDL5011) and a broken lock (PDL5012)", async () => {
    const w = lifecycleCopy();
    edit(join(w, "policy.lock"), '"version": 1', '"version": 3');
    const low = await runCli(["check"], { cwd: w });
    expect(low.code).toBe(1);
    expect(low.stderr).toMatch(/error\[PDL5011\]: policy ".*" is at version 1, but version 3 was already built/);
    writeFileSync(join(w, "policy.lock"), "{ oops");
    const bad = await runCli(["check"], { cwd: w });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("error[PDL5012]: policy.lock is not a valid lock: not valid JSON");
    expect(readFileSync(join(w, "policy.lock"), "utf8")).toBe("{ oops");
  });
});

describe("policy build and policy.lock", () => {
  it("fails on an edited active policy with a pointer to the changed line, passes after a version bump", async () => {
    const w = lifecycleCopy();
    expect((await runCli(["build", "-o", "b.json"], { cwd: w })).code).toBe(0);
    edit(join(w, "merges.policy"), 'action block "repositories are deleted by people"', 'action require_approval "repositories are deleted by people"');
    const r = await runCli(["build", "-o", "b.json"], { cwd: w });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error[PDL5010]: active policy "github-no-repo-delete" (version 1) was changed without a new version: this line changed');
    expect(r.stderr).toContain("--> merges.policy:44:3");
    expect(r.stderr).toContain('44 |   action require_approval "repositories are deleted by people"');
    expect(r.stderr).toContain("no bundle written");
    edit(join(w, "merges.policy"), "  id github-no-repo-delete\n  scope tenant \"lifecycle\"\n  version 1", "  id github-no-repo-delete\n  scope tenant \"lifecycle\"\n  version 2");
    expect((await runCli(["build", "-o", "b.json"], { cwd: w })).code).toBe(0);
    const lock = JSON.parse(readFileSync(join(w, "policy.lock"), "utf8"));
    expect(lock.policies["github-no-repo-delete"].version).toBe(2);
    expect(lock.policies["github-merge-approval"]).toBeUndefined(); // never active, so never locked
    expect(lock.policies["github-merge-approval-v3"]).toBeUndefined();
    const list = await runCli(["audit", "list"], { cwd: w });
    expect(list.stdout).toMatch(/#3 .* ~github-no-repo-delete@1→2/);
  });

  it("never builds deprecated policies, drafts only when asked", async () => {
    const w = lifecycleCopy();
    expect((await runCli(["build", "-o", "b.json", "--include-drafts"], { cwd: w })).code).toBe(0);
    const ids = [...(JSON.parse(readFileSync(join(w, "b.json"), "utf8")) as { policies: { id: string[] } }).policies.id];
    expect(ids.sort()).toEqual(["github-merge-approval-v2", "github-merge-approval-v3", "github-no-repo-delete"]);
  });

  it("names what is wrong in a lock edited into nonsense", async () => {
    const w = lifecycleCopy();
    edit(join(w, "policy.lock"), '"version": 2', '"version": "two"');
    const r = await runCli(["build", "-o", "b.json"], { cwd: w });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[PDL5012]: policy.lock is not a valid lock: /policies/github-merge-approval-v2/version: must be integer");
    writeFileSync(join(w, "policy.lock"), "{ oops");
    expect((await runCli(["build", "-o", "b.json"], { cwd: w })).stderr).toContain("policy.lock is not a valid lock: not valid JSON");
    expect((await runCli(["build", "-o", "b.json", "--no-lock"], { cwd: w })).code).toBe(0);
  });
});

describe("policy audit verify", () => {
  it("accepts the log as built, detects an edited and a truncated log; build refuses to extend it", async () => {
    const w = lifecycleCopy();
    expect((await runCli(["build", "-o", "b.json"], { cwd: w })).code).toBe(0);
    expect(await runCli(["audit", "verify"], { cwd: w })).toMatchObject({ code: 0 });
    const log = join(w, "policy.audit.jsonl");
    const good = readFileSync(log, "utf8");
    writeFileSync(log, good.replace('"actor":"example"', '"actor":"mallory"'));
    const tampered = await runCli(["audit", "verify", "--format", "json"], { cwd: w });
    expect(tampered.code).toBe(1);
    expect(JSON.parse(tampered.stdout).problems[0]).toEqual({ line: 1, message: "entry 1 was modified: its content does not match its hash" });
    writeFileSync(log, good.split("\n")[0] + "\n");
    const cut = await runCli(["audit", "verify"], { cwd: w });
    expect(cut.code).toBe(1);
    expect(cut.stdout).toContain("the log ends at entry 1, but policy.lock records entry 2: 1 entry was removed from the end");
    const b = await runCli(["build", "-o", "b.json"], { cwd: w });
    expect(b.code).toBe(1);
    expect(b.stderr).toContain("the audit log policy.audit.jsonl is broken");
  });
});

describe("policy version and policy promote", () => {
  it("promote --dry-run lists the decisions that change and writes nothing; --accept-changes promotes", async () => {
    const w = lifecycleCopy();
    const before = readFileSync(join(w, "merges.policy"), "utf8");
    const dry = await runCli(["promote", "github-merge-approval-v3", "--dry-run"], { cwd: w });
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain("tests: 3 passed, 0 failed");
    expect(dry.stdout).toContain("sessions/release.jsonl:4 seq 4 github.merge_pull_request: require_approval (github-merge-approval-v2) → allow (default)");
    expect(dry.stdout).toContain("1 recorded decision would change");
    expect(readFileSync(join(w, "merges.policy"), "utf8")).toBe(before);
    const ok = await runCli(["promote", "github-merge-approval-v3", "--accept-changes"], { cwd: w });
    expect(ok.code).toBe(0);
    const after = readFileSync(join(w, "merges.policy"), "utf8");
    expect(after).toContain("  id github-merge-approval-v2\n  scope tenant \"lifecycle\"\n  status deprecated");
    expect(after).toContain("  id github-merge-approval-v3\n  scope tenant \"lifecycle\"\n  status active");
    expect((await runCli(["build", "-o", "b.json"], { cwd: w })).code).toBe(0);
    expect((await runCli(["audit", "list"], { cwd: w })).stdout).toMatch(/\+github-merge-approval-v3@3, -github-merge-approval-v2@2 \(deprecated\)/);
  });

  it("version clones an active policy as the next draft; promote refuses when tests fail", async () => {
    const w = lifecycleCopy();
    const v = await runCli(["version", "github-no-repo-delete"], { cwd: w });
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('created draft "github-no-repo-delete-v2" (version 2 of "github-no-repo-delete") at merges.policy:47');
    const text = readFileSync(join(w, "merges.policy"), "utf8");
    expect(text).toContain('policy "Deleting a repository is never done by an agent" {\n  id github-no-repo-delete-v2\n  status draft\n  scope tenant "lifecycle"\n  version 2\n');
    expect(print(parse(text).ast)).toBe(text);
    expect((await runCli(["version", "github-no-repo-delete"], { cwd: w })).stderr).toContain('"github-no-repo-delete-v2" is already a draft version of "github-no-repo-delete"');
    edit(join(w, "merges.policy"), '  version 2\n  if integration is GitHub\n  if tool is delete_repository\n  action block "repositories are deleted by people"', '  version 2\n  if integration is GitHub\n  if tool is delete_repository\n  action allow');
    const p = await runCli(["promote", "github-no-repo-delete-v2"], { cwd: w });
    expect(p.code).toBe(1);
    expect(p.stdout).toContain('1 test fails with "github-no-repo-delete-v2" active');
    expect(p.stdout).toContain("not promoted");
    expect((await runCli(["promote", "github-no-repo-delete"], { cwd: w })).stderr).toContain('"github-no-repo-delete" is active, not a draft');
  });
});

describe("signed bundles", () => {
  it("keygen + build --sign writes a detached signature the runtime verifies; a changed byte is refused", async () => {
    const w = lifecycleCopy();
    expect((await runCli(["keygen", "-o", "k"], { cwd: w })).code).toBe(0);
    expect((await runCli(["keygen", "-o", "k"], { cwd: w })).code).toBe(2);
    const b = await runCli(["build", "-o", "b.json", "--sign", "k.pem"], { cwd: w });
    expect(b.code).toBe(0);
    expect(b.stderr).toContain("wrote b.json and b.json.sig");
    const bytes = readFileSync(join(w, "b.json"));
    const sig = readFileSync(join(w, "b.json.sig"), "utf8");
    const pub = readFileSync(join(w, "k.pub.pem"), "utf8");
    expect((await verifyBundle(bytes, sig, pub)).ok).toBe(true);
    const t = Buffer.from(bytes);
    t[t.indexOf("lifecycle")] = "L".charCodeAt(0);
    const r = await loadVerifiedBundle(t, sig, pub);
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/modified after it was signed/);
    expect(JSON.parse(readFileSync(join(w, "policy.audit.jsonl"), "utf8").trim().split("\n").at(-1)!).signed).toBe(true);
    expect((await runCli(["build", "--sign", "k.pem"], { cwd: w })).stderr).toContain("--sign needs -o");
    expect((await runCli(["build", "-o", "c.json", "--sign", "k.pub.pem"], { cwd: w })).stderr).toContain("k.pub.pem is a public key");
    expect(existsSync(join(w, "c.json"))).toBe(false);
  });
});

describe("policy export / import", () => {
  it("export → import → fmt gives back the same source", async () => {
    const w = lifecycleCopy();
    const e = await runCli(["export", "--format", "json", "-o", "x.json"], { cwd: w });
    expect(e.code).toBe(0);
    const i = await runCli(["import", "x.json", "-o", "back", "--as-is"], { cwd: w });
    expect(i.code).toBe(0);
    for (const f of ["merges.policy", "merges.test.policy"]) {
      const orig = readFileSync(join(w, f), "utf8");
      expect(readFileSync(join(w, "back", f), "utf8")).toBe(print(parse(orig).ast));
    }
    expect((await runCli(["import", "x.json", "-o", "back", "--as-is"], { cwd: w })).stderr).toContain("already exists");
  });

  it("imports land in Draft by default: active policies become drafts, deprecated ones stay deprecated", async () => {
    const w = lifecycleCopy();
    expect((await runCli(["export", "-o", "x.json"], { cwd: w })).code).toBe(0);
    const i = await runCli(["import", "x.json", "-o", "back"], { cwd: w });
    expect(i.code).toBe(0);
    expect(i.stderr).toContain("as drafts (review them, then `policy promote <id>`; --as-is keeps the statuses)");
    const back = readFileSync(join(w, "back", "merges.policy"), "utf8");
    expect(back).not.toContain("status active");
    expect(back.match(/status draft/g)).toHaveLength(3);
    expect(back.match(/status deprecated/g)).toHaveLength(1);
    const both = await runCli(["import", "x.json", "--draft", "--as-is"], { cwd: w });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--draft and --as-is contradict each other");
  });

  it("exports one policy and imports it as a draft", async () => {
    const w = lifecycleCopy();
    const e = await runCli(["export", "--policy", "github-no-repo-delete", "-o", "one.json"], { cwd: w });
    expect(e.code).toBe(0);
    const i = await runCli(["import", "one.json"], { cwd: w });
    expect(i.stdout).toBe('policy "Deleting a repository is never done by an agent" {\n  id github-no-repo-delete\n  status draft\n  scope tenant "lifecycle"\n  version 1\n  if integration is GitHub\n  if tool is delete_repository\n  action block "repositories are deleted by people"\n}\n');
    expect((await runCli(["export", "--policy", "nope"], { cwd: w })).stderr).toContain('no policy has the id "nope"');
  });

  it("imports the Interven starter rules and reports an unknown operation", async () => {
    const w = tempDir();
    const r = await runCli(["import", "--from", "interven", join(process.cwd(), "examples/interven/starter-rules.json"), "--tenant", "interven", "-o", "starter.policy", "--as-is"], { cwd: w });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("9 rules imported into starter.policy");
    expect(readFileSync(join(w, "starter.policy"), "utf8").replace(/^# Imported from .*\n/, "")).toBe(readFileSync("examples/interven/starter.policy", "utf8").replace(/^# Imported from .*\n/, ""));
    writeFileSync(join(w, "bad.json"), JSON.stringify({ name: "X", rules: [{ rule_id: "x1", match: { tool_name: "slack", operations: ["post_msg"] }, action: "DENY" }] }));
    const bad = await runCli(["import", "bad.json", "-o", "bad.policy"], { cwd: w });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('error: policy "X", rule "x1": unknown operation "post_msg" for tool_name "slack" (Slack): did you mean "slack_post_message"?');
    expect(bad.stderr).toContain("nothing written");
    expect(existsSync(join(w, "bad.policy"))).toBe(false);
  });
});
