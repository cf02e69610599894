/**
 * `npm run bench:profile -- [policies] [seconds]`: our runtime deciding the bench's event stream in
 * a loop, for `node --cpu-prof` (the profiles behind bench/README.md "Where the time goes").
 * Builds the seeded policy set of the given size (1,000 by default) as `npm run bench` does, then
 * decides the 100,000 events round after round for the given time (4 s by default). The profile
 * is written to `bench/profiles/` (git-ignored); open it in Chrome DevTools or VS Code.
 */
import { loadCatalog } from "../compiler/catalog/load.js";
import type { CatalogJson } from "../compiler/catalog/types.js";
import { checkProject } from "../compiler/check/index.js";
import { buildBundle, serializeBundle } from "../compiler/emit/index.js";
import { createEnforcer } from "../runtime/index.js";
import type { SessionEvent } from "../runtime/types.js";
import { makeIntegrations, catalogJson, makePolicies, policySources, makeEvents } from "./workload.js";

const size = Number(process.argv[2] ?? 1000);
const seconds = Number(process.argv[3] ?? 4);
if (!Number.isInteger(size) || size < 1 || !(seconds > 0)) {
  process.stderr.write("usage: npm run bench:profile -- [policies ≥ 1] [seconds > 0]\n");
  process.exit(2);
}

const integrations = makeIntegrations();
const { catalog } = loadCatalog([], { builtin: false });
catalog.add(catalogJson(integrations) as CatalogJson, "bench");
const project = checkProject(policySources(makePolicies(size, 1, integrations)), catalog);
const errors = project.diagnostics.filter((d) => d.severity === "error");
if (errors.length) {
  process.stderr.write(`the generated ${size}-policy set does not compile: ${errors[0]!.code} ${errors[0]!.message}\n`);
  process.exit(1);
}
// Through JSON, as an enforcement point loads a bundle.
const enf = createEnforcer(JSON.parse(serializeBundle(buildBundle(project))));
const events = makeEvents(100_000, 1, integrations) as unknown as SessionEvent[];

let n = 0;
const t0 = performance.now();
while (performance.now() - t0 < seconds * 1000) {
  for (const e of events) enf.decide(e);
  n += events.length;
}
const ms = performance.now() - t0;
process.stdout.write(`${size} policies: ${n} decisions in ${(ms / 1000).toFixed(1)} s = ${((n / ms) * 1000).toFixed(0)}/s (${((ms * 1000) / n).toFixed(2)} µs each)\n`);
