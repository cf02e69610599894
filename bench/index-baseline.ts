/**
 * `npm run bench:index`: the honest-baseline rows alone — our runtime against the independent
 * simple index (bench/independent.ts) at 10 / 1,000 / 10,000 policies (BENCH_SIZES), on the same
 * seeded workload as `npm run bench`. The index must agree with ours on every event (effect and
 * deciding policy) before anything is timed; a disagreement prints the event and exits 1.
 * Throughput: median of 5 interleaved rounds (wall time, or CPU time with BENCH_CLOCK=cpu); p99
 * per call sampled with tinybench.
 */
import { Bench } from "tinybench";
import { loadCatalog } from "../compiler/catalog/load.js";
import type { CatalogJson } from "../compiler/catalog/types.js";
import { checkProject } from "../compiler/check/index.js";
import { buildBundle, serializeBundle } from "../compiler/emit/index.js";
import { createEnforcer } from "../runtime/index.js";
import type { SessionEvent } from "../runtime/types.js";
import { makeIntegrations, catalogJson, makePolicies, policySources, makeEvents } from "./workload.js";
import { independentIndex } from "./independent.js";

const SIZES = (process.env["BENCH_SIZES"] ?? "10,1000,10000").split(",").map(Number);
const N_EVENTS = Number(process.env["BENCH_EVENTS"] ?? 100_000);
const SEED = Number(process.env["BENCH_SEED"] ?? 1);
const ROUND_MS = 300, ROUNDS = 5, LATENCY_MS = 500;
const log = (s: string) => process.stderr.write(s + "\n");
let sink = 0;

type F = (i: number) => { effect: string };

/**
 * The clock rounds are timed with: wall time (default), or with `BENCH_CLOCK=cpu` the process's CPU
 * time (user + system, GC threads included): on a machine shared with other tenants, wall time
 * also counts the time the scheduler gave to others, CPU time only the work each engine did.
 */
const CPU = process.env["BENCH_CLOCK"] === "cpu";
const clock = CPU ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : () => performance.now();

function rate(f: F, n: number, ms: number, start: number): number {
  let i = start, calls = 0;
  const t0 = clock();
  let t = t0;
  do { for (let k = 0; k < 1024; k++) { sink ^= f(i).effect.length; if (++i === n) i = 0; } calls += 1024; t = clock(); } while (t - t0 < ms);
  return (calls / (t - t0)) * 1000;
}

async function p99(f: F, n: number): Promise<number> {
  let i = 0;
  const b = new Bench({ time: LATENCY_MS, iterations: 50, warmupTime: 100, warmupIterations: 20 });
  b.add("x", () => { sink ^= f(i).effect.length; if (++i === n) i = 0; });
  await b.run();
  const s = [...(b.tasks[0]!.result?.samples ?? [])].sort((x, y) => x - y);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(0.99 * s.length) - 1)]! * 1000 : NaN;
}

async function main(): Promise<number> {
  const integrations = makeIntegrations();
  const { catalog } = loadCatalog([], { builtin: false });
  catalog.add(catalogJson(integrations) as CatalogJson, "bench");
  const events = makeEvents(N_EVENTS, SEED, integrations);
  const evs = events as unknown as SessionEvent[];
  const rows: string[] = ["| policies | ours | independent simple index | ours ÷ index | p99 ours | p99 index |", "|---:|---:|---:|---:|---:|---:|"];
  for (const size of SIZES) {
    const policies = makePolicies(size, SEED, integrations);
    const bundle = buildBundle(checkProject(policySources(policies), catalog));
    const enf = createEnforcer(JSON.parse(serializeBundle(bundle)));
    const indep = independentIndex(policies.map((p) => p.rule), integrations, { Read: "allow", Write: "allow", Delete: "require_approval", Unknown: "block" });
    for (let i = 0; i < evs.length; i++) {
      const d = enf.decide(evs[i]), o = indep(events[i] as never);
      if (d.effect !== o.effect || (d.policy?.id ?? null) !== o.policy) {
        log(`DISAGREEMENT at ${size} policies, event #${i}: ours ${d.effect}:${d.policy?.id ?? "-"}, independent index ${o.effect}:${o.policy ?? "-"}\n${JSON.stringify(events[i])}`);
        return 1;
      }
    }
    const ours: F = (i) => enf.decide(evs[i]), other: F = (i) => indep(events[i] as never);
    const a: number[] = [], b: number[] = [];
    for (let r = 0; r < ROUNDS; r++) { a.push(rate(ours, evs.length, ROUND_MS, r * 7919)); b.push(rate(other, evs.length, ROUND_MS, r * 7919)); }
    const med = (xs: number[]) => xs.sort((x, y) => x - y)[xs.length >> 1]!;
    const ra = med(a), rb = med(b);
    const pa = await p99(ours, evs.length), pb = await p99(other, evs.length);
    const k = (x: number) => `${(x / 1000).toFixed(x >= 1e5 ? 0 : 1)}k/s`;
    rows.push(`| ${size.toLocaleString("en-US")} | ${k(ra)} | ${k(rb)} | **${(ra / rb).toFixed(2)}×** | ${pa.toFixed(2)} µs | ${pb.toFixed(2)} µs |`);
    log(`${size}: agreement ${evs.length}/${evs.length}; ${rows[rows.length - 1]}`);
  }
  process.stdout.write(`throughput clock: ${CPU ? "process CPU time (BENCH_CLOCK=cpu)" : "wall time"}\n` + rows.join("\n") + "\n");
  return 0;
}

main().then((c) => { process.exitCode = c; }, (e) => { log(String((e as Error)?.stack ?? e)); process.exitCode = 1; });
