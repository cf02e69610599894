/**
 * `sanitize` on what comes back: nothing a detector finds is left in what is forwarded, a string
 * in which nothing is found is forwarded unchanged, and the result keeps its structure.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compileDetectors, scan } from "../../runtime/detectors.js";
import { maskFully, resultStrings, sanitizeResult, sanitizeText } from "../../runtime/response.js";

const detectors = compileDetectors([{ name: "EmployeeId", source: "EMP-[0-9]{6}", flags: "", class: "INTERNAL" }]);
const PLANTS = ["AKIAABCDEFGHIJKLMNOP", "ada@example.com", "4111 1111 1111 1111", "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "password=hunter2hunter2", "EMP-123456", "+1 415 555 0100", "internal only", "-----BEGIN PRIVATE KEY-----", "sk_live_abcdefghijklmnop1234"];
/** Text with planted findings between random words (so a mask may touch its neighbours). */
const text = fc.array(fc.oneof(fc.constantFrom(...PLANTS), fc.string({ maxLength: 12 }), fc.constantFrom(" ", "=", ":", "token: ", "@", "-", "\n")), { maxLength: 8 }).map((xs) => xs.join(""));
const result = fc.record({
  content: fc.array(fc.oneof(text.map((t) => ({ type: "text", text: t })), text.map((t) => ({ type: "resource", resource: { uri: "file:///a", mimeType: "text/plain", text: t } })), fc.constant({ type: "image", data: "QUtJQUFCQ0RFRkdISUpLTE1OT1A=", mimeType: "image/png" })), { maxLength: 4 }),
  structuredContent: fc.option(fc.dictionary(fc.constantFrom("a", "b", "type", "data"), fc.oneof(text, fc.array(text, { maxLength: 3 }), fc.integer())), { nil: undefined }),
  isError: fc.option(fc.boolean(), { nil: undefined }),
}, { requiredKeys: ["content"] });

const WHOLE = { sanitize: [{ policy: "p", fields: ["result"] }] };
const shape = (v: unknown): unknown => (typeof v === "string" ? "s" : Array.isArray(v) ? v.map(shape) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)])) : v);

describe("sanitize on results and messages", () => {
  it("leaves no detector match in what is forwarded, and keeps the structure", () => {
    fc.assert(fc.property(result, (r) => {
      const out = sanitizeResult(r, WHOLE, detectors);
      for (const s of resultStrings(out)) expect(scan(detectors, s), s).toEqual([]);
      expect(shape(out)).toEqual(shape(r));
      // Binary data and type tags are not text: forwarded as they are.
      for (const [i, item] of r.content.entries()) if (item.type === "image") expect((out as typeof r).content[i]).toEqual(item);
    }), { numRuns: 800, seed: 20261203 });
  });

  it("never changes a string in which nothing is found", () => {
    fc.assert(fc.property(fc.string({ maxLength: 60 }), (s) => {
      fc.pre(scan(detectors, s).length === 0);
      expect(maskFully(detectors, s)).toBe(s);
      expect(sanitizeText(s, { sanitize: [{ policy: "p", fields: ["text"] }] }, detectors)).toBe(s);
      const r = { content: [{ type: "text", text: s }], structuredContent: { a: s } };
      expect(sanitizeResult(r, WHOLE, detectors)).toEqual(r);
    }), { numRuns: 2000, seed: 7 });
  });

  it("masks a message's text to a fixed point, even when a mask would form a new match", () => {
    fc.assert(fc.property(text, (t) => {
      const out = sanitizeText(t, { sanitize: [{ policy: "p", fields: ["text"] }] }, detectors);
      expect(scan(detectors, out)).toEqual([]);
    }), { numRuns: 2000, seed: 11 });
    // A detector that matches the mask itself: the string is replaced whole rather than forwarded with a match.
    const greedy = compileDetectors([{ name: "r", source: "REDACTED", flags: "", class: "INTERNAL" }]);
    expect(maskFully(greedy, "key AKIAABCDEFGHIJKLMNOP")).toBe("[REDACTED:UNMASKABLE]");
  });

  it("`result.<field>` masks that field of structuredContent and every text outside it", () => {
    const r = { content: [{ type: "text", text: "{\"owner\":\"ada@example.com\"}" }], structuredContent: { owner: "ada@example.com", other: "bob@example.com" } };
    const out = sanitizeResult(r, { sanitize: [{ policy: "p", fields: ["result.owner"] }] }, detectors) as typeof r;
    expect(out.structuredContent).toEqual({ owner: "[REDACTED:PII]", other: "bob@example.com" });
    expect(out.content[0]!.text).toBe("{\"owner\":\"[REDACTED:PII]\"}");
  });
});
