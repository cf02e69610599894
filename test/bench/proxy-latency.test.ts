/** `benchProxyLatency()` runs end to end (the bench calls it with more calls). */
import { describe, expect, test } from "vitest";
import { benchProxyLatency } from "../../bench/proxy-latency.js";
import { requireServer, SERVERS } from "../enforce/helpers.js";

describe("benchProxyLatency", () => {
  test("reports p50/p99 for direct and proxied calls", { timeout: 60_000 }, async (ctx) => {
    requireServer(SERVERS.everything.pkg, ctx);
    const r = await benchProxyLatency({ calls: 40, warmup: 5 });
    expect(r.calls).toBe(40);
    expect(r.policies).toBeGreaterThan(0);
    for (const s of [r.direct, r.proxied]) {
      expect(s.p50).toBeGreaterThan(0);
      expect(s.p99).toBeGreaterThanOrEqual(s.p50);
    }
    expect(r.added.p50).toBeCloseTo(r.proxied.p50 - r.direct.p50, 2);
  });
});
