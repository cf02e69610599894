/**
 * The cost of deciding what comes back (`when tool_response`): a 64 KB tool result scanned by the
 * built-in detectors (with findings planted, and without any: every detector of the classes then
 * runs to the end), the same decision with masking, a result of a tool no response policy can
 * match (decided at build time: nothing is looked at), and the built-in detectors alone, anchored
 * (runtime/detector-scan.ts) against the plain regex scan, measured interleaved. Part of
 * `npm run bench` (`responses` in bench/results.json); alone: `npm run bench:responses`.
 */
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { loadCatalog } from "../compiler/catalog/load.js";
import { checkProject } from "../compiler/check/index.js";
import { buildBundle } from "../compiler/emit/index.js";
import { createEnforcer } from "../runtime/index.js";
import type { SessionEvent } from "../runtime/types.js";
import { BUILTIN_DETECTORS, scan, scanPlain } from "../runtime/detectors.js";

const CATALOG = {
  format: "policy-catalog/1",
  integrations: [{ id: "fs", name: "Files", call_type: "mcp", tools: [
    { name: "read_text_file", operation: "Read", labels: ["private_data"], args: { type: "object", properties: { path: { type: "string" } } } },
    { name: "list_directory", operation: "Read", args: { type: "object", properties: { path: { type: "string" } } } },
  ] }],
};

const POLICIES = `
policy "Secrets and PII read from files are masked" {
  id mask
  when tool_response
  if tool is fs.read_text_file
  if data_class in [SECRETS, PII]
  action sanitize [result.content], alert "masked"
}
policy "Internal documents are withheld" {
  id withhold
  when tool_response
  if tool is fs.read_text_file
  if body contains any ["internal only", "do not distribute"]
  action block "withheld"
}
policy "Huge results wait" {
  id huge
  when tool_response
  if tool is fs.read_text_file
  if result size > 1 MB
  action require_approval
}
`;

/** About 64 KB of source-like text (code, a config block with numbers, prose), without findings. */
export function text64k(): string {
  const lines = [
    "export function add(a: number, b: number): number { return a + b; } // plain code line\n",
    "const config = { retries: 3, timeoutMs: 2500, region: \"eu-west-1\", tags: [\"build\", \"cache\"] };\n",
    "Ignore the noise in these numbers: 12 builds, 4 failures, 2026-12-03 at 10:42, version 1.4.2.\n",
    "    if (user.name === undefined) throw new Error(`no name for user ${id}`);\n",
  ];
  let text = "";
  for (let i = 0; text.length < 64 * 1024; i++) text += lines[i % lines.length];
  return text;
}

/** `text64k` with an AWS key, an e-mail address and a card number planted in it. */
export function planted64k(): string {
  const t = text64k();
  return t.slice(0, 20_000) + "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n" + t.slice(20_000, 40_000) + "owner: ops@example.com\n" + t.slice(40_000, 60_000) + "card 4111 1111 1111 1111\n" + t.slice(60_000);
}

/** A result carrying `text` twice (content item and structuredContent), parsed from JSON as a proxy receives it. */
export function response64k(text = planted64k()): unknown {
  return JSON.parse(JSON.stringify({ content: [{ type: "text", text }], structuredContent: { content: text } }));
}

/** Median µs per call of `f` over `rounds` rounds of `n` calls. */
function median(f: () => unknown, n: number, rounds = 7): number {
  return timed(f, n, rounds)[0];
}

/**
 * Median and fastest round (µs per call) of `f` over `rounds` rounds of `n` calls. On a shared
 * machine the fastest round is the closest to the uncontended cost.
 */
function timed(f: () => unknown, n: number, rounds = 7): [number, number] {
  for (let i = 0; i < n; i++) f();
  const xs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f();
    xs.push(((performance.now() - t0) * 1000) / n);
  }
  xs.sort((a, b) => a - b);
  return [xs[Math.floor(rounds / 2)]!, xs[0]!];
}

export interface ResponseFigures {
  /** Deciding a 64 KB result with findings (detectors over its text, content and structuredContent), µs. */
  readonly decide_64k_us: number;
  /** Deciding a 64 KB result without findings: every SECRETS and PII detector scans it to the end, µs. */
  readonly decide_clean_64k_us: number;
  /** The fastest rounds of the two rows above (short rounds): the closest to the cost on an idle machine, µs. */
  readonly decide_64k_best_us: number;
  readonly decide_clean_64k_best_us: number;
  /** Deciding it and masking what was found (the result the agent receives), µs; and its fastest round. */
  readonly decide_and_mask_64k_us: number;
  readonly decide_and_mask_64k_best_us: number;
  /** A 64 KB result of a tool no response policy can match, µs. */
  readonly unmatched_64k_us: number;
  readonly bytes: number;
  /** Every built-in detector over the 64 KB text: anchored, and the plain regex scan (interleaved), µs. */
  readonly scan_anchored_64k_us: number;
  readonly scan_plain_64k_us: number;
  /** The load average (1 min) when the run started and ended: the machine is shared. */
  readonly load: readonly [number, number];
}

export function benchResponses(): ResponseFigures {
  const { catalog } = loadCatalog([{ file: "bench.catalog.json", text: JSON.stringify(CATALOG) }], { builtin: false, requestPaths: false });
  const project = checkProject([{ file: "bench.policy", text: POLICIES }], catalog, []);
  const errors = project.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(errors.map((d) => d.message).join("\n"));
  const enforcer = createEnforcer(buildBundle(project, {}));
  const load0 = loadavg()[0]!;
  const result = response64k();
  const cleanResult = response64k(text64k());
  const base = { session_id: "s", ts: "2026-12-03T10:00:00Z", agent: { name: "bench" } };
  const req = (tool: string): SessionEvent => ({ type: "tool_call_request", ...base, call: { id: "c1", type: "mcp", integration: "fs", tool, args: { path: "src/a.ts" } } });
  const resp: SessionEvent = { type: "tool_call_response", ...base, call_id: "c1", result };
  const clean: SessionEvent = { ...resp, result: cleanResult };
  const matched = req("read_text_file");
  const unmatched = req("list_directory");
  const d = enforcer.decideResponse(resp, matched);
  if (d.sanitize.length !== 1 || d.effect !== "allow") throw new Error(`unexpected decision: ${JSON.stringify(d)}`);
  const masked = JSON.stringify(enforcer.forwardResult(result, d));
  if (masked.includes("AKIAIOSFODNN7EXAMPLE") || masked.includes("ops@example.com")) throw new Error("the bench result was not masked");
  if (enforcer.decideResponse(clean, matched).sanitize.length !== 0) throw new Error("the clean bench result has findings");
  const text = (cleanResult as { content: { text: string }[] }).content[0]!.text;
  if (JSON.stringify(scan(BUILTIN_DETECTORS, text)) !== JSON.stringify(scanPlain(BUILTIN_DETECTORS, text))) throw new Error("the anchored scan disagrees with the plain one");
  const [anchored, plain] = interleaved([() => scan(BUILTIN_DETECTORS, text), () => scanPlain(BUILTIN_DETECTORS, text)], 20);
  const [decided, decidedBest] = timed(() => enforcer.decideResponse(resp, matched), 5, 200);
  const [decidedClean, decidedCleanBest] = timed(() => enforcer.decideResponse(clean, matched), 5, 200);
  const masked64k = timed(() => enforcer.forwardResult(result, enforcer.decideResponse(resp, matched)), 3, 100);
  return {
    decide_64k_us: decided,
    decide_clean_64k_us: decidedClean,
    decide_64k_best_us: decidedBest,
    decide_clean_64k_best_us: decidedCleanBest,
    decide_and_mask_64k_us: masked64k[0],
    decide_and_mask_64k_best_us: masked64k[1],
    unmatched_64k_us: median(() => enforcer.decideResponse(resp, unmatched), 20_000),
    bytes: JSON.stringify(result).length,
    scan_anchored_64k_us: anchored!,
    scan_plain_64k_us: plain!,
    load: [load0, loadavg()[0]!],
  };
}

/** Medians (µs per call) of several functions measured in alternating rounds, so load hits all alike. */
function interleaved(fs: readonly (() => unknown)[], n: number, rounds = 9): number[] {
  const xs = fs.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    fs.forEach((f, i) => {
      const t0 = performance.now();
      for (let k = 0; k < n; k++) f();
      xs[i]!.push(((performance.now() - t0) * 1000) / n);
    });
  }
  return xs.map((x) => x.sort((a, b) => a - b)[Math.floor(rounds / 2)]!);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const f = benchResponses();
  process.stdout.write(`responses (64 KB of text, ${(f.bytes / 1024).toFixed(0)} KB result with it twice; load average ${f.load[0].toFixed(1)} → ${f.load[1].toFixed(1)}):\n`
    + `  decide, findings planted      ${f.decide_64k_us.toFixed(1)} µs (fastest round ${f.decide_64k_best_us.toFixed(1)} µs)\n`
    + `  decide, no findings           ${f.decide_clean_64k_us.toFixed(1)} µs (fastest round ${f.decide_clean_64k_best_us.toFixed(1)} µs)\n`
    + `  decide + mask                 ${f.decide_and_mask_64k_us.toFixed(1)} µs (fastest round ${f.decide_and_mask_64k_best_us.toFixed(1)} µs)\n`
    + `  no response policy for tool   ${f.unmatched_64k_us.toFixed(2)} µs\n`
    + `  all built-in detectors        ${f.scan_anchored_64k_us.toFixed(1)} µs anchored, ${f.scan_plain_64k_us.toFixed(1)} µs plain regexes\n`);
}
