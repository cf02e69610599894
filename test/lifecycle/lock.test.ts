import { describe, expect, it } from "vitest";
import { checkLock, EMPTY_LOCK, lockChanges, nextLock, readLock, serializeLock } from "../../lifecycle/lock.js";
import { GITHUB, project } from "./helpers.js";

const locked = nextLock(project({ "a.policy": GITHUB }), EMPTY_LOCK, undefined);
const check = (text: string) => checkLock(project({ "a.policy": text }), locked, "policy.lock");

describe("policy.lock", () => {
  it("records every active policy with its version and body hash", () => {
    expect(Object.keys(locked.policies)).toEqual(["github-readonly", "linear-delete"]);
    expect(locked.policies["github-readonly"]).toMatchObject({ version: 1, status: "active", file: "a.policy" });
    expect(locked.policies["linear-delete"]!.version).toBe(1);
    expect(locked.policies["github-readonly"]!.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(readLock(serializeLock(locked), "policy.lock").lock).toEqual(locked);
  });

  it("accepts unchanged sources, reformatting and comments", () => {
    expect(check(GITHUB)).toEqual([]);
    const reformatted = GITHUB.replace("  priority 10\n", "  priority 10   # first\n").replace("if operation in [Write, Delete]", "if operation in [Write,Delete]");
    expect(check(reformatted)).toEqual([]);
  });

  it("reports an edited active policy at the changed line (PDL5010)", () => {
    const ds = check(GITHUB.replace("if operation in [Write, Delete]", "if operation in [Write]"));
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ code: "PDL5010", severity: "error" });
    expect(ds[0]!.span.line).toBe(7);
    expect(ds[0]!.message).toContain('"github-readonly" (version 1)');
    expect(ds[0]!.hint).toContain("version 2");
    expect(ds[0]!.fixes?.[0]).toMatchObject({ text: "version 2" });
  });

  it("points at the next line when a line was removed, and at the name when it changed", () => {
    const removed = check(GITHUB.replace("  priority 10\n", ""));
    expect(removed[0]!.message).toContain("removed");
    expect(removed[0]!.span.line).toBe(5);
    const renamed = check(GITHUB.replace('"GitHub is read-only" {', '"GitHub is read only" {'));
    expect(renamed[0]!.span.line).toBe(2);
    expect(renamed[0]!.message).toContain("name");
  });

  it("checks a policy without a version line as version 1, and offers to add one", () => {
    const ds = check(GITHUB.replace('action require_approval "needs a human"', 'action require_approval "needs two humans"'));
    expect(ds).toHaveLength(1);
    expect(ds[0]!.span.line).toBe(15);
    expect(ds[0]!.fixes?.[0]?.text).toBe("version 2\n  ");
  });

  it("accepts a changed body with a new version, and records it", () => {
    const text = GITHUB.replace("version 1", "version 2").replace("[Write, Delete]", "[Write]");
    expect(check(text)).toEqual([]);
    const p = project({ "a.policy": text });
    expect(lockChanges(p, locked).changed).toEqual([{ id: "github-readonly", from: 1, to: 2 }]);
    const next = nextLock(p, locked, { seq: 2, hash: "a".repeat(64) });
    expect(next.policies["github-readonly"]!.version).toBe(2);
    expect(next.audit).toEqual({ seq: 2, hash: "a".repeat(64) });
    expect(checkLock(p, next, "policy.lock")).toEqual([]);
  });

  it("refuses a version lower than the built one (PDL5011)", () => {
    const next = nextLock(project({ "a.policy": GITHUB.replace("version 1", "version 3") }), locked, undefined);
    const ds = checkLock(project({ "a.policy": GITHUB.replace("version 1", "version 2") }), next, "policy.lock");
    expect(ds[0]).toMatchObject({ code: "PDL5011" });
    expect(ds[0]!.span.line).toBe(4);
  });

  it("does not hold drafts or deprecated policies to the lock, but keeps their history", () => {
    const deprecated = GITHUB.replace("  version 1\n", "  version 1\n  status deprecated\n").replace("[Write, Delete]", "[Delete]");
    expect(check(deprecated)).toEqual([]);
    const p = project({ "a.policy": deprecated });
    expect(lockChanges(p, locked).deprecated).toEqual([{ id: "github-readonly", version: 1 }]);
    const next = nextLock(p, locked, undefined);
    expect(next.policies["github-readonly"]!.status).toBe("deprecated");
    // re-activating it with the changed body and the same version is an edit of version 1
    expect(checkLock(project({ "a.policy": GITHUB.replace("[Write, Delete]", "[Delete]") }), next, "policy.lock")[0]?.code).toBe("PDL5010");
  });

  it("marks policies gone from the sources as removed", () => {
    const p = project({ "a.policy": GITHUB.slice(0, GITHUB.indexOf('policy "Linear')) });
    expect(lockChanges(p, locked).removed).toEqual([{ id: "linear-delete", version: 1 }]);
    expect(nextLock(p, locked, undefined).policies["linear-delete"]!.status).toBe("removed");
  });

  it("names what is wrong in a lock edited into nonsense (PDL5012)", () => {
    expect(readLock("{ not json", "policy.lock").diagnostics[0]).toMatchObject({ code: "PDL5012" });
    expect(readLock("{ not json", "policy.lock").diagnostics[0]!.message).toContain("not valid JSON");
    const bad = serializeLock(locked).replace('"version": 1', '"version": "one"');
    const d = readLock(bad, "policy.lock").diagnostics[0]!;
    expect(d.message).toMatch(/policy\.lock is not a valid lock: \/policies\/github-readonly\/version: must be integer/);
    expect(d.span.line).toBeGreaterThan(1);
    const wrongHash = serializeLock(locked).replace(/"hash": "sha256:[0-9a-f]+"/, '"hash": "abc"');
    expect(readLock(wrongHash, "policy.lock").diagnostics[0]!.message).toContain("/hash");
    expect(readLock('{"format":"policy-lock/2","policies":{}}', "policy.lock").diagnostics[0]!.message).toContain("/format");
  });
});
