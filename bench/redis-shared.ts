/**
 * The shared-Redis bench row: 4 enforcers, each its own process (bench/redis-worker.ts) with its
 * own store and connection, sharing one local redis-server (started here on 127.0.0.1 and a free
 * port, stopped after; `REDIS_URL` to use another), 32 calls in flight each, with the session
 * bench's policies (trifecta labels, rates, burst, spend, new resource, time window). Reports
 * decisions/s across the 4 (all decisions over the wall time from the first start to the last
 * end), round trips a decision waited for, and the machine's load average beside them (a shared
 * machine makes the figure a floor). `npm run bench:redis`; `BENCH_QUICK=1` for a short run,
 * `BENCH_REDIS_DECISIONS` (per enforcer), `BENCH_REDIS_ENFORCERS`, `BENCH_REDIS_IN_FLIGHT`.
 */
import { fork } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { haveRedis, RedisServer } from "./support/redis-server.js";
import type { WorkerResult, WorkerSpec } from "./redis-worker.js";

export interface SharedRedisRow {
  readonly enforcers: number;
  readonly in_flight_each: number;
  readonly decisions: number;
  readonly decisions_per_s: number;
  /** Round trips a decision waited for (begin; 1.00 when every decision waits for one). */
  readonly round_trips_per_decision: number;
  /** `finish` scripts sent per decision (not waited for), and how many Redis did not confirm. */
  readonly finishes_per_decision: number;
  readonly finish_failures: number;
  readonly effects: Readonly<Record<string, number>>;
  /**
   * CPU per decision (µs): the enforcer processes' and redis-server's (from INFO cpu). What the
   * machine's load cannot change: one redis-server can do at most 1e6 / redis_us decisions/s.
   */
  readonly cpu_us_per_decision: { readonly enforcers: number; readonly redis: number };
  readonly load_average: readonly number[];
  readonly cpus: number;
  readonly where: string;
}

const WORKER = fileURLToPath(new URL("./redis-worker.ts", import.meta.url));

type Message = { ready?: true; result?: WorkerResult; error?: string };

/** redis-server's CPU time so far (user + system, µs). */
async function redisCpu(url: string): Promise<number> {
  const c = new Redis(url);
  try {
    const info = await c.info("cpu");
    const f = (k: string) => Number(new RegExp(`${k}:([0-9.]+)`).exec(info)?.[1]);
    return Math.round((f("used_cpu_user") + f("used_cpu_sys")) * 1e6);
  } finally {
    c.disconnect();
  }
}

/** Runs `enforcers` worker processes against `url`; resolves with the row once every worker reported. */
export async function benchSharedRedis(url: string, opts: { decisions?: number; enforcers?: number; inFlight?: number; autoPipelining?: boolean } = {}): Promise<SharedRedisRow> {
  const enforcers = opts.enforcers ?? 4, inFlight = opts.inFlight ?? 32, decisions = opts.decisions ?? 50_000;
  const prefix = `bench-shared:${Date.now()}:`;
  const load = loadavg().map((x) => Math.round(x * 100) / 100);
  const kids = Array.from({ length: enforcers }, (_, index) => {
    const spec: WorkerSpec = { url, prefix, index, decisions, inFlight, autoPipelining: opts.autoPipelining ?? true };
    return fork(WORKER, [JSON.stringify(spec)], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  });
  const next = (k: (typeof kids)[number]) => new Promise<Message>((resolve, reject) => {
    k.once("message", (m) => resolve(m as Message));
    k.once("exit", (code) => reject(new Error(`an enforcer process exited with ${code}`)));
  });
  try {
    const ready = await Promise.all(kids.map(next));
    for (const m of ready) if (m.error) throw new Error(m.error);
    const done = kids.map(next);
    const cpu0 = await redisCpu(url);
    for (const k of kids) k.send({ go: true });
    const results = (await Promise.all(done)).map((m) => { if (!m.result) throw new Error(m.error ?? "no result"); return m.result; });
    const redisUs = (await redisCpu(url)) - cpu0;
    const total = results.reduce((a, r) => a + r.decisions, 0);
    const ms = Math.max(...results.map((r) => r.end)) - Math.min(...results.map((r) => r.start));
    const sum = (f: (r: WorkerResult) => number) => results.reduce((a, r) => a + f(r), 0);
    const unavailable = sum((r) => r.unavailable);
    if (unavailable) throw new Error(`${unavailable} decisions blocked with "session store unavailable"`);
    const effects: Record<string, number> = {};
    for (const r of results) for (const [k, v] of Object.entries(r.effects)) effects[k] = (effects[k] ?? 0) + v;
    return {
      enforcers, in_flight_each: inFlight, decisions: total,
      decisions_per_s: Math.round((total / ms) * 1000),
      round_trips_per_decision: Math.round((sum((r) => r.roundTrips) / total) * 100) / 100,
      finishes_per_decision: Math.round((sum((r) => r.finishes) / total) * 100) / 100,
      finish_failures: sum((r) => r.finishFailures),
      effects,
      cpu_us_per_decision: { enforcers: Math.round((sum((r) => r.cpuMicros) / total) * 10) / 10, redis: Math.round((redisUs / total) * 10) / 10 },
      load_average: load, cpus: cpus().length,
      where: `${enforcers} node processes, one connection each, ${url.includes("127.0.0.1") ? "local redis-server" : "REDIS_URL"}`,
    };
  } finally {
    for (const k of kids) if (k.exitCode === null) k.kill();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = !!process.env["BENCH_QUICK"];
  let server: RedisServer | undefined;
  let url = process.env["REDIS_URL"];
  if (!url) {
    if (!haveRedis()) { console.error("redis-server is not installed and REDIS_URL is not set"); process.exit(1); }
    server = await RedisServer.start();
    url = server.url;
  }
  try {
    const n = (k: string, d: number) => Number(process.env[k] ?? d);
    const row = await benchSharedRedis(url, {
      decisions: n("BENCH_REDIS_DECISIONS", quick ? 10_000 : 50_000),
      enforcers: n("BENCH_REDIS_ENFORCERS", 4),
      inFlight: n("BENCH_REDIS_IN_FLIGHT", 32),
      autoPipelining: process.env["BENCH_REDIS_AUTOPIPELINE"] !== "0",
    });
    console.log(JSON.stringify({ ...row, load_average_after: loadavg().map((x) => Math.round(x * 100) / 100) }, null, 2));
  } finally {
    await server?.stop();
  }
}
