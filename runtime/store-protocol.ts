/**
 * The enforcer's side of the session-store protocol (runtime/store.ts): which keys a decision's
 * state lives under, the query it reads (`begin`) before deciding, what the store's answer changes
 * (the clamped time, the revision the session is pinned to across replicas) and the update it
 * writes (`finish`) after deciding. A store that does not answer in time blocks (fail closed).
 * Calls the store reports as pending (recorded by `begin`, not yet settled by their `finish`) are
 * decided around: the decision is taken under each of their outcomes and the strictest is kept.
 */
import type { Bundle, CExpr, Decision, SessionEvent } from "./types.js";
import type { ResolvedCall } from "./event.js";
import { parseTs } from "./event.js";
import type { PendingCall, StateSnapshot, StateUpdate } from "./store.js";
import { seenLabel } from "./seen.js";
import { HISTORY_KINDS } from "./language-facts.js";

/** Rejects when `p` does not settle within `ms` (no timer when `ms` is absent). */
export function within<T>(p: T | Promise<T>, ms: number | undefined): T | Promise<T> {
  if (ms === undefined || !(p instanceof Promise)) return p;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`session store timed out after ${ms} ms`)), ms); });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Session state is per tenant and session id. */
export function sessionKeyOf(e: SessionEvent): string {
  return `${e.tenant ?? ""}\u0000${e.session_id ?? ""}`;
}

/** Agent state (rate, burst, resources, spend) is per tenant and agent id (or name). */
export function agentKeyOf(e: SessionEvent): string {
  return `${e.tenant ?? ""}\u0000${e.agent?.id ?? e.agent?.name ?? ""}`;
}

/** The event's `ts`, or the enforcer's clock when it has none. */
export function eventTime(e: SessionEvent, now: () => number): number {
  const parsed = e.ts ? parseTs(e.ts) : NaN;
  return Number.isFinite(parsed) ? parsed : now();
}

/** What the store's snapshot changes before deciding: the clamped time, and a note when it was clamped. */
export function clampedTime(eventMs: number, state: StateSnapshot, notes: string[]): number {
  const now = state.ts ?? eventMs;
  if (now !== eventMs) notes.push(`ts ${new Date(eventMs).toISOString()} is before the session's last event (${new Date(now).toISOString()}): clamped to it`);
  return now;
}

/** The decision's part of what the store records. */
export interface UpdateInput {
  readonly e: SessionEvent;
  readonly sessionKey: string;
  readonly agentKey: string;
  readonly call: ResolvedCall;
  /** The call's parts when it has several (each part's labels and key are recorded). */
  readonly calls: readonly ResolvedCall[];
  readonly resource: string | undefined;
}

/** What the store must record after the decision; undefined when there is nothing new. */
export function stateUpdate(r: UpdateInput, state: StateSnapshot, d: Decision): StateUpdate | undefined {
  // A pending entry of this call is always settled (confirmed, or dropped when the call is blocked).
  const settles = state.pendingId !== undefined ? { settles: { id: state.pendingId, ...(r.resource !== undefined ? { resource: r.resource } : {}) } } : undefined;
  if (d.effect === "block") {
    const id = r.e.call?.id;
    if (id === undefined && !settles) return undefined;
    return { session: r.sessionKey, agent: r.agentKey, labels: [], called: [], ...(id !== undefined ? { blockedCallId: id } : {}), ...settles };
  }
  const resource = r.resource !== undefined && !state.resourceSeen ? r.resource : undefined;
  const labels = [...new Set(r.calls.flatMap((x) => x.labels))].filter((l) => !state.labels.includes(l));
  const called = [...new Set(r.calls.map((x) => x.key))].filter((k) => !state.called.includes(k));
  if (!labels.length && !called.length && resource === undefined && !settles) return undefined;
  return { session: r.sessionKey, agent: r.agentKey, labels, called, ...(resource !== undefined ? { resource } : {}), ...settles };
}

/** What a call adds to its session if it is not blocked (the store records it as pending in `begin`). */
export function addsOf(calls: readonly ResolvedCall[]): { labels: string[]; called: string[] } {
  return { labels: [...new Set(calls.flatMap((x) => x.labels))], called: [...new Set(calls.map((x) => x.key))] };
}

/** The session facts a revision's conditions read: only a pending call that adds one of these can change a decision. */
export interface SessionAtoms {
  readonly labels: ReadonlySet<string>;
  readonly called: ReadonlySet<string>;
  readonly resource: boolean;
  /** Every pending addition counts (a policy whose conditions cannot be read here: fail closed). */
  readonly all: boolean;
}

/** History kinds whose value no pending call changes (counts are recorded in `begin` itself; spend by responses). */
const COUNTED: ReadonlySet<string> = new Set(["rate", "burst", "spend"]);

const atomsCache = new WeakMap<Bundle, SessionAtoms>();

export function sessionAtoms(b: Bundle): SessionAtoms {
  let a = atomsCache.get(b);
  if (a) return a;
  const labels = new Set<string>(), called = new Set<string>();
  let resource = false, all = false;
  const walk = (e: CExpr): void => {
    if (e.k === "and" || e.k === "or") e.items.forEach(walk);
    else if (e.k === "not") walk(e.x);
    else if (e.k === "session_label") labels.add(e.label);
    else if (e.k === "session_seen") labels.add(seenLabel(e.cls));
    else if (e.k === "session_called") called.add(e.key);
    else if (e.k === "resource_new") resource = true;
    else if (HISTORY_KINDS.has(e.k) && !COUNTED.has(e.k)) all = true;
  };
  for (const p of b.policies) {
    if (!Array.isArray(p.ifs)) all = true;
    else for (const i of p.ifs) walk(i.expr);
  }
  a = { labels, called, resource, all };
  atomsCache.set(b, a);
  return a;
}

/** At most this many distinct unsettled calls are decided around (2^n outcomes); more blocks. */
export const MAX_UNSETTLED = 6;

/** What each pending call adds that the decision could read and the session does not have yet, without duplicates. */
function unsettled(state: StateSnapshot, atoms: SessionAtoms): PendingCall[] {
  const out = new Map<string, PendingCall>();
  for (const p of state.pending ?? []) {
    const labels = p.labels.filter((l) => (atoms.all || atoms.labels.has(l)) && !state.labels.includes(l)).sort();
    const called = p.called.filter((k) => (atoms.all || atoms.called.has(k)) && !state.called.includes(k)).sort();
    const resource = p.resource && (atoms.all || atoms.resource) && !state.resourceSeen;
    if (labels.length || called.length || resource) out.set(JSON.stringify([labels, called, resource]), { labels, called, resource });
  }
  return [...out.values()];
}

/**
 * The snapshots to decide under when other calls are still pending: one per outcome (each pending
 * call let through or blocked) that the revision's conditions can tell apart, every call let
 * through first. A pending call may be settled either way (or never, when its replica crashed),
 * so only the strictest of these decisions is safe. A string (the reason to block) when there
 * are more than `MAX_UNSETTLED` distinct pending calls.
 */
export function pendingWorlds(state: StateSnapshot, atoms: SessionAtoms): StateSnapshot[] | string {
  const { pending: _, ...settled } = state;
  const calls = unsettled(state, atoms);
  if (!calls.length) return [settled];
  if (calls.length > MAX_UNSETTLED) return `${calls.length} earlier calls of this session are not yet recorded as let through or blocked (more than ${MAX_UNSETTLED}): blocked until they are`;
  const out: StateSnapshot[] = [];
  for (let mask = (1 << calls.length) - 1; mask >= 0; mask--) {
    const on = calls.filter((_, i) => mask & (1 << i));
    out.push({
      ...settled,
      labels: [...state.labels, ...new Set(on.flatMap((c) => c.labels))],
      called: [...state.called, ...new Set(on.flatMap((c) => c.called))],
      resourceSeen: state.resourceSeen || on.some((c) => c.resource),
    });
  }
  return out;
}

const RANK: Readonly<Record<Decision["effect"], number>> = { allow: 0, require_approval: 1, block: 2 };

/** The strictest of the decisions taken under each outcome (the first of equals: every pending call let through). */
export function strictestOutcome(ds: readonly Decision[]): Decision {
  let best = ds[0]!;
  for (const d of ds) if (RANK[d.effect] > RANK[best.effect]) best = d;
  return best;
}

/** The note on a decision taken around pending calls. */
export function pendingNote(n: number): string {
  return `${n === 2 ? "an earlier call" : "earlier calls"} of this session ${n === 2 ? "is" : "are"} not yet recorded as let through or blocked: decided under each outcome (${n}), the strictest kept`;
}
