/**
 * Time windows: `"Mon-Fri 09:00-18:00"`, `"Sat,Sun 10:00-14:00; Mon-Fri 08:00-20:00"`,
 * `"22:00-06:00"` (every day, across midnight). Evaluated in an IANA zone with `Intl`.
 */
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

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
    const days = [false, false, false, false, false, false, false];
    if (m[1]) {
      for (const item of m[1].split(",")) {
        const [a, b] = item.trim().toLowerCase().split(/\s*-\s*/);
        const i = DAYS.indexOf((a ?? "").slice(0, 3));
        const j = b === undefined ? i : DAYS.indexOf(b.slice(0, 3));
        if (i < 0 || j < 0 || (a ?? "").length < 3) return `"${item.trim()}" is not a day or day range (Mon … Sun)`;
        for (let d = i; ; d = (d + 1) % 7) { days[d] = true; if (d === j) break; }
      }
    } else days.fill(true);
    const from = Number(m[2]) * 60 + Number(m[3]);
    const to = Number(m[4]) * 60 + Number(m[5]);
    if (Number(m[3]) > 59 || Number(m[5]) > 59 || from > 1440 || to > 1440) return `"${part.trim()}" has an invalid time of day`;
    out.push({ days, from, to });
  }
  return out;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

const lastMinute = new Map<string, { utcMinute: number; value: { day: number; minute: number } }>();

/**
 * Weekday (0 = Sunday) and minute of day of `ms` in `tz`; undefined for an unknown zone. Every
 * zone offset is a whole number of minutes, so the answer is cached per zone for the current UTC
 * minute.
 */
export function localTime(ms: number, tz: string): { day: number; minute: number } | undefined {
  const utcMinute = Math.floor(ms / 60_000);
  const hit = lastMinute.get(tz);
  if (hit && hit.utcMinute === utcMinute) return hit.value;
  const value = computeLocalTime(ms, tz);
  if (value) {
    if (lastMinute.size > 1000) lastMinute.clear();
    lastMinute.set(tz, { utcMinute, value });
  }
  return value;
}

function computeLocalTime(ms: number, tz: string): { day: number; minute: number } | undefined {
  let f = formatters.get(tz);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat("en-US", { timeZone: tz, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    } catch {
      return undefined;
    }
    formatters.set(tz, f);
  }
  let day = 0, h = 0, min = 0;
  for (const p of f.formatToParts(new Date(ms))) {
    if (p.type === "weekday") day = DAYS.indexOf(p.value.toLowerCase().slice(0, 3));
    else if (p.type === "hour") h = Number(p.value);
    else if (p.type === "minute") min = Number(p.value);
  }
  return { day, minute: h * 60 + min };
}

export function isValidTimeZone(tz: string): boolean {
  return localTime(0, tz) !== undefined;
}

/** True when `ms` falls in one of the windows (end exclusive; a window may wrap past midnight). */
export function withinWindows(windows: readonly TimeWindow[], ms: number, tz: string): boolean {
  const t = localTime(ms, tz);
  if (!t) return false;
  for (const w of windows) {
    if (w.from <= w.to) {
      if (w.days[t.day] && t.minute >= w.from && t.minute < w.to) return true;
    } else {
      if (w.days[t.day] && t.minute >= w.from) return true;
      if (w.days[(t.day + 6) % 7] && t.minute < w.to) return true;
    }
  }
  return false;
}
