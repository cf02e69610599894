/**
 * Calendar windows and allowed-only counting, as properties:
 * - the start of the local day / hour (runtime/calendar.ts) equals a minute-by-minute scan back to
 *   where the local period changes, in zones with DST (spring forward, fall back, half-hour and
 *   45-minute offsets, a zone whose change happens at midnight), at random times and around changes;
 * - `rate(10m, allowed, …) > N` lets a call through exactly when fewer than N calls were let through
 *   in the 10 minutes before it (a model of the quota), however the calls are spaced.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { periodStart, wallClock } from "../../runtime/calendar.js";
import { createEnforcer } from "../../runtime/index.js";
import { compile, request } from "./session/helpers.js";

const ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "America/Santiago", "Pacific/Chatham", "America/Havana", "UTC"];
const UNIT = { day: 86_400_000, hour: 3_600_000 } as const;

/** The start by brute force: step back a minute at a time while the local period stays the same. */
function scan(ms: number, period: "day" | "hour", tz: string): number {
  const key = (t: number) => Math.floor(wallClock(t, tz) / UNIT[period]);
  const k = key(ms);
  let t = Math.floor(ms / 60_000) * 60_000;
  while (key(t - 60_000) === k) t -= 60_000;
  return t;
}

/** Instants around the 2026 DST changes of the zones above (± 3 hours of each). */
const CHANGES = ["2026-03-29T01:00:00Z", "2026-10-25T01:00:00Z", "2026-03-08T07:00:00Z", "2026-11-01T06:00:00Z", "2026-04-04T15:00:00Z", "2026-10-03T15:30:00Z", "2026-04-05T03:00:00Z", "2026-09-06T04:00:00Z", "2026-03-08T05:00:00Z", "2026-11-01T05:00:00Z"].map(Date.parse);

describe("calendar windows in a time zone", () => {
  const at = fc.oneof(
    fc.integer({ min: Date.parse("2025-06-01T00:00:00Z"), max: Date.parse("2027-06-01T00:00:00Z") }),
    fc.tuple(fc.constantFrom(...CHANGES), fc.integer({ min: -3 * 3_600_000, max: 3 * 3_600_000 })).map(([c, d]) => c + d),
  );
  it("the start of the local day and hour equals a minute-by-minute scan (DST included)", () => {
    fc.assert(fc.property(at, fc.constantFrom(...ZONES), fc.constantFrom("day" as const, "hour" as const), (ms, tz, period) => {
      const start = periodStart(ms, period, tz);
      expect(start).toBe(scan(ms, period, tz));
      expect(start).toBeLessThanOrEqual(ms);
    }), { numRuns: 150, seed: 20261203 });
  }, 120_000);

  it("a Berlin day is 23 hours on the spring change and 25 on the autumn one", () => {
    const day = (iso: string) => periodStart(Date.parse(iso), "day", "Europe/Berlin");
    expect(day("2026-03-29T21:00:00Z") - day("2026-03-29T01:00:00Z")).toBe(0);
    expect(day("2026-03-30T12:00:00Z") - day("2026-03-29T12:00:00Z")).toBe(23 * 3_600_000);
    expect(day("2026-10-26T12:00:00Z") - day("2026-10-25T12:00:00Z")).toBe(25 * 3_600_000);
    expect(new Date(day("2026-11-23T22:59:59Z")).toISOString()).toBe("2026-11-22T23:00:00.000Z");
    expect(new Date(day("2026-11-23T23:00:00Z")).toISOString()).toBe("2026-11-23T23:00:00.000Z");
  });

  it("an unknown zone gives NaN (the enforcer then counts from the start: never less than meant)", () => {
    expect(periodStart(0, "day", "Mars/Olympus")).toBeNaN();
  });
});

describe("allowed-only counting", () => {
  const bundle = compile(`policy "Quota" { id quota
  if tool is linear.create_issue
  if rate(10m, allowed, tool is linear.create_issue) > 3
  action block "quota" }`);
  const base = Date.parse("2026-11-23T10:00:00Z");

  it("a call goes through exactly when fewer than 3 went through in the 10 minutes before it", () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 240_000 }), { minLength: 1, maxLength: 40 }), (gaps) => {
      const e = createEnforcer(bundle);
      const through: number[] = [];
      let t = base;
      for (const g of gaps) {
        t += g;
        const expected = through.filter((x) => x > t - 600_000).length + 1 > 3 ? "block" : "allow";
        const d = e.decide(request(new Date(t).toISOString(), "linear.create_issue", { title: "x", teamId: "t" }, { session: "q", agent: "q" }));
        expect(d.effect).toBe(expected);
        if (d.effect === "allow") through.push(t);
      }
    }), { numRuns: 200, seed: 7 });
  });
});
