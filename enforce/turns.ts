/**
 * One session's turns: the steps that read or change its state (deciding a request, observing a
 * response) run one after another in the order they were queued, whatever the store's latency.
 * INVARIANT: a step is queued synchronously when its request arrives (before any `await`), so
 * the order of the turns is the order of arrival, and each sees the state left by the ones before.
 */
export class Turns {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `step` after every step queued before it; a failed step does not stop the ones after. */
  run<T>(step: () => T | Promise<T>): Promise<T> {
    const p = this.tail.then(step);
    this.tail = p.catch(() => undefined);
    return p;
  }
}
