/**
 * Alert delivery to a Slack-compatible incoming webhook: what, why, agent, tool, integration
 * (seed 002). Delivery runs in the background with retries and backoff.
 * INVARIANT: `send` never waits for the network and never throws; the decision path does not
 * depend on the webhook.
 */

export interface AlertRecord {
  /** What happened, e.g. "agent tried to write a file". */
  readonly what: string;
  /** Why it was flagged: the policy and the decision. */
  readonly why: string;
  readonly policy: string;
  readonly effect: string;
  readonly agent: string | null;
  readonly tool: string | null;
  readonly integration: string | null;
  readonly channel: string | null;
  readonly session_id: string;
  readonly call_id: string | null;
  readonly revision: string;
  readonly ts: string;
}

export interface AlertSinkOptions {
  readonly url: string;
  /** Attempts in all (first try included). */
  readonly attempts?: number;
  /** First backoff delay; doubles each retry (with jitter). */
  readonly backoffMs?: number;
  /** Per-request timeout. */
  readonly timeoutMs?: number;
  /** At most this many alerts waiting; older ones are dropped (and reported) beyond it. */
  readonly maxQueue?: number;
  /** Told about every final failure (the proxy writes it to the decision log and stderr). */
  readonly onFailure?: (a: AlertRecord, error: string) => void;
  readonly onDelivered?: (a: AlertRecord, attempts: number) => void;
}

/** The JSON body: Slack's `text` (mrkdwn) and `channel`, plus the structured alert for other receivers. */
export function webhookBody(a: AlertRecord): Record<string, unknown> {
  const who = a.agent ?? "an agent";
  const where = a.tool ?? "(no tool)";
  const text = `:rotating_light: *${a.what}*\n*Why:* ${a.why}\n*Agent:* ${who}   *Tool:* \`${where}\`   *Integration:* ${a.integration ?? "-"}\n*Decision:* ${a.effect} · session ${a.session_id} · revision ${a.revision}`;
  return { text, ...(a.channel ? { channel: a.channel } : {}), alert: a };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref?.());

export class AlertSink {
  private readonly queue: AlertRecord[] = [];
  private running = 0;
  private readonly idle: (() => void)[] = [];
  delivered = 0;
  failed = 0;
  dropped = 0;

  constructor(private readonly o: AlertSinkOptions) {}

  /** Queues an alert for delivery; returns at once. */
  send(a: AlertRecord): void {
    try {
      if (this.queue.length >= (this.o.maxQueue ?? 1000)) {
        const old = this.queue.shift()!;
        this.dropped++;
        this.o.onFailure?.(old, "dropped: too many alerts waiting for delivery");
      }
      this.queue.push(a);
      if (this.running < 4) void this.pump();
    } catch { /* never into the caller */ }
  }

  private async pump(): Promise<void> {
    this.running++;
    try {
      for (let a = this.queue.shift(); a; a = this.queue.shift()) await this.deliver(a);
    } finally {
      this.running--;
      if (!this.running && !this.queue.length) for (const f of this.idle.splice(0)) f();
    }
  }

  private async deliver(a: AlertRecord): Promise<void> {
    const attempts = this.o.attempts ?? 5;
    let delay = this.o.backoffMs ?? 500;
    let last = "";
    for (let i = 1; i <= attempts; i++) {
      try {
        const res = await fetch(this.o.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(webhookBody(a)),
          signal: AbortSignal.timeout(this.o.timeoutMs ?? 5000),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          this.delivered++;
          this.o.onDelivered?.(a, i);
          return;
        }
        last = `HTTP ${res.status}`;
        // A client error other than rate limiting will not get better by retrying.
        if (res.status >= 400 && res.status < 500 && res.status !== 429 && res.status !== 408) break;
        const retryAfter = Number(res.headers.get("retry-after"));
        if (Number.isFinite(retryAfter) && retryAfter > 0) delay = Math.max(delay, Math.min(retryAfter * 1000, 60_000));
      } catch (e) {
        last = (e as Error).message;
      }
      if (i < attempts) {
        await sleep(delay * (0.75 + Math.random() * 0.5));
        delay *= 2;
      }
    }
    this.failed++;
    try { this.o.onFailure?.(a, last); } catch { /* ignore */ }
  }

  /** Resolves when every queued alert has been delivered or given up on (or after `timeoutMs`). */
  flush(timeoutMs = 10_000): Promise<void> {
    if (!this.running && !this.queue.length) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.idle.push(() => { clearTimeout(t); resolve(); });
    });
  }
}
