/**
 * The tool calls a session has in flight, each under the proxy's own id (`h-…`), never only the
 * agent's JSON-RPC request id: an agent may reuse a request id, and a `notifications/cancelled`
 * for that id then cancels every call received under it (the SDK alone would cancel only the
 * latest one, and a held call could run after approval). On shutdown every held call is
 * cancelled with the reason `shutdown`, so each waiting agent gets an answer before exit.
 */
import { randomBytes } from "node:crypto";

export interface HeldCall {
  readonly id: string;
  /** Aborted on cancel (reason `cancelled`) or shutdown (reason `shutdown`), or when the agent's own signal aborts. */
  readonly signal: AbortSignal;
  release(): void;
}

type RequestId = string | number;

export class HeldCalls {
  private readonly byRequest = new Map<RequestId, Set<AbortController>>();
  private readonly live = new Set<AbortController>();
  private stopping: string | undefined;

  /** Registers a call received under `requestId`; `outer` is the SDK's signal for the request. */
  hold(requestId: RequestId, outer?: AbortSignal): HeldCall {
    const c = new AbortController();
    const set = this.byRequest.get(requestId) ?? new Set();
    set.add(c);
    this.byRequest.set(requestId, set);
    this.live.add(c);
    if (this.stopping) c.abort(this.stopping);
    const onOuter = () => c.abort("cancelled");
    outer?.addEventListener("abort", onOuter, { once: true });
    if (outer?.aborted) c.abort("cancelled");
    return {
      id: `h-${randomBytes(8).toString("hex")}`,
      signal: c.signal,
      release: () => {
        outer?.removeEventListener("abort", onOuter);
        this.live.delete(c);
        set.delete(c);
        if (!set.size && this.byRequest.get(requestId) === set) this.byRequest.delete(requestId);
      },
    };
  }

  /** `notifications/cancelled` for `requestId`: every call received under it is cancelled. */
  cancel(requestId: RequestId): number {
    const set = this.byRequest.get(requestId);
    for (const c of set ?? []) c.abort("cancelled");
    return set?.size ?? 0;
  }

  /** Cancels every call (reason `shutdown`), and any held after this at once. */
  stopAll(reason = "shutdown"): number {
    this.stopping = reason;
    for (const c of this.live) c.abort(reason);
    return this.live.size;
  }

  get size(): number {
    return this.live.size;
  }
}
