/**
 * One revision-pinning mechanism (runtime/revisions.ts): a session keeps the revision it started on
 * across reloads, whether the enforcer pinned it on its first event or a host opened it explicitly
 * (`openSession`, the MCP proxy); an open session's revision is never evicted from the cache.
 */
import { describe, expect, it } from "vitest";
import { createEnforcer } from "../../runtime/index.js";
import { call, compile } from "../hardening/helpers.js";
import { Revisions } from "../../runtime/revisions.js";
import type { Compiled } from "../../runtime/compiled.js";

/** A bundle whose one policy decides `github.create_issue` with `effect`, told apart by `n`. */
function bundleWith(effect: "allow" | "block", n: number) {
  return compile(`policy "p${n}" {\n  id p${n}\n  if tool is github.create_issue\n  action ${effect}\n}\n`);
}

const create = (session: string) => call("github.create_issue", { owner: "a", repo: "b", title: "t" }, { session_id: session });

describe("revision pinning", () => {
  it("a session seen before a reload keeps its revision; a new one gets the new revision", () => {
    const e = createEnforcer(bundleWith("allow", 0));
    expect(e.decide(create("old")).effect).toBe("allow");
    expect(e.load(bundleWith("block", 1))).toBe(true);
    expect(e.decide(create("old")).effect).toBe("allow");
    expect(e.decide(create("new")).effect).toBe("block");
  });

  it("an opened session is pinned before its first event and keeps its revision through many reloads", () => {
    const first = bundleWith("allow", 0);
    const e = createEnforcer(first);
    expect(e.openSession({ tenant: "acme", session_id: "held" })).toBe(first.revision);
    e.load(bundleWith("allow", 100));
    expect(e.decide(create("unheld")).effect).toBe("allow");
    for (let i = 1; i <= 40; i++) expect(e.load(bundleWith("block", i))).toBe(true);
    const d = e.decide(create("held"));
    expect([d.effect, d.revision]).toEqual(["allow", first.revision]);
    expect(e.bundleAt(first.revision)?.revision).toBe(first.revision);
    // A session the cache could not keep (not opened, its revision evicted) is decided with the current one.
    expect(e.decide(create("unheld")).effect).toBe("block");
    e.closeSession({ tenant: "acme", session_id: "held" });
    e.load(bundleWith("block", 41));
    expect(e.bundleAt(first.revision)?.revision).not.toBe(first.revision);
    expect(e.decide(create("held")).effect).toBe("block");
  });

  it("visibleTools and argumentsOf read the session's revision when asked", () => {
    const hide = compile(`policy "h" {\n  id h\n  if tool is github.create_issue\n  action hide\n}\n`);
    const first = bundleWith("allow", 0);
    const e = createEnforcer(first);
    e.load(hide);
    expect(e.visibleTools({ name: "Cursor" }, ["github.create_issue"])).toEqual([]);
    expect(e.visibleTools({ name: "Cursor" }, ["github.create_issue"], undefined, first.revision)).toEqual(["github.create_issue"]);
  });

  it("closing a session releases the revision it held, also after a shared store pinned it elsewhere", () => {
    const fake = (revision: string) => ({ bundle: { revision }, stateful: false, lookback: 0, filters: new Map(), counts: [], tallies: [] }) as unknown as Compiled;
    const rv = new Revisions();
    rv.add(fake("r0"));
    expect(rv.openSession("", "a")).toBe("r0");
    rv.add(fake("r1"));
    expect(rv.openSession("", "b")).toBe("r1");
    rv.pin("", "a", "r1"); // what `settle` does when the store says session a runs on r1
    rv.closeSession("", "a");
    for (let i = 2; i < 40; i++) rv.add(fake(`r${i}`));
    expect(rv.pinned("", "b").bundle.revision).toBe("r1");
    expect(rv.get("r0")).toBeUndefined();
  });

  it("while one revision is loaded nothing is looked up: the sessions of the last 100,000 decisions are pinned when a second loads, an opened one always", () => {
    const fake = (revision: string) => ({ bundle: { revision }, stateful: false, lookback: 0, filters: new Map(), counts: [], tallies: [] }) as unknown as Compiled;
    const rv = new Revisions();
    rv.add(fake("r0"));
    rv.openSession("t", "opened");
    rv.pinned("t", "early");
    for (let i = 0; i < 100_000; i++) rv.pinned("t", `s${i % 60_000}`);
    rv.add(fake("r0")); // the same revision again: still one
    rv.pinned("t", "late");
    rv.add(fake("r1"));
    expect(rv.pinned("t", "late").bundle.revision).toBe("r0");
    expect(rv.pinned("t", "s59999").bundle.revision).toBe("r0");
    expect(rv.pinned("t", "s1").bundle.revision).toBe("r0");
    expect(rv.pinned("t", "opened").bundle.revision).toBe("r0");
    // Out of the log (100,000 decisions ago) and never opened: a new session for the enforcer.
    expect(rv.pinned("t", "early").bundle.revision).toBe("r1");
    expect(rv.pinned("t", "new").bundle.revision).toBe("r1");
  });

  it("a session closed while one revision was loaded is not pinned from its entries before the close", () => {
    const fake = (revision: string) => ({ bundle: { revision }, stateful: false, lookback: 0, filters: new Map(), counts: [], tallies: [] }) as unknown as Compiled;
    const rv = new Revisions();
    rv.add(fake("r0"));
    rv.openSession("t", "closed");
    rv.pinned("t", "closed");
    rv.closeSession("t", "closed");
    rv.openSession("t", "reused");
    rv.closeSession("t", "reused");
    rv.pinned("t", "reused"); // decided again after its close: it runs on r0
    rv.add(fake("r1"));
    expect(rv.pinned("t", "closed").bundle.revision).toBe("r1");
    expect(rv.pinned("t", "reused").bundle.revision).toBe("r0");
  });
});
