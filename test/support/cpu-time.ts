/**
 * Per-file cost of the suite, for finding where the time goes: when `TEST_CPU_LOG` names a file,
 * vitest loads this as a setup file (vitest.config.ts) and appends one JSON line per test file —
 * its wall time and the CPU seconds its worker and the processes it started (and waited for) spent
 * on it. CPU time, unlike wall time, does not depend on what else the machine runs.
 * `node scripts/test-cost.mjs <log>` sums and sorts the lines.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { afterAll, beforeAll } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const LOG = process.env.TEST_CPU_LOG;
/** Linux reports CPU times of /proc/<pid>/stat in clock ticks of 1/100 s. */
const TICK = 0.01;

/** CPU seconds of this process (self) and of its waited-for descendants (children). */
function cpu(): { self: number; children: number } {
  const usage = process.cpuUsage();
  const self = (usage.user + usage.system) / 1e6;
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from the 3rd on
    return { self, children: (Number(f[13]) + Number(f[14])) * TICK }; // cutime, cstime (16th, 17th)
  } catch {
    return { self, children: 0 };
  }
}

if (LOG) {
  let start = { wall: 0, self: 0, children: 0 };
  let file = "";
  beforeAll(({}, suite) => { // vitest requires a destructuring pattern first
    file = relative(ROOT, suite.file.filepath);
    start = { wall: performance.now(), ...cpu() };
  });
  afterAll(() => {
    const end = cpu();
    const line = {
      file, wall: (performance.now() - start.wall) / 1000,
      self: end.self - start.self, children: end.children - start.children,
    };
    appendFileSync(LOG, `${JSON.stringify(line)}\n`);
  });
}
