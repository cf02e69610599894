/**
 * The enforcer's side of the session-store protocol (runtime/store.ts): which keys a decision's
 * state lives under, the query it reads (`begin`) before deciding, what the store's answer changes
 * (the clamped time, the revision the session is pinned to across replicas) and the update it
 * writes (`finish`) after deciding. A store that does not answer in time blocks (fail closed).
 */
import type { Decision, SessionEvent } from "./types.js";
import type { ResolvedCall } from "./event.js";
import { parseTs } from "./event.js";
import type { StateSnapshot, StateUpdate } from "./store.js";

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
  if (d.effect === "block") {
    const id = r.e.call?.id;
    return id === undefined ? undefined : { session: r.sessionKey, agent: r.agentKey, labels: [], called: [], blockedCallId: id };
  }
  const resource = r.resource !== undefined && !state.resourceSeen ? r.resource : undefined;
  const labels = [...new Set(r.calls.flatMap((x) => x.labels))].filter((l) => !state.labels.includes(l));
  const called = [...new Set(r.calls.map((x) => x.key))].filter((k) => !state.called.includes(k));
  if (!labels.length && !called.length && resource === undefined) return undefined;
  return { session: r.sessionKey, agent: r.agentKey, labels, called, ...(resource !== undefined ? { resource } : {}) };
}
