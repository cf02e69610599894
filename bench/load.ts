/**
 * `npm run bench:load`: the size and load rows alone — the runtime's two entries minified and
 * gzipped (esbuild, gzip -9), and per policy set of the bench workload (BENCH_SIZES, default
 * 10 / 1,000 / 10,000) the bundle as `policy build` writes it (bytes, gzip) and the time from its
 * text to an enforcer ready to decide (`JSON.parse` + `createEnforcer`, which checks the bundle,
 * verifies its content revision and decodes it). Load time: wall and CPU time, median of 9 rounds
 * after 2 warm-up rounds, and the fastest round (the machine is shared: the fastest round is the
 * one least disturbed). `run.ts` (`npm run bench`) reports the same figures through these functions.
 */
import { gzipSync } from "node:zlib";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { loadCatalog } from "../compiler/catalog/load.js";
import type { CatalogJson } from "../compiler/catalog/types.js";
import { checkProject } from "../compiler/check/index.js";
import { buildBundle, serializeBundle } from "../compiler/emit/index.js";
import { createEnforcer } from "../runtime/index.js";
import { makeIntegrations, catalogJson, makePolicies, policySources } from "./workload.js";

const here = fileURLToPath(new URL(".", import.meta.url));

export interface EntrySize { readonly min_bytes: number; readonly min_gz_bytes: number }
export interface LoadTime { readonly wall_ms: number; readonly wall_min_ms: number; readonly cpu_ms: number; readonly parse_ms: number }

/** A runtime entry (`runtime/index.ts`, `runtime/decide-only.ts`) bundled and minified by esbuild, and gzip -9 of that. */
export async function entrySize(file: string): Promise<EntrySize> {
  const r = await esbuild.build({ entryPoints: [join(here, "../runtime", file)], bundle: true, minify: true, format: "esm", platform: "neutral", write: false, logLevel: "silent" });
  const bytes = r.outputFiles[0]!.contents;
  return { min_bytes: bytes.length, min_gz_bytes: gzipSync(bytes, { level: 9 }).length };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** From the bundle's text to an enforcer that has decided once (the bundle was accepted). */
export function loadTime(text: string, rounds = 9, warmup = 2): LoadTime {
  const wall: number[] = [], cpu: number[] = [], parse: number[] = [];
  for (let i = 0; i < warmup + rounds; i++) {
    const c0 = process.cpuUsage(), t0 = performance.now();
    const b: unknown = JSON.parse(text);
    const t1 = performance.now();
    const enf = createEnforcer(b);
    const t2 = performance.now(), c = process.cpuUsage(c0);
    if (enf.decide({ type: "agent_discovered", agent: { name: "bench" } }).reason.startsWith("bundle rejected")) throw new Error("the bundle was rejected");
    if (i < warmup) continue;
    wall.push(t2 - t0); parse.push(t1 - t0); cpu.push((c.user + c.system) / 1000);
  }
  return { wall_ms: median(wall), wall_min_ms: Math.min(...wall), cpu_ms: median(cpu), parse_ms: median(parse) };
}

async function main(): Promise<void> {
  const sizes = (process.env["BENCH_SIZES"] ?? "10,1000,10000").split(",").map(Number);
  const seed = Number(process.env["BENCH_SEED"] ?? 1);
  const [full, decideOnly] = [await entrySize("index.ts"), await entrySize("decide-only.ts")];
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const out = [`load average ${loadavg().map((x) => x.toFixed(1)).join(" ")} on this machine during the run`, "",
    `runtime (full, \`policy-toolchain/runtime\`): ${kb(full.min_bytes)} minified, ${kb(full.min_gz_bytes)} min+gz`,
    `runtime (decide-only, \`policy-toolchain/runtime/decide-only\`): ${kb(decideOnly.min_bytes)} minified, ${kb(decideOnly.min_gz_bytes)} min+gz`, "",
    "| policies | bundle | gzip | load: wall median (fastest) | CPU median | of which JSON.parse |", "|---:|---:|---:|---:|---:|---:|"];
  const integrations = makeIntegrations();
  const { catalog } = loadCatalog([], { builtin: false });
  catalog.add(catalogJson(integrations) as CatalogJson, "bench");
  for (const n of sizes) {
    const text = serializeBundle(buildBundle(checkProject(policySources(makePolicies(n, seed, integrations)), catalog)));
    const t = loadTime(text);
    out.push(`| ${n.toLocaleString("en-US")} | ${kb(Buffer.byteLength(text))} | ${kb(gzipSync(text).length)} | ${t.wall_ms.toFixed(1)} ms (${t.wall_min_ms.toFixed(1)} ms) | ${t.cpu_ms.toFixed(1)} ms | ${t.parse_ms.toFixed(1)} ms |`);
  }
  process.stdout.write(out.join("\n") + "\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main().catch((e) => { process.stderr.write(String((e as Error)?.stack ?? e) + "\n"); process.exitCode = 1; });
