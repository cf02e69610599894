/**
 * Waiting for an approval: poll the store until the request resolves, its time runs out (which
 * denies), or the agent cancels the call.
 */
import type { ApprovalStore, ApprovalView } from "./types.js";

export interface WaitOptions {
  /** When the request expires (ms since the epoch). */
  readonly deadline: number;
  readonly pollMs?: number;
  /** Aborted when the agent cancels the call: the request expires at once. */
  readonly signal?: AbortSignal;
  /** Called every `heartbeatMs` while waiting (progress notifications keep the agent's client patient). */
  readonly onWaiting?: (view: ApprovalView) => void;
  readonly heartbeatMs?: number;
  readonly now?: () => number;
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(done, ms);
  function done() { clearTimeout(t); signal?.removeEventListener("abort", done); resolve(); }
  signal?.addEventListener("abort", done, { once: true });
});

/** Resolves with the final view: `approved`, `denied` or `expired`. A store failure denies (fails closed). */
export async function waitForApproval(store: ApprovalStore, id: string, o: WaitOptions): Promise<{ status: "approved" | "denied" | "expired"; view?: ApprovalView; error?: string }> {
  const now = o.now ?? Date.now;
  const poll = o.pollMs ?? 200;
  let lastBeat = now();
  for (;;) {
    let v: ApprovalView | undefined;
    try {
      v = await store.get(id);
    } catch (e) {
      return { status: "denied", error: `approval store unavailable: ${(e as Error).message}` };
    }
    if (!v) return { status: "denied", error: `approval ${id} disappeared from the store` };
    if (v.status === "approved" || v.status === "denied") {
      // Settle it so that every process reports the same outcome.
      const final = v.outcome ? v : await store.expire(id).catch(() => v);
      const s = final?.status === "approved" || final?.status === "denied" || final?.status === "expired" ? final.status : v.status;
      return { status: s, view: final ?? v };
    }
    if (v.status === "expired" || now() >= o.deadline || o.signal?.aborted) {
      const final = await store.expire(id).catch(() => undefined);
      const s = final && final.status !== "pending" ? final.status : "expired";
      return { status: s, ...(final ? { view: final } : {}) };
    }
    if (o.onWaiting && now() - lastBeat >= (o.heartbeatMs ?? 10_000)) {
      lastBeat = now();
      try { o.onWaiting(v); } catch { /* a progress notification that fails does not end the wait */ }
    }
    await sleep(Math.min(poll, Math.max(1, o.deadline - now())), o.signal);
  }
}
