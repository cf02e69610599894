/**
 * The audit log: append-only JSON Lines, one entry per build, hash-chained (each entry carries the
 * hash of the previous one and its own hash over everything else). `verifyAuditLog` detects an
 * edited, reordered, deleted or cut-off entry; with the head recorded in `policy.lock` it also
 * detects entries removed from the end.
 */
import { userInfo } from "node:os";
import { sha256 } from "../compiler/policy-body.js";
import type { AuditHead, LockChanges } from "./lock.js";

export const AUDIT_FILE = "policy.audit.jsonl";

export interface AuditEntry {
  readonly seq: number;
  readonly ts: string;
  /** Who ran the build: `$POLICY_ACTOR`, else the OS user. */
  readonly actor: string;
  readonly action: "build";
  readonly revision: string;
  readonly output: string | null;
  readonly signed: boolean;
  readonly include_drafts: boolean;
  /** The policies in the bundle, with their versions. */
  readonly policies: readonly { readonly id: string; readonly version: number | null; readonly status: string }[];
  readonly changes: LockChanges;
  /** The reviews the bundle was built with (`policy.reviews.json`: its sha256 and the statuses), when the project has the file. */
  readonly reviews?: { readonly hash: string; readonly tools: Readonly<Record<string, string>>; readonly agents: Readonly<Record<string, string>> };
  /** Hash of the previous entry (null for the first). */
  readonly prev: string | null;
  /** sha256 of this entry's JSON without `hash`. */
  readonly hash: string;
}

export type AuditInput = Omit<AuditEntry, "seq" | "ts" | "actor" | "prev" | "hash" | "action">;

export function defaultActor(): string {
  const env = process.env["POLICY_ACTOR"];
  if (env) return env;
  try { return userInfo().username; } catch { return "unknown"; }
}

/** The entry that follows `head` (or starts the log). */
export function makeEntry(input: AuditInput, head: AuditHead | undefined, opts: { now?: Date; actor?: string } = {}): AuditEntry {
  const body = {
    seq: (head?.seq ?? 0) + 1,
    ts: (opts.now ?? new Date()).toISOString(),
    actor: opts.actor ?? defaultActor(),
    action: "build" as const,
    revision: input.revision,
    output: input.output,
    signed: input.signed,
    include_drafts: input.include_drafts,
    policies: input.policies,
    changes: input.changes,
    ...(input.reviews ? { reviews: input.reviews } : {}),
    prev: head?.hash ?? null,
  };
  return { ...body, hash: sha256(JSON.stringify(body)) };
}

export function serializeEntry(e: AuditEntry): string {
  return JSON.stringify(e) + "\n";
}

export interface AuditProblem {
  readonly line: number;
  readonly message: string;
}

export interface AuditVerification {
  readonly ok: boolean;
  readonly entries: readonly AuditEntry[];
  readonly problems: readonly AuditProblem[];
  /** The last valid entry (what the next build chains to). */
  readonly head?: AuditHead;
}

/**
 * Verifies a log. `expectedHead` (from the lock) is where the log must end; without it, entries
 * removed from the end cannot be detected (the result says so in a problem-free way: `ok` only
 * speaks for the chain).
 */
export function verifyAuditLog(text: string, expectedHead?: AuditHead): AuditVerification {
  const problems: AuditProblem[] = [];
  const entries: AuditEntry[] = [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  else if (lines.length && text.length) problems.push({ line: lines.length, message: "the last entry is cut off (no newline at the end): the log was truncated or is being written" });
  let prev: AuditEntry | undefined;
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const raw = lines[i]!;
    if (!raw.trim()) { problems.push({ line: n, message: "blank line: entries are never removed or emptied" }); continue; }
    let obj: Record<string, unknown>;
    try { obj = JSON.parse(raw) as Record<string, unknown>; } catch (e) {
      if (!problems.some((p) => p.line === n)) problems.push({ line: n, message: `not a JSON entry (${(e as Error).message})` });
      continue;
    }
    if (!obj || typeof obj !== "object" || Array.isArray(obj)) { problems.push({ line: n, message: "not an audit entry object" }); continue; }
    const { hash, ...rest } = obj;
    if (typeof hash !== "string") { problems.push({ line: n, message: "entry has no hash" }); continue; }
    if (sha256(JSON.stringify(rest)) !== hash) problems.push({ line: n, message: `entry ${String(obj["seq"])} was modified: its content does not match its hash` });
    const e = obj as unknown as AuditEntry;
    const wantSeq = (prev?.seq ?? 0) + 1;
    if (e.seq !== wantSeq) problems.push({ line: n, message: `entry has seq ${String(e.seq)}, expected ${wantSeq}: entries were removed, added or reordered` });
    const wantPrev = prev?.hash ?? null;
    if (e.prev !== wantPrev) problems.push({ line: n, message: prev ? `entry ${String(e.seq)} does not chain to entry ${prev.seq} (prev hash differs): an entry before it was changed or removed` : "the first entry does not start the chain (prev is not null): the log's beginning was removed" });
    entries.push(e);
    prev = e;
  }
  const head = prev ? { seq: prev.seq, hash: prev.hash } : undefined;
  if (expectedHead) {
    if (!head) problems.push({ line: 0, message: `the log is empty, but policy.lock records ${expectedHead.seq} entr${expectedHead.seq === 1 ? "y" : "ies"}: the log was truncated or replaced` });
    else if (head.seq < expectedHead.seq) problems.push({ line: lines.length, message: `the log ends at entry ${head.seq}, but policy.lock records entry ${expectedHead.seq}: ${expectedHead.seq - head.seq} entr${expectedHead.seq - head.seq === 1 ? "y was" : "ies were"} removed from the end` });
    else if (head.seq === expectedHead.seq && head.hash !== expectedHead.hash) problems.push({ line: lines.length, message: `entry ${head.seq} is not the one policy.lock records (hash differs): the end of the log was replaced` });
    else if (head.seq > expectedHead.seq) {
      const at = entries.find((x) => x.seq === expectedHead.seq);
      if (!at || at.hash !== expectedHead.hash) problems.push({ line: lines.length, message: `entry ${expectedHead.seq} is not the one policy.lock records (hash differs)` });
      else problems.push({ line: lines.length, message: `the log has ${head.seq - expectedHead.seq} entr${head.seq - expectedHead.seq === 1 ? "y" : "ies"} after the one policy.lock records: a build did not update the lock, or entries were appended by hand` });
    }
  }
  return { ok: problems.length === 0, entries, problems, ...(head ? { head } : {}) };
}
