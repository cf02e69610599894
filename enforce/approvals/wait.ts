/**
 * Waiting for an approval: the proxy counts ballots and polls until the request resolves, its
 * time runs out, or the call is cancelled (the agent cancelled it, or the proxy is stopping).
 * INVARIANT: cancellation and the deadline are checked before any ballot is counted, and they
 * settle the outcome as `expired`, so a late approval never wins over them. Any record the proxy
 * did not seal, or a store failure, refuses the call (fail closed).
 */
import type { ApprovalClerk } from "./clerk.js";
import type { ApprovalView } from "./types.js";

export interface WaitOptions {
  /** When the request expires (ms since the epoch). */
  readonly deadline: number;
  readonly pollMs?: number;
  /** Aborted when the call is cancelled; `signal.reason` (a string) says why, e.g. `shutdown`. */
  readonly signal?: AbortSignal;
  /** Called every `heartbeatMs` while waiting (progress notifications keep the agent's client patient). */
  readonly onWaiting?: (view: ApprovalView) => void;
  readonly heartbeatMs?: number;
  readonly now?: () => number;
}

export interface WaitResult {
  readonly status: "approved" | "denied" | "expired";
  readonly view?: ApprovalView;
  /** Why it expired: `timeout`, `cancelled`, `shutdown`. */
  readonly why?: string;
  /** What was wrong with the records, when they were tampered with. */
  readonly tampered?: string;
  /** The store failed. */
  readonly error?: string;
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(done, ms);
  function done() { clearTimeout(t); signal?.removeEventListener("abort", done); resolve(); }
  signal?.addEventListener("abort", done, { once: true });
});

/** Resolves with the final state of approval `id`, whose identity hash is `hash`. */
export async function waitForApproval(clerk: ApprovalClerk, id: string, hash: string, o: WaitOptions): Promise<WaitResult> {
  const now = o.now ?? Date.now;
  let lastBeat = now();
  for (;;) {
    const stop = o.signal?.aborted ? (typeof o.signal.reason === "string" ? o.signal.reason : "cancelled") : now() >= o.deadline ? "timeout" : undefined;
    try {
      const c = stop ? await clerk.settle(id, hash, "expired", { by: stop, why: stop }) : await clerk.tally(id, hash);
      if (!c.ok) {
        await clerk.settle(id, hash, "denied", { why: `tampered: ${c.problem}` }).catch(() => undefined);
        return { status: "denied", tampered: c.problem, ...(c.view ? { view: c.view } : {}) };
      }
      const o2 = c.view.outcome;
      if (o2) return { status: o2.status, view: c.view, ...(o2.status === "expired" ? { why: o2.why ?? stop ?? "timeout" } : {}) };
      if (stop) return { status: "expired", view: c.view, why: stop };
      if (o.onWaiting && now() - lastBeat >= (o.heartbeatMs ?? 10_000)) {
        lastBeat = now();
        try { o.onWaiting(c.view); } catch { /* a progress notification that fails does not end the wait */ }
      }
    } catch (e) {
      return { status: "denied", error: `approval store unavailable: ${(e as Error).message}` };
    }
    await sleep(Math.min(o.pollMs ?? 200, Math.max(1, o.deadline - now())), o.signal);
  }
}
