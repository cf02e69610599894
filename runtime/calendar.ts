/**
 * Calendar-aligned windows (`today`, `this hour`) in an IANA time zone: the instant the local day
 * or hour holding a time began. The period of `t` is the longest run of instants up to `t` whose
 * local wall-clock time lies in the same day (or hour) as `t`'s: across a DST change a local day
 * lasts 23 or 25 hours, a repeated local hour 2 hours, and a day whose midnight is skipped begins
 * at the change. Dependency-free (`Intl` only), like the rest of the runtime.
 */
export type Period = "day" | "hour";

const UNIT: Readonly<Record<Period, number>> = { day: 86_400_000, hour: 3_600_000 };
const formats = new Map<string, Intl.DateTimeFormat | null>();

function formatOf(tz: string): Intl.DateTimeFormat | null {
  let f = formats.get(tz);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat("en-US", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    } catch {
      f = null;
    }
    if (formats.size > 1000) formats.clear();
    formats.set(tz, f);
  }
  return f;
}

/** The local wall-clock time of `ms` in `tz`, as milliseconds of a UTC calendar (NaN for an unknown zone). */
export function wallClock(ms: number, tz: string): number {
  const f = formatOf(tz);
  if (!f) return NaN;
  const p: Record<string, number> = {};
  for (const x of f.formatToParts(new Date(ms))) if (x.type !== "literal") p[x.type] = Number(x.value);
  const whole = Date.UTC(p["year"]!, p["month"]! - 1, p["day"]!, p["hour"]!, p["minute"]!, p["second"]!);
  return whole + (((ms % 1000) + 1000) % 1000);
}

const keyOf = (ms: number, tz: string, unit: number) => Math.floor(wallClock(ms, tz) / unit);

/** The first instant at or after `lo` (≤ `hi`) whose local period is `k` (periods only move forward between them). */
function firstWith(lo: number, hi: number, k: number, tz: string, unit: number): number {
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (keyOf(mid, tz, unit) >= k) hi = mid; else lo = mid;
  }
  return hi;
}

const cache = new Map<string, { minute: number; start: number }>();

/**
 * The instant (ms) the local `period` holding `ms` began in `tz`; NaN for an unknown zone. Offsets
 * change at most a few times a year, so a candidate from the offset at `ms` is right but near a
 * change, where it is corrected from the offset at the candidate, or found by bisection.
 */
export function periodStart(ms: number, period: Period, tz: string): number {
  const minute = Math.floor(ms / 60_000);
  const ck = `${tz}\u0000${period}`;
  const hit = cache.get(ck);
  if (hit && hit.minute === minute) return hit.start;
  const start = compute(ms, UNIT[period], tz);
  if (cache.size > 1000) cache.clear();
  // Every offset is a whole number of minutes and changes on a minute: the answer holds for the minute.
  cache.set(ck, { minute, start });
  return start;
}

function compute(ms: number, unit: number, tz: string): number {
  const w = wallClock(ms, tz);
  if (!Number.isFinite(w)) return NaN;
  const k = Math.floor(w / unit);
  const w0 = k * unit;
  let c = w0 - (w - ms);
  for (let i = 0; i < 4; i++) {
    const off = wallClock(c, tz) - c;
    const next = w0 - off;
    if (next === c) break;
    c = next;
  }
  if (c > ms || keyOf(c, tz, unit) !== k) {
    // The period's first wall-clock instant does not exist (skipped by a change): it began at the change.
    return firstWith(ms - unit - 3 * 3_600_000, ms, k, tz, unit);
  }
  // A repeated wall-clock stretch just before `c` with the same period (a fall-back hour) belongs to it.
  while (keyOf(c - 1, tz, unit) === k) {
    const before = c - 1;
    const off = wallClock(before, tz) - before;
    const earlier = w0 - off;
    if (earlier >= c) break;
    c = earlier;
  }
  return c;
}
