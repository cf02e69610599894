/**
 * The Redis store's wire behaviour against a real redis-server: a decision waits for one round trip
 * (its begin; its finish is sent without waiting), proved through a proxy that delays every packet
 * and counted with MONITOR; what a decision let through is visible to other replicas as soon as it
 * returns (20 sessions back to back); a finish that is delayed or lost leaves the call pending, and
 * another replica decides around it (under both outcomes, the strictest kept: a trifecta label, a
 * `not session has` condition, a new resource); and two replicas deciding at once never both pass a
 * `rate(…) > N` limit that only one may pass.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, connect, type Server, type Socket } from "node:net";
import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import { createEnforcer, MemoryStore } from "../../../runtime/index.js";
import { createRedisStore, type RedisStore } from "../../../adapters/redis/index.js";
import { BEGIN, FINISH } from "../../../adapters/redis/scripts.js";
import { compile, request, at } from "./helpers.js";
import { haveRedis, RedisServer } from "../../../bench/support/redis-server.js";

const POLICIES = `organization { domains ["acme.com"] external_channels ["C0EXT*"] }
policy "Lethal trifecta" { id lethal-trifecta
  if session has untrusted_content and session has private_data
  if tool has external_communication
  if principal is external
  action block "exfiltration" }
policy "Linear rate" { id linear-rate
  if integration is Linear
  if rate(1m, integration is Linear) > 3
  action block "Linear rate limit" }
policy "Issues only after reading who we are" { id read-first
  if tool is github.create_issue
  if not session has private_data
  action block "read the profile first" }
policy "New repo" { id new-repo
  if tool is github.list_commits
  if resource is new
  action require_approval "a repository this agent has not read before" }
`;

const T0 = "2026-11-23T10:00:00Z";
const DELAY_MS = 250;
const sha = (lua: string) => createHash("sha1").update(lua).digest("hex");
const BEGIN_SHA = sha(BEGIN);
const FINISH_SHA = sha(FINISH);

/** A TCP proxy in front of Redis that delays every chunk by `DELAY_MS` each way. */
async function delayingProxy(port: number): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const up = connect(port, "127.0.0.1");
    sockets.add(client).add(up);
    const relay = (from: Socket, to: Socket) => from.on("data", (chunk) => {
      setTimeout(() => { if (!to.destroyed) to.write(chunk); }, DELAY_MS);
    });
    relay(client, up);
    relay(up, client);
    const end = () => { client.destroy(); up.destroy(); };
    client.on("close", end).on("error", end);
    up.on("close", end).on("error", end);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${addr.port}`,
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

type Evalsha = (...a: unknown[]) => Promise<unknown>;

/** Holds back (or, with `lose`, fails) every FINISH script a store sends until `release()`. */
function holdFinishes(st: RedisStore, lose = false): { release: () => void } {
  const client = st.client as unknown as { evalsha: Evalsha };
  const real = client.evalsha.bind(client);
  const held: (() => void)[] = [];
  let holding = true;
  client.evalsha = (...a: unknown[]) => {
    if (!holding || a[0] !== FINISH_SHA) return real(...a);
    if (lose) return Promise.reject(new Error("connection lost"));
    return new Promise((resolve, reject) => held.push(() => { real(...a).then(resolve, reject); }));
  };
  return { release: () => { holding = false; for (const f of held.splice(0)) f(); } };
}

describe.skipIf(!haveRedis() && process.env["CI"] !== "true")("Redis store: one round trip per decision (real redis-server)", () => {
  let server: RedisServer;
  const stores: RedisStore[] = [];
  let n = 0;
  const store = async (url: string, prefix: string, timeoutMs = 200) => {
    const s = createRedisStore({ url, prefix, timeoutMs });
    stores.push(s);
    await s.ready();
    return s;
  };
  let bundle: ReturnType<typeof compile> | undefined;
  /** Two replicas (a store and an enforcer each) sharing one fresh key prefix. */
  const replicas = async (name = "rt") => {
    const prefix = `${name}${n++}:`;
    const a = await store(server.url, prefix);
    const b = await store(server.url, prefix);
    bundle ??= compile(POLICIES);
    return { prefix, a, b, A: createEnforcer(bundle, { store: a }), B: createEnforcer(bundle, { store: b }) };
  };

  beforeAll(async () => { server = await RedisServer.start(); });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await server?.stop();
  });

  it("a decision waits for one round trip (its begin), whatever it records; its finish still lands", async () => {
    const port = Number(new URL(server.url).port);
    const proxy = await delayingProxy(port);
    const monitor = new Redis(server.url);
    const sent: string[] = [];
    try {
      const mon = await monitor.monitor();
      mon.on("monitor", (_t: string, args: string[]) => { if (String(args[0]).toLowerCase() === "evalsha") sent.push(args[1] === BEGIN_SHA ? "begin" : args[1] === FINISH_SHA ? "finish" : "other"); });
      const st = await store(proxy.url, `rt${n++}:`, 2000);
      const e = createEnforcer(compile(POLICIES), { store: st });
      const steps: [string, string, Record<string, unknown>][] = [
        ["gmail.read_email", "allow", { messageId: "m1" }],
        ["slack.slack_post_message", "block", { channel_id: "C0EXT1", text: "fyi" }],
        ["linear.list_issues", "allow", {}],
        ["github.get_me", "allow", {}],
      ];
      for (const [i, [tool, effect, args]] of steps.entries()) {
        const t = performance.now();
        const d = await e.decideAsync(request(at(T0, i), tool, args, { session: "one-rt" }));
        const ms = performance.now() - t;
        expect(d.effect, `${tool}: ${d.reason}`).toBe(effect);
        // One round trip through the proxy is 2 × DELAY_MS; a second one would double it (slack for a loaded machine).
        expect(ms, tool).toBeGreaterThanOrEqual(2 * DELAY_MS - 5);
        expect(ms, tool).toBeLessThan(4 * DELAY_MS - 100);
      }
      expect(st.roundTrips).toBe(steps.length);
      await st.settled();
      await new Promise((r) => setTimeout(r, 50));
      // Redis ran one begin per decision, and the finishes of the decisions that record something (all four here).
      expect(sent.filter((x) => x === "begin")).toHaveLength(steps.length);
      expect(sent.filter((x) => x === "finish")).toHaveLength(st.finishes);
      expect(st.finishes).toBe(4);
      expect(st.finishFailures).toBe(0);
    } finally {
      monitor.disconnect();
      await proxy.close();
    }
  });

  it("what a decision let through is visible to another replica as soon as the decision returns", async () => {
    const { A, B } = await replicas();
    for (let i = 0; i < 20; i++) {
      const session = `x${i}`;
      expect((await A.decideAsync(request(at(T0, 0), "gmail.read_email", { messageId: "m1" }, { session }))).effect).toBe("allow");
      const d = await B.decideAsync(request(at(T0, 1), "slack.slack_post_message", { channel_id: "C0EXT1", text: "fyi" }, { session }));
      expect(d.policy?.id).toBe("lethal-trifecta");
    }
  });

  it("a finish that has not landed: another replica decides around the pending call (trifecta label), then on what it recorded", async () => {
    const { a, A, B } = await replicas();
    const hold = holdFinishes(a);
    const who = { session: "held" };
    expect((await A.decideAsync(request(at(T0, 0), "gmail.read_email", { messageId: "m1" }, who))).effect).toBe("allow");
    const post = (m: number) => request(at(T0, m), "slack.slack_post_message", { channel_id: "C0EXT1", text: "fyi" }, who);
    const d = await B.decideAsync(post(1));
    expect(d).toMatchObject({ effect: "block", policy: { id: "lethal-trifecta" } });
    expect(d.notes?.join()).toMatch(/not yet recorded as let through or blocked: decided under each outcome \(2\)/);
    hold.release();
    await a.settled();
    const after = await B.decideAsync(post(2));
    expect(after).toMatchObject({ effect: "block", policy: { id: "lethal-trifecta" } });
    expect(after.notes ?? []).toEqual([]);
  });

  it("a finish that never lands (lost, or its replica crashed) keeps the call undecided: every later decision is the strictest of both outcomes", async () => {
    const { a, b, A, B } = await replicas();
    holdFinishes(a, true);
    const who = { session: "lost", agent: "lost-agent" };
    // Let through on A; its finish is lost.
    expect((await A.decideAsync(request(at(T0, 0), "github.get_me", {}, who))).effect).toBe("allow");
    expect((await A.decideAsync(request(at(T0, 1), "github.list_commits", { owner: "acme", repo: "web" }, { ...who, session: "other" }))).effect).toBe("require_approval");
    await a.settled();
    expect(a.finishFailures).toBe(2);
    // "as if let through" alone would allow this (private_data recorded); if get_me had been blocked, it must be blocked.
    for (let m = 2; m < 4; m++) {
      const d = await B.decideAsync(request(at(T0, m), "github.create_issue", { owner: "acme", repo: "web", title: "t" }, who));
      expect(d, d.reason).toMatchObject({ effect: "block", policy: { id: "read-first" } });
    }
    // The repository A's lost call touched may or may not have been let through: still new.
    const d = await B.decideAsync(request(at(T0, 4), "github.list_commits", { owner: "acme", repo: "web" }, who));
    expect(d).toMatchObject({ effect: "require_approval", policy: { id: "new-repo" } });
    // Once a call of the session is recorded as let through with the label, the lost one no longer matters.
    expect((await B.decideAsync(request(at(T0, 5), "github.get_me", {}, who))).effect).toBe("allow");
    await b.settled();
    const ok = await B.decideAsync(request(at(T0, 6), "github.create_issue", { owner: "acme", repo: "web", title: "t" }, who));
    expect(ok.effect, ok.reason).toBe("allow");
    expect(ok.notes ?? []).toEqual([]);
  });

  it("a blocked call's pending entry is dropped by its finish: the session is not held to what it never did", async () => {
    const prefix = `rt${n++}:`;
    const a = await store(server.url, prefix);
    const A = createEnforcer(compile(POLICIES), { store: a });
    const who = { session: "dropped" };
    // Blocked (the profile was not read), so nothing it would add is recorded.
    expect((await A.decideAsync(request(at(T0, 0), "github.create_issue", { owner: "acme", repo: "web", title: "t" }, who))).effect).toBe("block");
    await a.settled();
    const probe = new Redis(server.url);
    try {
      expect(await probe.keys(`${prefix}*pend*`)).toEqual([]);
      expect(await probe.keys(`${prefix}*:rp:*`)).toEqual([]);
    } finally {
      probe.disconnect();
    }
  });

  it("two replicas deciding at once never both pass a rate limit only one may pass", async () => {
    for (let round = 0; round < 5; round++) {
      const { A, B } = await replicas("rate");
      // 24 calls of one agent at the same instant over 6 sessions, half on each replica.
      const calls = Array.from({ length: 24 }, (_, i) =>
        (i % 2 ? A : B).decideAsync(request(at(T0, 0, round), "linear.list_issues", {}, { session: `r${i % 6}` })));
      const effects = (await Promise.all(calls)).map((d) => d.effect);
      // Exactly as many pass as one enforcer deciding the same calls one after the other lets pass.
      const one = createEnforcer(compile(POLICIES), { store: new MemoryStore() });
      const alone = Array.from({ length: 24 }, (_, i) => one.decide(request(at(T0, 0, round), "linear.list_issues", {}, { session: `r${i % 6}` })).effect);
      const passing = alone.filter((x) => x === "allow").length;
      expect(passing).toBeGreaterThan(0);
      expect(passing).toBeLessThan(24);
      expect(effects.filter((x) => x === "allow")).toHaveLength(passing);
    }
  });
});
