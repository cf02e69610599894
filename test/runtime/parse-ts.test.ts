/** `parseTs` (the event-time parser with a fast path for canonical UTC times) is `Date.parse`. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseTs } from "../../runtime/event.js";

const same = (s: string) => Object.is(parseTs(s), Date.parse(s));

describe("parseTs = Date.parse", () => {
  it("on edge cases", () => {
    for (const s of ["2026-02-30T00:00:00Z", "2026-02-28T23:59:59.999Z", "0999-01-01T00:00:00Z", "1000-01-01T00:00:00Z", "0050-01-01T00:00:00Z",
      "2026-01-01T24:00:00Z", "2026-01-01T23:60:00Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-01T00:00:00.5Z",
      "2026-01-01T00:00:00,500Z", "2026-01-01 00:00:00Z", "2026-01-01T00:00:00z", "+02026-01-01T00:00:00Z", "2026-01-01T00:00:00.-12Z", "2026-0a-01T00:00:00Z",
      "2026-01-01T00:00:00+01:00", "", "x"]) expect(same(s), s).toBe(true);
  });

  it("on ISO strings of any time, on every field value, and on random strings of date characters", () => {
    fc.assert(fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (t) => same(new Date(t).toISOString())), { numRuns: 20_000, seed: 1 });
    const p = (n: number, w: number) => String(n).padStart(w, "0");
    fc.assert(fc.property(fc.tuple(fc.nat(9999), fc.nat(99), fc.nat(99), fc.nat(99), fc.nat(99), fc.nat(99), fc.nat(999), fc.boolean()), ([y, mo, d, h, mi, s, ms, frac]) =>
      same(`${p(y, 4)}-${p(mo, 2)}-${p(d, 2)}T${p(h, 2)}:${p(mi, 2)}:${p(s, 2)}${frac ? "." + p(ms, 3) : ""}Z`)), { numRuns: 50_000, seed: 2 });
    fc.assert(fc.property(fc.array(fc.constantFrom(..."0123456789-:.TZ a+"), { minLength: 18, maxLength: 26 }), (xs) => same(xs.join(""))), { numRuns: 50_000, seed: 3 });
  });
});
