/**
 * The Redis store against a real redis-server: shared sessions across enforcers, fail closed when
 * Redis dies or hangs, recovery, revision pinning across replicas, and the same decisions as the
 * in-memory store.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { createEnforcer, MemoryStore } from "../../../runtime/index.js";
import { createRedisStore, type RedisStore } from "../../../adapters/redis/index.js";
import { compile, request, response, at, run } from "../../runtime/session/helpers.js";
import { haveRedis, RedisServer } from "../../../bench/support/redis-server.js";

const POLICIES = `organization { domains ["acme.com"] external_channels ["C0EXT*"] }
policy "Lethal trifecta" { id lethal-trifecta
  if session has untrusted_content and session has private_data
  if tool has external_communication
  if principal is external
  action block "no external communication after reading untrusted content and private data", alert "exfiltration attempt" to "#security" }
policy "GitHub rate" { id github-rate
  if integration is GitHub
  if rate(5m, integration is GitHub) > 3
  action block "GitHub rate limit" }
policy "Budget" { id budget
  if spend today > 1 USD
  action block "daily budget" }
policy "New repo" { id new-repo
  if resource is new
  if integration is GitHub
  action require_approval }
policy "Burst" { id burst
  if burst
  action require_approval "burst" }
`;

const T0 = "2026-11-23T10:00:00Z";

const available = haveRedis();

describe.skipIf(!available)("Redis session store (real redis-server)", () => {
  let server: RedisServer;
  const stores: RedisStore[] = [];
  let n = 0;
  const store = async (opts: { timeoutMs?: number } = {}) => {
    const s = createRedisStore({ url: server.url, prefix: `t${n++}:`, ...opts });
    stores.push(s);
    await s.ready();
    return s;
  };
  const shared = async () => {
    const a = createRedisStore({ url: server.url, prefix: `t${n}:` });
    const b = createRedisStore({ url: server.url, prefix: `t${n++}:` });
    stores.push(a, b);
    await Promise.all([a.ready(), b.ready()]);
    return [a, b] as const;
  };

  beforeAll(async () => { server = await RedisServer.start(); });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await server?.stop();
  });

  it("two enforcers sharing one Redis see one session (labels, rate, spend, resources, call ids)", async () => {
    const bundle = compile(POLICIES);
    const [sa, sb] = await shared();
    const A = createEnforcer(bundle, { store: sa });
    const B = createEnforcer(bundle, { store: sb });
    expect((await A.decideAsync(request(at(T0, 0), "gmail.read_email", { messageId: "m1" }, {}, "r1"))).effect).toBe("allow");
    // The response arrives at the other replica: it knows the call id.
    expect((await B.observe(response(at(T0, 0, 5), "r1", { amount: 0.6, currency: "USD" }))).note).toBeUndefined();
    const d = await B.decideAsync(request(at(T0, 1), "slack.slack_post_message", { channel_id: "C0EXT1", text: "fyi" }));
    expect(d.effect).toBe("block");
    expect(d.policy?.id).toBe("lethal-trifecta");
    expect(d.alerts[0]).toMatchObject({ agent: "Support Bot", tool: "slack.slack_post_message", integration: "slack", to: "#security" });
    // New resource, seen across replicas.
    expect((await A.decideAsync(request(at(T0, 2), "github.list_issues", { owner: "acme", repo: "web" }))).effect).toBe("require_approval");
    // Until A's finish lands, B sees the call as pending and decides the stricter way (a new resource): wait for it.
    await sa.settled();
    expect((await B.decideAsync(request(at(T0, 2, 10), "github.list_issues", { owner: "acme", repo: "web" }))).effect).toBe("allow");
    expect((await A.decideAsync(request(at(T0, 2, 20), "github.list_issues", { owner: "acme", repo: "web" }))).effect).toBe("allow");
    // Rate across replicas: the 4th GitHub call in 5 minutes.
    expect((await B.decideAsync(request(at(T0, 2, 30), "github.list_issues", { owner: "acme", repo: "web" }))).effect).toBe("block");
    // Spend across replicas: 0.6 + 0.6 > 1.
    await A.observe(response(at(T0, 3), "r1", { amount: 0.6, currency: "USD" }));
    const s = await B.decideAsync(request(at(T0, 3, 1), "gmail.read_email", { messageId: "m2" }));
    expect(s.policy?.id).toBe("budget");
  });

  it("keys carry TTLs", async () => {
    const st = await store();
    const e = createEnforcer(compile(POLICIES), { store: st });
    await e.decideAsync(request(T0, "github.list_issues", { owner: "acme", repo: "web" }, { session: "ttl" }));
    await e.observe(response(T0, "x", { amount: 0.1, currency: "USD" }, { session: "ttl" }));
    const keys = await st.client.keys(`t${n - 1}:*`);
    expect(keys.length).toBeGreaterThanOrEqual(5);
    for (const k of keys) expect(await st.client.pttl(k), k).toBeGreaterThan(0);
  });

  it("killing Redis mid-session blocks every decision (fail closed); restarting it recovers", async () => {
    const st = await store();
    const e = createEnforcer(compile(POLICIES), { store: st });
    expect((await e.decideAsync(request(at(T0, 0), "linear.list_issues", {}, { session: "k" }))).effect).toBe("allow");
    await server.kill();
    const t = Date.now();
    const d = await e.decideAsync(request(at(T0, 1), "linear.list_issues", {}, { session: "k" }));
    expect(d.effect).toBe("block");
    expect(d.reason).toMatch(/^session store unavailable: /);
    expect(Date.now() - t).toBeLessThan(1000);
    expect((await e.observe(response(at(T0, 1), "c", { amount: 1, currency: "USD" }, { session: "k" }))).ok).toBe(false);
    await server.spawn();
    await st.ready(10_000);
    const back = await e.decideAsync(request(at(T0, 2), "linear.list_issues", {}, { session: "k" }));
    expect(back.effect).toBe("allow");
  });

  it("a Redis that hangs (SIGSTOP) blocks within the deadline; it recovers when it answers again", async () => {
    const st = await store({ timeoutMs: 150 });
    const e = createEnforcer(compile(POLICIES), { store: st });
    expect((await e.decideAsync(request(at(T0, 0), "linear.list_issues", {}, { session: "h" }))).effect).toBe("allow");
    server.pause();
    try {
      const t = Date.now();
      const d = await e.decideAsync(request(at(T0, 1), "linear.list_issues", {}, { session: "h" }));
      expect(d.effect).toBe("block");
      expect(d.reason).toMatch(/session store unavailable: .*(timed out|within 150 ms)/);
      expect(Date.now() - t).toBeLessThan(1000);
    } finally {
      server.resume();
    }
    let ok = "";
    for (let i = 0; i < 40 && ok !== "allow"; i++) {
      ok = (await e.decideAsync(request(at(T0, 2), "linear.list_issues", {}, { session: "h" }))).effect;
      if (ok !== "allow") await new Promise((r) => setTimeout(r, 100));
    }
    expect(ok).toBe("allow");
  });

  it("revision pinning across replicas: a running session keeps its revision on a replica that loaded a newer one", async () => {
    const r1 = compile(POLICIES);
    const r2 = compile(POLICIES + `policy "No Linear" { id no-linear
  if integration is Linear
  action block }`);
    const [sa, sb] = await shared();
    const A = createEnforcer(r1, { store: sa });
    const B = createEnforcer(r1, { store: sb });
    expect((await A.decideAsync(request(at(T0, 0), "linear.list_issues", {}, { session: "old" }))).revision).toBe(r1.revision);
    B.load(r2);
    const old = await B.decideAsync(request(at(T0, 1), "linear.list_issues", {}, { session: "old" }));
    expect(old).toMatchObject({ effect: "allow", revision: r1.revision });
    const fresh = await B.decideAsync(request(at(T0, 1), "linear.list_issues", {}, { session: "new" }));
    expect(fresh).toMatchObject({ effect: "block", revision: r2.revision });
    // A replica that never loaded r1 decides with what it has, and says so.
    const C = createEnforcer(r2, { store: createRedisStore({ url: server.url, prefix: `t${n - 1}:` }) });
    stores.push(C.store as RedisStore);
    await (C.store as RedisStore).ready();
    const c = await C.decideAsync(request(at(T0, 2), "linear.list_issues", {}, { session: "old" }));
    expect(c.revision).toBe(r2.revision);
    expect(c.notes?.join(" ")).toMatch(new RegExp(`started on revision ${r1.revision}`));
  });

  it("the same session gives the same decisions on the in-memory and the Redis store", async () => {
    const bundle = compile(POLICIES);
    const events = [
      request(at(T0, 0), "gmail.read_email", { messageId: "m1" }, {}, "e1"),
      response(at(T0, 0, 2), "e1", { amount: 0.25, currency: "USD" }),
      ...Array.from({ length: 12 }, (_, i) => request(at(T0, 1, i * 3), "github.list_issues", { owner: "acme", repo: i % 3 ? "web" : "api" })),
      request(at(T0, 2), "slack.slack_post_message", { channel_id: "C0EXT7", text: "x" }),
      request(at(T0, 2, 1), "slack.slack_post_message", { channel_id: "C0INT", text: "x" }),
      response(at(T0, 2, 2), "unknown-id", { amount: 0.8, currency: "USD" }),
      request(at(T0, 1, 59), "gmail.read_email", { messageId: "m2" }), // ts goes backwards
      request(at(T0, 9), "github.get_file_contents", { owner: "acme", repo: "docs", path: "a.md" }),
    ];
    const mem = await run(createEnforcer(bundle, { store: new MemoryStore() }), events);
    const red = await run(createEnforcer(bundle, { store: await store() }), events);
    expect(red).toEqual(mem);
    expect(mem.map((d) => d.effect)).toContain("block");
    expect(mem.map((d) => d.effect)).toContain("require_approval");
  });
});
