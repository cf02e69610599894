/**
 * One enforcer of the shared-Redis bench (bench/redis-shared.ts), in its own process: its own
 * Redis store and connection, `inFlight` sessions deciding at once (whole sessions per lane, so a
 * session's calls stay in order), the session bench's policies and events. Started with `fork`;
 * reports `ready` after its warm-up, runs on `go`, and reports what it measured.
 */
import { createEnforcer } from "../runtime/index.js";
import type { SessionEvent } from "../runtime/types.js";
import { createRedisStore } from "../adapters/redis/index.js";
import { bundle, events } from "./session.js";

/** What the parent passes (argv[2], JSON). */
export interface WorkerSpec {
  readonly url: string;
  readonly prefix: string;
  readonly index: number;
  readonly decisions: number;
  readonly inFlight: number;
  readonly autoPipelining: boolean;
}

/** What a worker reports when done. */
export interface WorkerResult {
  readonly decisions: number;
  /** Wall-clock start and end of the timed part (ms since the epoch, sub-ms precision). */
  readonly start: number;
  readonly end: number;
  readonly roundTrips: number;
  readonly finishes: number;
  readonly finishFailures: number;
  readonly unavailable: number;
  /** CPU time of this process during the timed part (user + system, µs). */
  readonly cpuMicros: number;
  readonly effects: Readonly<Record<string, number>>;
}

const clock = (): number => performance.timeOrigin + performance.now();

/** A worker's events, grouped into whole sessions (its own session ids). */
function lanesOf(spec: WorkerSpec, n: number, tag: string): SessionEvent[][] {
  const by = new Map<string, SessionEvent[]>();
  for (const x of events(n, spec.inFlight * 4)) {
    const id = `${tag}${spec.index}-${x.session_id}`;
    const l = by.get(id) ?? [];
    l.push({ ...x, session_id: id, agent: { id: `${tag}${spec.index}-${x.agent!.id}`, name: x.agent!.name } });
    by.set(id, l);
  }
  return [...by.values()];
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]!) as WorkerSpec;
  const store = createRedisStore({ url: spec.url, prefix: spec.prefix, timeoutMs: 2000, autoPipelining: spec.autoPipelining });
  await store.ready();
  const e = createEnforcer(bundle(), { store });
  const effects: Record<string, number> = {};
  let unavailable = 0;
  const drive = async (lanes: SessionEvent[][]) => {
    let next = 0;
    await Promise.all(Array.from({ length: spec.inFlight }, async () => {
      for (let i = next++; i < lanes.length; i = next++) for (const x of lanes[i]!) {
        const d = await e.decideAsync(x);
        effects[d.effect] = (effects[d.effect] ?? 0) + 1;
        if (d.reason.startsWith("session store unavailable")) unavailable++;
      }
    }));
  };
  await drive(lanesOf(spec, Math.min(3000, spec.decisions), "warm"));
  const lanes = lanesOf(spec, spec.decisions, "w");
  for (const k of Object.keys(effects)) delete effects[k];
  unavailable = 0;
  await store.settled();
  store.roundTrips = 0;
  store.finishes = 0;
  process.send!({ ready: true });
  await new Promise<void>((resolve) => process.once("message", () => resolve()));
  const cpu0 = process.cpuUsage();
  const start = clock();
  await drive(lanes);
  const end = clock();
  const cpu = process.cpuUsage(cpu0);
  await store.settled();
  const result: WorkerResult = { decisions: spec.decisions, start, end, roundTrips: store.roundTrips, finishes: store.finishes, finishFailures: store.finishFailures, unavailable, cpuMicros: cpu.user + cpu.system, effects };
  process.send!({ result });
  await store.close();
  process.disconnect();
}

main().catch((err: Error) => {
  process.send?.({ error: err?.stack ?? String(err) });
  process.exitCode = 1;
});
