/**
 * `npm run fuzz -- [--runs N] [--seconds S] [--seed N] [--mode differential|parser|events|all] [--save]`
 *
 * The long mode of the hardening properties (the fixed-seed versions run in `npm test`):
 * - differential: random projects × 5 events; runtime = reference = explain (test/fuzz/compare.ts);
 * - parser: random bytes, keyword soups and mutated valid files; parse/check never throw, fmt is
 *   idempotent, parse(print(ast)) = ast (test/fuzz/parser-props.ts);
 * - events: hostile events against a bundle; decide never throws, never pollutes prototypes.
 * Stops after N runs or S seconds (default: 10,000 runs), prints cases/s and the disagreements
 * (shrunk by fast-check); with `--save`, each shrunk differential failure is written to
 * test/fixtures/regressions/ as a regression fixture. Exit status 1 on any disagreement.
 */
import fc from "fast-check";
import { mkdirSync, writeFileSync } from "node:fs";
import { smallCatalog } from "../support/small-catalog.js";
import { projectSource, eventExtended } from "../support/generators-extended.js";
import { compareCase, prepare, view, type Disagreement } from "./compare.js";
import { parserCase, parserInput } from "./parser-props.js";
import { hostileCase, hostileEvent } from "./hostile.js";
import { createEnforcer } from "../../runtime/index.js";

interface Opts { runs: number; seconds: number | undefined; seed: number; mode: string; save: boolean }

function parseArgs(argv: readonly string[]): Opts {
  const o: Opts = { runs: 10_000, seconds: undefined, seed: Date.now() % 2_147_483_647, mode: "differential", save: false };
  let runsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => { const v = argv[++i]; if (v === undefined) usage(`${a} needs a value`); return v!; };
    if (a === "--runs") { o.runs = Number(next()); runsGiven = true; }
    else if (a === "--seconds") o.seconds = Number(next());
    else if (a === "--seed") o.seed = Number(next());
    else if (a === "--mode") o.mode = next();
    else if (a === "--save") o.save = true;
    else if (a === "--help" || a === "-h") usage();
    else usage(`unknown option ${a}`);
  }
  if (o.seconds !== undefined && !runsGiven) o.runs = Number.MAX_SAFE_INTEGER;
  if (!Number.isFinite(o.seed) || !(o.runs > 0) || (o.seconds !== undefined && !(o.seconds > 0))) usage("bad number");
  if (!["differential", "parser", "events", "all"].includes(o.mode)) usage(`unknown mode ${o.mode}`);
  return o;
}

function usage(msg?: string): never {
  if (msg) console.error(`fuzz: ${msg}`);
  console.error("usage: npm run fuzz -- [--runs N] [--seconds S] [--seed N] [--mode differential|parser|events|all] [--save]");
  process.exit(2);
}

interface Result { mode: string; runs: number; cases: number; ms: number; failures: string[] }

const catalog = smallCatalog();

function run<T>(mode: string, o: Opts, arb: fc.Arbitrary<T>, casesOf: (t: T) => number, check: (t: T) => string | undefined, onFail?: (t: T, why: string) => void): Result {
  let cases = 0;
  let runs = 0;
  const t0 = performance.now();
  let last: string | undefined;
  const r = fc.check(fc.property(arb, (t) => { runs++; cases += casesOf(t); const why = check(t); if (why !== undefined) last = why; return why === undefined; }), {
    numRuns: o.runs, seed: o.seed, ...(o.seconds !== undefined ? { interruptAfterTimeLimit: o.seconds * 1000, markInterruptAsFailure: false } : {}),
  });
  const ms = performance.now() - t0;
  const failures: string[] = [];
  if (r.failed && r.counterexample) {
    const t = r.counterexample[0] as T;
    const why = check(t) ?? `${last ?? String(r.errorInstance ?? "failed")} (not reproduced on the shrunk case: timing?)`;
    failures.push(`${why}\nseed ${r.seed} path ${r.counterexample ? r.counterexamplePath : ""}\ncounterexample ${JSON.stringify(t, null, 1).slice(0, 20_000)}`);
    onFail?.(t, why);
  } else if (r.failed) failures.push(String(r.errorInstance));
  return { mode, runs, cases, ms, failures };
}

function saveFixture(d: Disagreement): void {
  if (!d.event) return;
  const p = prepare(d.source, d.includeDrafts, catalog);
  if (typeof p === "string") return;
  const dir = new URL("../fixtures/regressions/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  const name = `fuzz-${Date.now()}.json`;
  const fixture = {
    description: `found by npm run fuzz: ${d.kind}. Fill in "expected" with the decision SPEC §5 gives, then fix the code.`,
    source: d.source, includeDrafts: d.includeDrafts, event: d.event,
    expected: view(createEnforcer(p.bundle).decide(d.event)), detail: d.detail,
  };
  writeFileSync(new URL(name, dir), JSON.stringify(fixture, null, 2) + "\n");
  console.log(`saved test/fixtures/regressions/${name}`);
}

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  const modes = o.mode === "all" ? ["differential", "parser", "events"] : [o.mode];
  const per = o.seconds !== undefined ? { ...o, seconds: o.seconds / modes.length } : o;
  console.log(`fuzz: mode ${o.mode}, seed ${o.seed}, ${o.seconds !== undefined ? `${o.seconds} s` : `${o.runs} runs`}`);
  const results: Result[] = [];
  for (const m of modes) {
    if (m === "differential") {
      const arb = fc.tuple(projectSource, fc.array(eventExtended, { minLength: 5, maxLength: 5 }));
      results.push(run(m, per, arb, ([, evs]) => evs.length, ([p, evs]) => {
        const d = compareCase(p.source, p.includeDrafts, evs, catalog);
        return d && `${d.kind}: ${d.detail}\nevent ${JSON.stringify(d.event)}\n--- policies (drafts ${d.includeDrafts}) ---\n${d.source}`;
      }, o.save ? ([p, evs]) => { const d = compareCase(p.source, p.includeDrafts, evs, catalog); if (d) saveFixture(d); } : undefined));
    } else if (m === "parser") {
      results.push(run(m, per, parserInput, () => 1, parserCase));
    } else {
      results.push(run(m, per, hostileEvent, () => 1, hostileCase));
    }
  }
  let bad = 0;
  for (const r of results) {
    const rate = r.cases / (r.ms / 1000);
    console.log(`${r.mode}: ${r.runs} runs, ${r.cases} cases in ${(r.ms / 1000).toFixed(1)} s = ${rate.toFixed(0)} cases/s; ${r.failures.length} disagreement(s)`);
    for (const f of r.failures) console.log(`--- ${r.mode} disagreement ---\n${f}`);
    bad += r.failures.length;
  }
  process.exit(bad ? 1 : 0);
}

main();
