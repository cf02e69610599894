/**
 * What the enforcement point tells an observer (metrics, `ops/metrics.ts`) as it works: each
 * decision, approvals opened and settled, alert deliveries, bundle loads. Every method is optional
 * and called synchronously; an observer must not throw (calls are guarded all the same).
 */
export interface DecisionFacts {
  readonly effect: string;
  /** The integration of the call, `""` for `agent_discovered`. */
  readonly integration: string;
  /** The deciding policy's id, `"default"` when the default decided. */
  readonly policy: string;
  readonly outcome: string;
  /** Time to decide, in µs. */
  readonly micros?: number;
  /** The session store failed, so the decision is a fail-closed block. */
  readonly storeError: boolean;
}

export interface ProxyObserver {
  decision?(f: DecisionFacts): void;
  /** +1 when a call starts waiting for approval, -1 when it stops waiting. */
  approvalPending?(delta: 1 | -1): void;
  approvalDecided?(status: string): void;
  alert?(result: "delivered" | "failed"): void;
  bundleLoaded?(revision: string): void;
  /** A new bundle was refused (it does not parse, validate or verify); the loaded one stays. */
  bundleRefused?(reason: string): void;
}

/** Calls an observer method, ignoring whatever it throws (observing never changes a decision). */
export function tell<K extends keyof ProxyObserver>(o: ProxyObserver | undefined, k: K, ...args: Parameters<NonNullable<ProxyObserver[K]>>): void {
  try { (o?.[k] as ((...a: unknown[]) => void) | undefined)?.(...args); } catch { /* never on the decision path */ }
}
