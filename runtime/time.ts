/**
 * Time windows: `"Mon-Fri 09:00-18:00"`, `"Sat,Sun 10:00-14:00; Mon-Fri 08:00-20:00"`,
 * `"22:00-06:00"` (every day, across midnight). Evaluated in an IANA zone with `Intl`.
 */
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/** 0 (Sunday) … 6 for a day name or abbreviation (its first three letters, any case); -1 otherwise. */
const dayOf = (name: string) => DAYS.indexOf(name.toLowerCase().slice(0, 3));

export interface TimeWindow {
  readonly days: readonly boolean[];
  readonly from: number;
  readonly to: number;
}

/** Parses a window spec; returns an error message instead of throwing. */
export function parseTimeSpec(spec: string): TimeWindow[] | string {
  const out: TimeWindow[] = [];
  for (const part of spec.split(";")) {
    const m = /^\s*(?:([A-Za-z,\s-]+?)\s+)?(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(part);
    if (!m) return `"${part.trim()}" is not a window like "Mon-Fri 09:00-18:00"`;
    // Without days: every day.
    const days = Array<boolean>(7).fill(!m[1]);
    for (const item of m[1] ? m[1].split(",") : []) {
      const [a, b] = item.trim().split(/\s*-\s*/) as [string, string?];
      const i = dayOf(a);
      const j = b === undefined ? i : dayOf(b);
      if (i < 0 || j < 0 || a.length < 3) return `"${item.trim()}" is not a day or day range (Mon … Sun)`;
      for (let d = i; ; d = (d + 1) % 7) { days[d] = true; if (d === j) break; }
    }
    const [, , h1, m1, h2, m2] = m.map(Number) as number[] as [number, number, number, number, number, number];
    const from = h1 * 60 + m1;
    const to = h2 * 60 + m2;
    if (m1 > 59 || m2 > 59 || from > 1440 || to > 1440) return `"${part.trim()}" has an invalid time of day`;
    out.push({ days, from, to });
  }
  return out;
}

/**
 * Per zone: its formatter and the last answer, for one UTC minute (every zone offset is a whole
 * number of minutes, so the answer holds for the whole minute).
 */
const zones = new Map<string, { f: Intl.DateTimeFormat; at?: number; t?: { day: number; minute: number } }>();

/** Weekday (0 = Sunday) and minute of day of `ms` in `tz`; undefined for an unknown zone. */
export function localTime(ms: number, tz: string): { day: number; minute: number } | undefined {
  let z = zones.get(tz);
  if (!z) {
    try {
      z = { f: new Intl.DateTimeFormat("en-US", { timeZone: tz, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }) };
    } catch {
      return undefined;
    }
    if (zones.size > 1000) zones.clear();
    zones.set(tz, z);
  }
  const at = Math.floor(ms / 60_000);
  if (z.at !== at) {
    let day = 0, h = 0, min = 0;
    for (const p of z.f.formatToParts(new Date(ms))) {
      if (p.type === "weekday") day = dayOf(p.value);
      else if (p.type === "hour") h = Number(p.value);
      else if (p.type === "minute") min = Number(p.value);
    }
    z.at = at;
    z.t = { day, minute: h * 60 + min };
  }
  return z.t;
}

export function isValidTimeZone(tz: string): boolean {
  return localTime(0, tz) !== undefined;
}

/** True when `ms` falls in one of the windows (end exclusive; a window may wrap past midnight). */
export function withinWindows(windows: readonly TimeWindow[], ms: number, tz: string): boolean {
  const t = localTime(ms, tz);
  if (!t) return false;
  const { day, minute } = t;
  return windows.some((w) => w.from <= w.to
    ? w.days[day] && minute >= w.from && minute < w.to
    : (w.days[day] && minute >= w.from) || (w.days[(day + 6) % 7] && minute < w.to));
}
