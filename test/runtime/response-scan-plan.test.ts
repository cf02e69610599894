/**
 * A response is looked at only as far as the policies that can match it need: its text is not
 * even gathered when none of the tool's response policies reads it (`body`, `data_class`), and a
 * `data_class` condition runs only the detectors of the classes it names. `result size` is decided
 * from bounds without serialising the result when they settle it, and equals the measured size's
 * verdict otherwise.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { checkProject } from "../../compiler/check/index.js";
import { buildBundle } from "../../compiler/emit/index.js";
import { createEnforcer } from "../../runtime/index.js";
import { work } from "../../runtime/detector-scan.js";
import { resultSize, sizeBounds, sizeHolds } from "../../runtime/response.js";
import { responseCatalog } from "../support/generators-response.js";

const SRC = `
policy "errors of beta withheld" {
  id errors
  when tool_response
  if integration is beta
  if result is error
  action block "withheld"
}
policy "big results of beta wait" {
  id big
  when tool_response
  if integration is beta
  if result size > 1 MB
  action require_approval
}
policy "secrets of alpha masked" {
  id secrets
  when tool_response
  if tool is alpha.get_item
  if data_class has SECRETS
  action sanitize [result.content]
}
`;
const project = checkProject([{ file: "r.policy", text: SRC }], responseCatalog(), []);
const base = { session_id: "s", agent: { name: "A" } };
const request = (integration: string, tool: string) => ({ type: "tool_call_request", ...base, call: { id: "c1", integration, tool, args: {} } });
const response = (result: unknown) => ({ type: "tool_call_response", ...base, call_id: "c1", result });

describe("what a response decision looks at", () => {
  it("compiles without errors", () => expect(project.diagnostics.filter((d) => d.severity === "error")).toEqual([]));

  it("the text of a result is not read when no response policy of its tool reads text", () => {
    const e = createEnforcer(buildBundle(project, {}));
    let reads = 0;
    const item = { type: "text", get text() { reads++; return "key AKIAABCDEFGHIJKLMNOP"; } };
    // beta's policies test `result is error` and `result size`: the size is bounded without reading the text's characters.
    expect(e.decideResponse(response({ content: [item] }), request("beta", "list_things"))).toMatchObject({ effect: "allow", withheld: false });
    const afterBeta = reads;
    work.hits = 0;
    // alpha.get_item's policy reads the text: it is read, and the key found.
    expect(e.decideResponse(response({ content: [item] }), request("alpha", "get_item"))).toMatchObject({ sanitize: [{ policy: "secrets" }] });
    expect(reads).toBeGreaterThan(afterBeta);
    expect(work.hits).toBeGreaterThan(0);
    // The size bound reads each string once (its length), never scans it: no detector ran for beta.
    expect(afterBeta).toBeLessThanOrEqual(1);
  });

  it("a data_class condition runs only the detectors of its classes", () => {
    const e = createEnforcer(buildBundle(project, {}));
    const text = "mail ada@example.com, call +1 415 555 0100, card 4111 1111 1111 1111";
    work.hits = 0; work.attempts = 0;
    // SECRETS only: the PII anchors (@, digits) are never visited.
    expect(e.decideResponse(response({ content: [{ type: "text", text }] }), request("alpha", "get_item")).sanitize).toEqual([]);
    expect(work.hits).toBe(0);
    expect(work.attempts).toBe(0);
  });

  it("result size from bounds decides as the measured size (generated JSON values and thresholds)", () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    const weird = fc.oneof(json, fc.constant(undefined), fc.constant([undefined, () => 1]), fc.constant({ a: undefined, b: "\u0000\u001f\"\\é😀\ud800" }), fc.constant(new Date(0)), fc.constant({ n: NaN, m: -0, i: Infinity, big: 1e21 }));
    fc.assert(fc.property(weird, fc.nat(400), fc.constantFrom(">", "<", ">=", "<="), (v, n, op) => {
      const holds = (size: number) => (op === ">" ? size > n : op === "<" ? size < n : op === ">=" ? size >= n : size <= n);
      const exact = resultSize({ result: v, isError: false });
      expect(sizeHolds({ result: v, isError: false }, holds)).toBe(holds(exact));
      const b = sizeBounds(v);
      if (b) { expect(b[0]).toBeLessThanOrEqual(exact); expect(exact).toBeLessThanOrEqual(b[1]); }
    }), { numRuns: 3000, seed: 20 });
  });
});
