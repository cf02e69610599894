/** A session's turns run in the order they were queued, whatever each step's latency; a failing step does not stop the next. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Turns } from "../../enforce/turns.js";

describe("Turns", () => {
  test("steps with random latency finish in queue order, one at a time", async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 12 }), async (delays) => {
      const t = new Turns();
      const log: string[] = [];
      let running = 0;
      await Promise.all(delays.map((ms, i) => t.run(async () => {
        expect(++running).toBe(1);
        log.push(`start ${i}`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`end ${i}`);
        running--;
      })));
      expect(log).toEqual(delays.flatMap((_, i) => [`start ${i}`, `end ${i}`]));
    }), { numRuns: 30 });
  });

  test("a failed step rejects its own promise only", async () => {
    const t = new Turns();
    const a = t.run(() => Promise.reject(new Error("routing failed")));
    const b = t.run(() => 42);
    await expect(a).rejects.toThrow("routing failed");
    await expect(b).resolves.toBe(42);
  });
});
