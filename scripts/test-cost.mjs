#!/usr/bin/env node
/**
 * Sums the per-file costs that test/support/cpu-time.ts logged (`TEST_CPU_LOG=<log> npx vitest run`):
 * `node scripts/test-cost.mjs <log> [<before-log>]` prints every file's CPU seconds (its worker plus
 * the processes it started) and wall seconds, costliest first, and the sums; with a second log, the
 * figures of that earlier run beside them.
 */
import { readFileSync } from "node:fs";

function load(file) {
  const byFile = new Map();
  for (const line of readFileSync(file, "utf8").split("\n").filter(Boolean)) {
    const r = JSON.parse(line);
    byFile.set(r.file, { cpu: r.self + r.children, wall: r.wall });
  }
  return byFile;
}

const [now, before] = process.argv.slice(2).map(load);
if (!now) { process.stderr.write("usage: node scripts/test-cost.mjs <log> [<before-log>]\n"); process.exit(2); }
const rows = [...now].sort((a, b) => b[1].cpu - a[1].cpu);
const f = (x) => (x === undefined ? "     -" : x.toFixed(1).padStart(6));
const sum = (m, k) => [...m.values()].reduce((s, r) => s + r[k], 0);
process.stdout.write(`${before ? "cpu before  " : ""}cpu s  wall s  file\n`);
for (const [file, r] of rows) process.stdout.write(`${before ? `${f(before.get(file)?.cpu)}      ` : ""}${f(r.cpu)}  ${f(r.wall)}  ${file}\n`);
process.stdout.write(`${before ? `${f(sum(before, "cpu"))}      ` : ""}${f(sum(now, "cpu"))}  ${f(sum(now, "wall"))}  total (${now.size} files)\n`);
