/**
 * The cost of deciding what comes back (`when tool_response`): a 64 KB tool result scanned by the
 * built-in detectors and masked, and a result of a tool no response policy can match (decided at
 * build time: nothing is looked at). Part of `npm run bench` (`responses` in bench/results.json);
 * alone: `node --import tsx bench/responses.ts`.
 */
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { loadCatalog } from "../compiler/catalog/load.js";
import { checkProject } from "../compiler/check/index.js";
import { buildBundle } from "../compiler/emit/index.js";
import { createEnforcer } from "../runtime/index.js";
import type { SessionEvent } from "../runtime/types.js";

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

/** About 64 KB of source-like text with an AWS key, an e-mail address and a card number planted in it. */
export function response64k(): unknown {
  const line = "export function add(a: number, b: number): number { return a + b; } // plain code line\n";
  let text = "";
  while (text.length < 64 * 1024) text += line;
  text = text.slice(0, 20_000) + "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n" + text.slice(20_000, 40_000) + "owner: ops@example.com\n" + text.slice(40_000, 60_000) + "card 4111 1111 1111 1111\n" + text.slice(60_000, 64 * 1024);
  return { content: [{ type: "text", text }], structuredContent: { content: text } };
}

/** Median µs per call of `f` over `rounds` rounds of `n` calls. */
function median(f: () => unknown, n: number, rounds = 7): number {
  for (let i = 0; i < n; i++) f();
  const xs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f();
    xs.push(((performance.now() - t0) * 1000) / n);
  }
  return xs.sort((a, b) => a - b)[Math.floor(rounds / 2)]!;
}

export interface ResponseFigures {
  /** Deciding a 64 KB result (detectors over its text, content and structuredContent), µs. */
  readonly decide_64k_us: number;
  /** Deciding it and masking what was found (the result the agent receives), µs. */
  readonly decide_and_mask_64k_us: number;
  /** A 64 KB result of a tool no response policy can match, µs. */
  readonly unmatched_64k_us: number;
  readonly bytes: number;
}

export function benchResponses(): ResponseFigures {
  const { catalog } = loadCatalog([{ file: "bench.catalog.json", text: JSON.stringify(CATALOG) }], { builtin: false, requestPaths: false });
  const project = checkProject([{ file: "bench.policy", text: POLICIES }], catalog, []);
  const errors = project.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(errors.map((d) => d.message).join("\n"));
  const enforcer = createEnforcer(buildBundle(project, {}));
  const result = response64k();
  const base = { session_id: "s", ts: "2026-12-03T10:00:00Z", agent: { name: "bench" } };
  const req = (tool: string): SessionEvent => ({ type: "tool_call_request", ...base, call: { id: "c1", type: "mcp", integration: "fs", tool, args: { path: "src/a.ts" } } });
  const resp: SessionEvent = { type: "tool_call_response", ...base, call_id: "c1", result };
  const matched = req("read_text_file");
  const unmatched = req("list_directory");
  const d = enforcer.decideResponse(resp, matched);
  if (d.sanitize.length !== 1 || d.effect !== "allow") throw new Error(`unexpected decision: ${JSON.stringify(d)}`);
  const masked = JSON.stringify(enforcer.forwardResult(result, d));
  if (masked.includes("AKIAIOSFODNN7EXAMPLE") || masked.includes("ops@example.com")) throw new Error("the bench result was not masked");
  return {
    decide_64k_us: median(() => enforcer.decideResponse(resp, matched), 200),
    decide_and_mask_64k_us: median(() => enforcer.forwardResult(result, enforcer.decideResponse(resp, matched)), 100),
    unmatched_64k_us: median(() => enforcer.decideResponse(resp, unmatched), 20_000),
    bytes: JSON.stringify(result).length,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const f = benchResponses();
  process.stdout.write(`responses (${(f.bytes / 1024).toFixed(0)} KB result): decide ${f.decide_64k_us.toFixed(1)} µs, decide + mask ${f.decide_and_mask_64k_us.toFixed(1)} µs, no response policy for the tool ${f.unmatched_64k_us.toFixed(2)} µs\n`);
}
