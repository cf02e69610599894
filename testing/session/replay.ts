/**
 * Streaming replay of recorded sessions (`policy replay`, the benchmark): every event of every
 * file in order through one enforcer per file and bundle — as at the enforcement point, sessions
 * keep their own history while agent-wide state (rate, spend, resources) spans the sessions of the
 * file — with the event `ts` as the clock; with a second bundle, the decision it would have made
 * and whether it changed.
 * INVARIANT: memory grows with the number of sessions, never with the number of events.
 */
import { createEnforcer, type Enforcer } from "../../runtime/index.js";
import { loadedShellParser } from "../../compiler/shell/shell-parser.js";
import type { Bundle, Decision, SessionEvent } from "../../runtime/types.js";
import { streamSessionBatches } from "./read.js";
import { Refusals } from "./refusals.js";
import { decidesReturns } from "../../runtime/response.js";

/**
 * One decided event (`tool_call_request` or `agent_discovered`; and, when the bundle has policies
 * on them, `tool_call_response` and the messages).
 */
export interface ReplayRecord {
  readonly kind: "decision";
  readonly file: string;
  readonly line: number;
  readonly event: SessionEvent;
  readonly decision: Decision;
  /** With a second bundle: its decision, and whether effect or deciding policy differ. */
  readonly before?: Decision;
  readonly changed?: boolean;
}

export interface ReplayBadLine {
  readonly kind: "bad";
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** Whether two decisions differ in what a reviewer cares about: the effect or the deciding policy. */
export function decisionChanged(before: Decision, after: Decision): boolean {
  return before.effect !== after.effect || (before.policy?.id ?? null) !== (after.policy?.id ?? null);
}

/** The enforcer of one replayed file (sessions are told apart by tenant + session_id inside it). */
class Sessions {
  private enforcer: Enforcer | undefined;
  constructor(private readonly bundle: Bundle) {}
  get(_e: SessionEvent): Enforcer {
    return (this.enforcer ??= createEnforcer(this.bundle, { shell: loadedShellParser() }));
  }
}

export interface ReplayOptions {
  /** A second bundle: each record then carries its decision (`before`) and `changed`. */
  readonly against?: Bundle;
  /** Counts every non-blank line read. */
  readonly stats?: { events: number };
  /** Called after each batch; a returned promise is awaited (output backpressure). */
  readonly afterBatch?: () => Promise<void> | undefined;
}

/**
 * Replays session files in order and hands every decision and every bad line to `onRecord`, in
 * input order. Lines are read in batches, so there is no await per event (except for stores
 * that answer asynchronously). Rejects (with the Node error) when a file cannot be opened.
 */
export async function replayFiles(files: readonly string[], bundle: Bundle, onRecord: (r: ReplayRecord | ReplayBadLine) => void, opts: ReplayOptions = {}): Promise<void> {
  const { against, stats } = opts;
  for (const file of files) {
    const now = new Sessions(bundle);
    const old = against ? new Sessions(against) : undefined;
    const refusedNow = new Refusals();
    const refusedOld = new Refusals();
    const returns = new Returns(bundle, against);
    for await (const batch of streamSessionBatches(file)) {
      if (stats) stats.events += batch.length;
      for (const item of batch) {
        if ("bad" in item) { onRecord({ kind: "bad", file, line: item.line, message: item.message }); continue; }
        const ev = item.event;
        if (ev.type !== "tool_call_request" && ev.type !== "agent_discovered") {
          const r = now.get(ev).observe(ev);
          if (r instanceof Promise) await r;
          if (old) { const o = old.get(ev).observe(ev); if (o instanceof Promise) await o; }
          const rec = returns.decide(ev, now.get(ev), old?.get(ev));
          if (rec) onRecord({ kind: "decision", file, line: item.line, event: ev, ...rec });
          continue;
        }
        returns.request(ev);
        const decision = refusedNow.apply(ev, now.get(ev).decide(ev));
        if (!old) { onRecord({ kind: "decision", file, line: item.line, event: ev, decision }); continue; }
        const before = refusedOld.apply(ev, old.get(ev).decide(ev));
        onRecord({ kind: "decision", file, line: item.line, event: ev, decision, before, changed: decisionChanged(before, decision) });
      }
      const wait = opts.afterBatch?.();
      if (wait) await wait;
    }
  }
}

/** Requests kept per file for joining responses to them (the oldest unanswered ones are dropped past this). */
const MAX_OPEN_REQUESTS = 10_000;

/**
 * Responses and messages of a replayed file, decided when a bundle has policies on them: each
 * response is joined to its request (same tenant, session and call id) as at the enforcement point.
 */
class Returns {
  private readonly open = new Map<string, SessionEvent>();
  private readonly on: boolean;
  constructor(bundle: Bundle, against: Bundle | undefined) {
    this.on = decidesReturns(bundle) || (against !== undefined && decidesReturns(against));
  }
  private key(e: SessionEvent, id: string | undefined): string {
    return `${e.tenant ?? ""}\u0000${e.session_id ?? ""}\u0000${id ?? ""}`;
  }
  request(e: SessionEvent): void {
    if (!this.on || e.type !== "tool_call_request" || e.call?.id === undefined) return;
    const k = this.key(e, e.call.id);
    this.open.delete(k);
    this.open.set(k, e);
    if (this.open.size > MAX_OPEN_REQUESTS) this.open.delete(this.open.keys().next().value!);
  }
  decide(e: SessionEvent, now: Enforcer, old: Enforcer | undefined): { decision: Decision; before?: Decision; changed?: boolean } | undefined {
    if (!this.on || !["tool_call_response", "message_to_user", "message_from_user"].includes(e.type)) return undefined;
    const k = this.key(e, e.call_id);
    const req = e.type === "tool_call_response" ? this.open.get(k) : undefined;
    if (req) this.open.delete(k);
    const decision = now.decideResponse(e, req);
    if (!old) return { decision };
    const before = old.decideResponse(e, req);
    return { decision, before, changed: decisionChanged(before, decision) };
  }
}

/** The `--format json` line of SPEC §7 for one decision. */
export function replayJsonLine(r: ReplayRecord): Record<string, unknown> {
  const line: Record<string, unknown> = {
    file: r.file, line: r.line, session_id: r.event.session_id ?? null, seq: r.event.seq ?? null,
    call_id: r.event.call?.id ?? r.event.call_id ?? null, decision: r.decision,
  };
  if (r.before) { line["before"] = r.before; line["changed"] = !!r.changed; }
  return line;
}

/** Counts for the human summary: effects, and changes by tool and by deciding policy. */
export class ReplaySummary {
  decisions = 0;
  changed = 0;
  bad = 0;
  readonly effects = new Map<string, number>();
  readonly byTool = new Map<string, number>();
  readonly byPolicy = new Map<string, number>();

  add(r: ReplayRecord | ReplayBadLine): void {
    if (r.kind === "bad") { this.bad++; return; }
    this.decisions++;
    bump(this.effects, r.decision.effect);
    if (!r.before || !r.changed) return;
    this.changed++;
    const tool = r.decision.tool ?? `agent_discovered ${r.event.agent?.name ?? ""}`.trim();
    bump(this.byTool, `${tool}: ${r.before.effect} → ${r.decision.effect}`);
    const who = (d: Decision) => `${d.policy ? d.policy.id : "default"} (${d.effect})`;
    bump(this.byPolicy, `${who(r.before)} → ${who(r.decision)}`);
  }

  /** Lines of the human summary (no colours). */
  lines(compared: boolean): string[] {
    const effects = [...this.effects].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, v]) => `${k} ${v}`).join(", ");
    const out = [`${this.decisions} decision${this.decisions === 1 ? "" : "s"}: ${effects || "none"}`];
    if (!compared) return out;
    if (!this.changed) { out.push("no decision changed"); return out; }
    out.push("changes by tool:");
    for (const [k, n] of sorted(this.byTool)) out.push(`  ${k} ×${n}`);
    out.push("changes by deciding policy:");
    for (const [k, n] of sorted(this.byPolicy)) out.push(`  ${k} ×${n}`);
    out.push(`${this.changed} decision${this.changed === 1 ? "" : "s"} would change`);
    return out;
  }
}

function bump(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

function sorted(m: Map<string, number>): [string, number][] {
  return [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export interface Throughput {
  readonly events: number;
  readonly decisions: number;
  readonly bad: number;
  readonly ms: number;
  readonly eventsPerSec: number;
  /** Largest resident set size seen during the run (sampled every 50,000 events), in MiB. */
  readonly peakRssMiB: number;
  /** Resident set size before the run, in MiB. */
  readonly startRssMiB: number;
}

/**
 * Replays one session file through a bundle as `policy replay` does (streamed, no output) and
 * measures events per second and peak memory. For `npm run bench`.
 */
export async function replayThroughput(file: string, bundle: Bundle): Promise<Throughput> {
  const mib = () => process.memoryUsage.rss() / (1 << 20);
  const startRssMiB = mib();
  let peak = startRssMiB;
  let decisions = 0, bad = 0;
  const stats = { events: 0 };
  const t0 = performance.now();
  await replayFiles([file], bundle, (r) => {
    if (r.kind === "bad") bad++;
    else decisions++;
    if ((decisions + bad) % 50_000 === 0) peak = Math.max(peak, mib());
  }, { stats });
  const ms = performance.now() - t0;
  peak = Math.max(peak, mib());
  return { events: stats.events, decisions, bad, ms: Math.round(ms), eventsPerSec: Math.round((stats.events / ms) * 1000), peakRssMiB: Math.round(peak), startRssMiB: Math.round(startRssMiB) };
}
