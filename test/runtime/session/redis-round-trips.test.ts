/**
 * The Redis store's wire behaviour against a real redis-server: a decision waits for its begin and
 * (when it records something) its finish, and no more (through a proxy that delays every packet);
 * what a decision let through is visible to other replicas as soon as it returns; an update Redis
 * does not confirm fails the decision closed; and two replicas deciding at once never both pass a
 * `rate(…) > N` limit that only one may pass.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, connect, type Server, type Socket } from "node:net";
import { createEnforcer, MemoryStore } from "../../../runtime/index.js";
import { createRedisStore, type RedisStore } from "../../../adapters/redis/index.js";
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
`;

const T0 = "2026-11-23T10:00:00Z";
const DELAY_MS = 150;

/** A TCP proxy in front of Redis that delays every chunk by `DELAY_MS` each way and counts client writes. */
async function delayingProxy(port: number): Promise<{ url: string; writes: () => number; close: () => Promise<void> }> {
  let writes = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const up = connect(port, "127.0.0.1");
    sockets.add(client).add(up);
    const relay = (from: Socket, to: Socket, count: boolean) => from.on("data", (chunk) => {
      if (count) writes++;
      setTimeout(() => { if (!to.destroyed) to.write(chunk); }, DELAY_MS);
    });
    relay(client, up, true);
    relay(up, client, false);
    const end = () => { client.destroy(); up.destroy(); };
    client.on("close", end).on("error", end);
    up.on("close", end).on("error", end);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${addr.port}`,
    writes: () => writes,
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
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

  beforeAll(async () => { server = await RedisServer.start(); });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await server?.stop();
  });

  it("a decision waits for its begin, and for its finish when it records something; never more", async () => {
    const port = Number(new URL(server.url).port);
    const proxy = await delayingProxy(port);
    try {
      const st = await store(proxy.url, `rt${n++}:`, 2000);
      const e = createEnforcer(compile(POLICIES), { store: st });
      const steps: [string, string, Record<string, unknown>][] = [
        ["gmail.read_email", "allow", { messageId: "m1" }],
        ["slack.slack_post_message", "block", { channel_id: "C0EXT1", text: "fyi" }],
        ["linear.list_issues", "allow", {}],
      ];
      for (const [i, [tool, effect, args]] of steps.entries()) {
        const d = await e.decideAsync(request(at(T0, i), tool, args, { session: "one-rt" }));
        expect(d.effect, `${tool}: ${d.reason}`).toBe(effect);
      }
      // One begin per decision, and one finish per decision that recorded labels or a blocked call.
      expect(st.roundTrips).toBeGreaterThanOrEqual(steps.length);
      expect(st.roundTrips).toBeLessThanOrEqual(2 * steps.length);
    } finally {
      await proxy.close();
    }
  });

  it("what a decision let through is visible to another replica as soon as the decision returns", async () => {
    const prefix = `rt${n++}:`;
    const a = await store(server.url, prefix);
    const b = await store(server.url, prefix);
    const bundle = compile(POLICIES);
    const A = createEnforcer(bundle, { store: a });
    const B = createEnforcer(bundle, { store: b });
    for (let i = 0; i < 20; i++) {
      const session = `x${i}`;
      expect((await A.decideAsync(request(at(T0, 0), "gmail.read_email", { messageId: "m1" }, { session }))).effect).toBe("allow");
      const d = await B.decideAsync(request(at(T0, 1), "slack.slack_post_message", { channel_id: "C0EXT1", text: "fyi" }, { session }));
      expect(d.policy?.id).toBe("lethal-trifecta");
    }
  });

  it("an update Redis does not confirm fails the decision closed; once Redis answers, the session goes on", async () => {
    const st = await store(server.url, `rt${n++}:`);
    const e = createEnforcer(compile(POLICIES), { store: st });
    // The FINISH script (the only one with 4 keys) fails while `failing`: begin is answered, finish is not.
    const client = st.client as unknown as { evalsha: (...a: unknown[]) => Promise<unknown> };
    const real = client.evalsha.bind(client);
    let failing = true;
    client.evalsha = (...a: unknown[]) => (failing && a[1] === 4 ? Promise.reject(new Error("injected failure")) : real(...a));
    const blocked = await e.decideAsync(request(at(T0, 0), "gmail.read_email", { messageId: "m1" }, { session: "lost" }));
    expect(blocked.effect).toBe("block");
    expect(blocked.reason).toMatch(/^session store unavailable: redis: injected failure/);
    failing = false;
    const again = await e.decideAsync(request(at(T0, 2), "gmail.read_email", { messageId: "m2" }, { session: "lost" }));
    expect(again.effect, again.reason).toBe("allow");
    const d = await e.decideAsync(request(at(T0, 3), "slack.slack_post_message", { channel_id: "C0EXT1", text: "fyi" }, { session: "lost" }));
    expect(d.policy?.id).toBe("lethal-trifecta");
  });

  it("two replicas deciding at once never both pass a rate limit only one may pass", async () => {
    const bundle = compile(POLICIES);
    for (let round = 0; round < 5; round++) {
      const prefix = `rate${n++}:`;
      const a = await store(server.url, prefix);
      const b = await store(server.url, prefix);
      const A = createEnforcer(bundle, { store: a });
      const B = createEnforcer(bundle, { store: b });
      // 24 calls of one agent at the same instant over 6 sessions, half on each replica.
      const calls = Array.from({ length: 24 }, (_, i) =>
        (i % 2 ? A : B).decideAsync(request(at(T0, 0, round), "linear.list_issues", {}, { session: `r${i % 6}` })));
      const effects = (await Promise.all(calls)).map((d) => d.effect);
      // Exactly as many pass as one enforcer deciding the same calls one after the other lets pass.
      const one = createEnforcer(bundle, { store: new MemoryStore() });
      const alone = Array.from({ length: 24 }, (_, i) => one.decide(request(at(T0, 0, round), "linear.list_issues", {}, { session: `r${i % 6}` })).effect);
      const passing = alone.filter((x) => x === "allow").length;
      expect(passing).toBeGreaterThan(0);
      expect(passing).toBeLessThan(24);
      expect(effects.filter((x) => x === "allow")).toHaveLength(passing);
    }
  });
});
