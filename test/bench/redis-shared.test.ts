/**
 * `benchSharedRedis()` runs end to end (`npm run bench:redis` runs it with 4 enforcers × 50,000
 * decisions): enforcer processes on one real redis-server, each decision waiting for one round
 * trip, every finish confirmed, the same effects as one enforcer deciding the same sessions.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { benchSharedRedis } from "../../bench/redis-shared.js";
import { haveRedis, RedisServer } from "../../bench/support/redis-server.js";

describe.skipIf(!haveRedis())("benchSharedRedis (real redis-server, enforcer processes)", () => {
  let server: RedisServer;
  beforeAll(async () => { server = await RedisServer.start(); });
  afterAll(async () => { await server?.stop(); });

  test("2 enforcer processes × 8 in flight: one round trip per decision, every finish confirmed", { timeout: 120_000 }, async () => {
    const r = await benchSharedRedis(server.url, { decisions: 400, enforcers: 2, inFlight: 8 });
    expect(r.decisions).toBe(800);
    expect(r.round_trips_per_decision).toBe(1);
    expect(r.finishes_per_decision).toBeGreaterThan(0);
    expect(r.finish_failures).toBe(0);
    expect(Object.values(r.effects).reduce((a, b) => a + b, 0)).toBe(800);
    expect(r.decisions_per_s).toBeGreaterThan(0);
    expect(r.cpu_us_per_decision.redis).toBeGreaterThan(0);
  });
});
