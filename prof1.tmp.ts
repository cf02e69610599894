import { parse } from "./grammar/index.js";
import { checkProject } from "./compiler/check/index.js";
import { loadCatalog } from "./compiler/catalog/load.js";
import { makeIntegrations, makePolicies, catalogJson } from "./bench/workload.js";
const ints = makeIntegrations();
const ps = makePolicies(10000, 1, ints);
const srcs = Array.from({ length: 20 }, (_, i) => ({ file: `policies/set-${String(i).padStart(2, "0")}.policy`, text: (i === 0 ? "default by operation { Read: allow  Write: allow  Delete: require_approval  Unknown: block }\n\n" : "") + ps.slice(i * 500, i * 500 + 500).map((x) => x.text).join("\n\n") + "\n" }));
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
for (let r = 0; r < 2; r++) {
let c = cpu();
const { catalog } = loadCatalog([{ file: "catalog.json", text: JSON.stringify(catalogJson(ints)) }]);
const tc = cpu() - c; c = cpu();
const parsed = srcs.map((s) => parse(s.text, s.file));
const tp = cpu() - c; c = cpu();
const m = new Map(srcs.map((s, i) => [s.file, parsed[i]]));
const pr = checkProject(srcs, catalog, [], { parse: (text, file) => m.get(file)! });
const tk = cpu() - c;
console.log("cpu ms", { catalog: tc | 0, parse: tp | 0, check: tk | 0, diags: pr.diagnostics.length });
}
