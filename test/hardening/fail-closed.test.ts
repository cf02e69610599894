/**
 * The fail-closed matrix (docs/fail-closed.md): one test per row. Every fault yields the documented
 * decision, and nothing throws into the caller.
 * INVARIANT under test: the runtime never throws into its caller; on any fault it blocks with a reason.
 */
import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { createEnforcer, MemoryStore, type SessionStore, type StateQuery } from "../../runtime/index.js";
import type { Bundle, Decision } from "../../runtime/types.js";
import { call, compile, POLICIES, SESSION_POLICIES } from "./helpers.js";

const bundle = compile(POLICIES);
const stateful = compile(SESSION_POLICIES);
const read = call("github.list_issues", { owner: "acme", repo: "web" });

function blocked(d: Decision, reason: RegExp): void {
  expect(d.effect).toBe("block");
  expect(d.reason).toMatch(reason);
  expect(d.policy).toBeNull();
}

/** A store that fails in the way given; sync or async. */
function faultyStore(fault: "reject" | "hang" | "throw" | "finish-reject" | "respond-reject"): SessionStore {
  const mem = new MemoryStore();
  return {
    sync: fault === "throw",
    begin(q: StateQuery) {
      if (fault === "throw") throw new Error("connection refused");
      if (fault === "reject") return Promise.reject(new Error("ECONNREFUSED 127.0.0.1:6379"));
      if (fault === "hang") return new Promise(() => {});
      return Promise.resolve(mem.begin(q));
    },
    finish(u) { return fault === "finish-reject" ? Promise.reject(new Error("write failed")) : Promise.resolve(mem.finish(u)); },
    respond(u) { return fault === "respond-reject" ? Promise.reject(new Error("write failed")) : Promise.resolve(mem.respond(u)); },
  };
}

describe("fail-closed matrix", () => {
  it("bad bundle (not a bundle at all) → every decision blocks with 'bundle rejected'", () => {
    for (const bad of [null, undefined, 42, "policy-bundle/1", [], {}, { format: "policy-bundle/2" }]) {
      const e = createEnforcer(bad);
      blocked(e.decide(read), /^bundle rejected: /);
      expect(e.visibleTools({ name: "Cursor" }, ["github.list_issues"])).toEqual([]);
    }
  });

  it("truncated bundle (parts missing, dangling index, unknown condition kind) → blocks with 'bundle rejected'", () => {
    const b = JSON.parse(JSON.stringify(bundle)) as Record<string, unknown>;
    const variants: unknown[] = [
      { ...b, index: undefined },
      { ...b, policies: undefined },
      { ...b, tools: undefined },
      { ...b, policies: (b["policies"] as unknown[]).slice(0, 1) }, // index points past the end
      { ...b, policies: (b["policies"] as Record<string, unknown>[]).map((p) => ({ ...p, ifs: [{ text: "x", expr: { k: "from_the_future" } }] })) },
      { ...b, policies: (b["policies"] as Record<string, unknown>[]).map((p) => ({ ...p, effect: "maybe" })) },
      { ...b, default: { Read: "allow" } },
      // Values that only look right once turned into strings.
      { ...b, policies: (b["policies"] as Record<string, unknown>[]).map((p) => ({ ...p, effect: ["block"] })) },
      { ...b, default: { Read: ["allow"], Write: "allow", Delete: "allow", Unknown: "allow", form: "by_operation" } },
      { ...b, policies: (b["policies"] as Record<string, unknown>[]).map((p) => ({ ...p, ifs: [{ text: "x", expr: { k: "arg", path: ["a"], op: ["eq"], value: 1 } }] })) },
      // Tool facts a call would be resolved with: an unknown operation or argument kind.
      { ...b, tools: { ...(b["tools"] as object), "github.list_issues": ["Sometimes", [], null, null, [], null, "list_issues"] } },
      { ...b, tools: { ...(b["tools"] as object), "github.list_issues": ["Read", [], null, null, [], null, "list_issues", { path: "filename" }] } },
      { ...b, tools: { ...(b["tools"] as object), "github.list_issues": ["Read", [], null, null, [], null, "list_issues", ["path"]] } },
      { ...b, tools: { ...(b["tools"] as object), "github.list_issues": ["Read"] } },
    ];
    for (const v of variants) blocked(createEnforcer(v).decide(read), /^bundle rejected: /);
    // A bundle text cut short is not JSON: the caller's JSON.parse throws before the runtime sees it.
    const text = JSON.stringify(bundle);
    expect(() => JSON.parse(text.slice(0, text.length >> 1))).toThrow();
  });

  it("a bad bundle loaded over a good one is refused: the good one keeps deciding", () => {
    const e = createEnforcer(bundle);
    expect(e.load({ format: "policy-bundle/1" })).toBe(false);
    expect(e.decide(read).effect).toBe("allow");
    expect(e.revision).toBe(bundle.revision);
  });

  const verify = existsSync(new URL("../../runtime/verify.ts", import.meta.url));
  it.skipIf(!verify)("unverified signature (tampered bytes, wrong key, garbage signature) → not loaded: every decision blocks", async () => {
    const { loadVerifiedBundle } = (await import("../../runtime/verify.js" as string)) as { loadVerifiedBundle: (b: string, s: unknown, k: CryptoKey) => Promise<{ ok: boolean; reason: string; enforcer: ReturnType<typeof createEnforcer> }> };
    const subtle = globalThis.crypto.subtle;
    const pair = (await subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const other = (await subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const bytes = JSON.stringify(bundle) + "\n";
    const spki = new Uint8Array(await subtle.exportKey("spki", pair.publicKey));
    const key = Array.from(new Uint8Array(await subtle.digest("SHA-256", spki))).map((x) => x.toString(16).padStart(2, "0")).join("").slice(0, 16);
    const raw = new Uint8Array(await subtle.sign({ name: "Ed25519" }, pair.privateKey, new TextEncoder().encode(bytes)));
    const sig = { format: "policy-signature/1", alg: "Ed25519", revision: bundle.revision, key, signature: btoa(String.fromCharCode(...raw)) };
    const good = await loadVerifiedBundle(bytes, sig, pair.publicKey);
    expect(good.ok).toBe(true);
    expect(good.enforcer.decide(read).effect).toBe("allow");
    const tampered = bytes.replace("GitHub is read-only for agents", "GitHub is read-write for agents");
    for (const [b, s, k] of [[tampered, sig, pair.publicKey], [bytes, sig, other.publicKey], [bytes, { ...sig, signature: "AAAA" }, pair.publicKey], [bytes.slice(0, 100), sig, pair.publicKey]] as const) {
      const r = await loadVerifiedBundle(b, s, k);
      expect(r.ok).toBe(false);
      blocked(r.enforcer.decide(read), /^bundle rejected: signature check failed: /);
    }
  });

  it("store down (begin rejects) → block 'session store unavailable'", async () => {
    const e = createEnforcer(stateful, { store: faultyStore("reject") });
    blocked(await e.decideAsync(read), /^session store unavailable: ECONNREFUSED/);
  });

  it("store down after the decision (finish rejects) → block 'session store unavailable'", async () => {
    const e = createEnforcer(stateful, { store: faultyStore("finish-reject") });
    blocked(await e.decideAsync(read), /^session store unavailable: write failed/);
  });

  it("store down while recording a response → observe reports ok: false (no throw)", async () => {
    const e = createEnforcer(stateful, { store: faultyStore("respond-reject") });
    const r = await e.observe({ type: "tool_call_response", session_id: "s1", call_id: "c1", result: {} });
    expect(r).toEqual({ ok: false, note: expect.stringMatching(/^session store unavailable/) });
  });

  it("store timeout (begin never settles, storeTimeoutMs 50) → block 'session store … timed out'", async () => {
    const e = createEnforcer(stateful, { store: faultyStore("hang"), storeTimeoutMs: 50 });
    const t0 = Date.now();
    blocked(await e.decideAsync(read), /^session store unavailable: session store timed out after 50 ms/);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it("asynchronous store passed to the synchronous decide() → block", () => {
    const e = createEnforcer(stateful, { store: faultyStore("hang") });
    blocked(e.decide(read), /asynchronous: call decideAsync/);
  });

  it("malformed event → block 'invalid event: <field>'", () => {
    const e = createEnforcer(bundle);
    const cases: [unknown, RegExp][] = [
      [null, /not a JSON object/],
      ["tool_call_request", /not a JSON object/],
      [{}, /type: missing/],
      [{ type: "tool_call_request" }, /call: missing/],
      [{ type: "tool_call_request", call: { integration: "github", tool: 7 } }, /call\.tool/],
      [{ type: "tool_call_request", call: { integration: ["github"], tool: "x" } }, /call\.integration/],
      [{ type: "tool_call_request", call: { type: "grpc", integration: "github", tool: "x" } }, /call\.type/],
      [{ type: "tool_call_request", call: { command: [] } }, /call\.command/],
      [{ type: "tool_call_request", ts: "yesterday", call: { integration: "github", tool: "list_issues" } }, /ts: not a date-time/],
      [{ type: "tool_call_request", agent: "Cursor", call: { integration: "github", tool: "list_issues" } }, /agent: must be an object/],
      [{ type: "agent_discovered", agent: {} }, /agent\.name/],
    ];
    for (const [ev, why] of cases) {
      const d = e.decide(ev);
      blocked(d, /^invalid event: /);
      expect(d.reason).toMatch(why);
    }
  });

  it("event that is not a decision event (a response, a message) → block pointing at observe()", () => {
    blocked(createEnforcer(bundle).decide({ type: "message_from_user", text: "hi" }), /use observe\(\)/);
  });

  it("internal exception (a synchronous store whose begin throws) → block 'internal error'", () => {
    const e = createEnforcer(stateful, { store: faultyStore("throw") });
    blocked(e.decide(read), /^internal error: connection refused/);
  });

  it("internal exception (a hostile args object whose getter throws) → block, no throw", () => {
    const args = Object.defineProperty({}, "text", { enumerable: true, get() { throw new Error("boom"); } });
    const d = createEnforcer(bundle).decide(call("slack.send_message", args));
    expect(d.effect).toBe("block");
    expect(d.reason).toMatch(/boom/);
  });

  it("a decision started from inside another (an argument getter calling decide) → that one blocks, the outer one is intact", () => {
    const b = compile(`policy "p" {\n  id p\n  if tool is github.create_issue\n  if args.title is "x"\n  action block "no x"\n}\npolicy "q" {\n  id q\n  if tool is github.create_issue\n  if args.repo is "web"\n  action alert "web"\n}\n`);
    const e = createEnforcer(b);
    const inner: Decision[] = [];
    let reads = 0;
    const args = Object.defineProperty({ repo: "web" }, "title", {
      enumerable: true,
      get() { if (++reads > 1) inner.push(e.decide(call("github.create_issue", { repo: "web", title: "x" }))); return "x"; },
    });
    const d = e.decide(call("github.create_issue", args));
    expect([d.effect, d.policy?.id, d.matched.map((m) => m.id)]).toEqual(["block", "p", ["p", "q"]]);
    expect(inner.length).toBeGreaterThan(0);
    for (const x of inner) blocked(x, /^internal error: decide\(\) called while a decision was being made/);
    // And the enforcer is not left busy.
    expect(e.decide(call("github.create_issue", { repo: "web", title: "x" })).policy?.id).toBe("p");
  });

  it("internal exception in async decide (store begin throws synchronously) → block", async () => {
    const store = { ...faultyStore("throw"), sync: false } as SessionStore;
    blocked(await createEnforcer(stateful, { store }).decideAsync(read), /^session store unavailable: connection refused/);
  });

  it("unknown tool → the default for operation Unknown (here: block); without a default, allow (SPEC §4)", () => {
    const d = createEnforcer(bundle).decide(call("github.frobnicate"));
    expect(d).toMatchObject({ effect: "block", policy: null, operation: "Unknown", reason: "no policy matched; default by operation: Unknown → block" });
    const u = createEnforcer(bundle).decide(call("nosuch.thing"));
    expect(u).toMatchObject({ effect: "block", operation: "Unknown" });
    const open = compile(`policy "p" {\n  id p\n  if integration is GitHub\n  action block\n}\n`);
    expect(createEnforcer(open).decide(call("nosuch.thing"))).toMatchObject({ effect: "allow", reason: "no policy matched; allowed by default" });
  });

  it("clock missing (no ts, and the clock throws) → block 'internal error'", () => {
    const e = createEnforcer(bundle, { now: () => { throw new Error("no clock"); } });
    blocked(e.decide(call("github.list_issues", {}, { ts: undefined })), /^internal error: no clock/);
  });

  it("clock missing (no ts, and the clock returns NaN) → block 'no usable time'", async () => {
    for (const now of [() => NaN, () => Infinity, () => undefined as unknown as number]) {
      const e = createEnforcer(stateful, { now });
      blocked(e.decide(call("github.list_issues", {}, { ts: undefined })), /^no usable time/);
      blocked(await e.decideAsync(call("github.list_issues", {}, { ts: undefined })), /^no usable time/);
    }
  });

  it("a condition the runtime cannot evaluate (stack exhausted by a deep bundle) → block, no throw", () => {
    let expr: unknown = { k: "integration", ids: ["github"] };
    for (let i = 0; i < 200; i++) expr = { k: "not", x: { k: "not", x: expr } };
    const b = JSON.parse(JSON.stringify(bundle)) as Bundle & { policies: { ifs: unknown[] }[] };
    b.policies[0]!.ifs = [{ text: "deep", expr: expr as Bundle["policies"][number]["ifs"][number]["expr"] }];
    const d = createEnforcer(b).decide(call("github.create_issue"));
    expect(d.effect).toBe("block");
  });
});
