/**
 * The monitor's filters over decision-log lines: policy id (the deciding policy or any matched
 * one), agent, integration, tool, effect, session (run) id and a time range. Every filter given must
 * hold; an empty one holds for all. Comparisons are exact (ids are ids), agent names ignore case.
 */
import { agentOf, str, type LogLine } from "./decision-log.js";

export interface MonitorFilter {
  readonly policy?: string;
  readonly agent?: string;
  readonly integration?: string;
  readonly tool?: string;
  readonly effect?: string;
  readonly session?: string;
  /** ISO times (or `datetime-local` values, read as UTC). */
  readonly from?: string;
  readonly to?: string;
}

export const FILTER_KEYS = ["policy", "agent", "integration", "tool", "effect", "session", "from", "to"] as const;

/** The filter a query string gives (values trimmed, empty ones dropped). */
export function filterOf(q: URLSearchParams): MonitorFilter {
  const out: Record<string, string> = {};
  for (const k of FILTER_KEYS) {
    const v = q.get(k)?.trim();
    if (v) out[k] = v.slice(0, 200);
  }
  return out;
}

function timeOf(v: string | undefined): number | undefined {
  if (!v) return undefined;
  const t = Date.parse(/Z|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`);
  return Number.isFinite(t) ? t : undefined;
}

function matchedIds(rec: Readonly<Record<string, unknown>>): string[] {
  const d = rec.decision as { matched?: { id?: unknown }[] } | undefined;
  return Array.isArray(d?.matched) ? d!.matched.map((m) => (typeof m?.id === "string" ? m.id : "")).filter(Boolean) : [];
}

/** Whether one decision line passes the filter. */
export function passes(l: LogLine, f: MonitorFilter): boolean {
  const r = l.rec;
  if (f.policy && str(r, "policy") !== f.policy && !matchedIds(r).includes(f.policy)) return false;
  if (f.agent && agentOf(r).toLowerCase() !== f.agent.toLowerCase()) return false;
  if (f.integration && str(r, "integration") !== f.integration) return false;
  if (f.tool && str(r, "tool") !== f.tool && `${str(r, "integration")}.${str(r, "tool")}` !== f.tool) return false;
  if (f.effect && str(r, "effect") !== f.effect) return false;
  if (f.session && str(r, "session_id") !== f.session) return false;
  const t = Date.parse(str(r, "ts"));
  const from = timeOf(f.from), to = timeOf(f.to);
  if (from !== undefined && !(t >= from)) return false;
  if (to !== undefined && !(t <= to)) return false;
  return true;
}

/** The decision lines of the logs that pass the filter, newest first. */
export function decisions(lines: readonly LogLine[], f: MonitorFilter): LogLine[] {
  return lines.filter((l) => l.rec.type === "decision" && passes(l, f)).reverse();
}
