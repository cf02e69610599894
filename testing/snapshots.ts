/**
 * Decision snapshots of replayed sessions: `<session>.jsonl.snap` beside the session file, one
 * line per decision (`session seq tool effect policy`, then approvers and alerting policies), so that a change of behaviour shows up
 * as a small, aligned diff. `policy test --update-snapshots` writes them; a later run compares.
 */
import type { Decision, SessionEvent } from "../runtime/types.js";

export const SNAPSHOT_HEADER = "# policy test snapshot: session seq tool effect deciding-policy [from:approvers] [alert:policy…] (regenerate with `policy test --update-snapshots`)";

/** One decision as a snapshot line (no spaces inside a field). */
export function snapshotLine(event: SessionEvent, decision: Decision, line: number): string {
  const session = word(event.session_id ?? "-");
  const seq = event.seq !== undefined ? String(event.seq) : `L${line}`;
  const tool = event.type === "agent_discovered" ? `agent_discovered:${word(event.agent?.name ?? "?")}` : word(decision.tool ?? "?");
  const from = decision.approvers.length ? ` from:${decision.approvers.map(word).join(",")}` : "";
  const alerts = [...new Set(decision.alerts.map((a) => a.policy))].map((p) => ` alert:${word(p)}`).join("");
  return `${session} ${seq} ${tool} ${decision.effect} ${decision.policy ? word(decision.policy.id) : "default"}${from}${alerts}`;
}

function word(s: string): string {
  return /^[^\s"]+$/.test(s) ? s : JSON.stringify(s);
}

/** The whole snapshot file for the decisions of one session file. */
export function snapshotText(decisions: readonly { readonly line: number; readonly event: SessionEvent; readonly decision: Decision }[]): string {
  return [SNAPSHOT_HEADER, ...decisions.map((d) => snapshotLine(d.event, d.decision, d.line))].join("\n") + "\n";
}

function body(text: string): string[] {
  return text.split(/\r?\n/).filter((l) => l !== "" && !l.startsWith("#"));
}

/** The key that aligns lines of two snapshots: session and seq. */
function keyOf(line: string): string {
  const parts = line.split(" ");
  return `${parts[0]} ${parts[1]}`;
}

/**
 * A readable diff of two snapshots (`-` recorded, `+` now), aligned by session and seq; empty
 * when they agree. Lines are in the order of the new snapshot, removed ones where they were.
 */
export function diffSnapshots(recorded: string, now: string): { readonly changed: number; readonly lines: readonly string[] } {
  const a = body(recorded);
  const b = body(now);
  const old = new Map<string, string[]>();
  for (const l of a) { const k = keyOf(l); old.set(k, [...(old.get(k) ?? []), l]); }
  const out: string[] = [];
  let changed = 0;
  for (const l of b) {
    const k = keyOf(l);
    const prev = old.get(k)?.shift();
    if (prev === l) continue;
    changed++;
    if (prev !== undefined) out.push(`- ${prev}`);
    out.push(`+ ${l}`);
  }
  for (const rest of old.values()) for (const l of rest) { changed++; out.push(`- ${l}`); }
  return { changed, lines: out };
}
