/**
 * How the console renders untrusted text (property-tested): any string interpolated into a page
 * adds no markup and no control, format or line-separator character; pretty parameters keep every
 * value (long ones folded, never cut); the review screen finds the asking policy's source line in
 * the decision log when no bundle was given.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { html, multiline } from "../../console/html.js";
import { jsonValue } from "../../console/pages/params.js";
import { reviewBody } from "../../console/pages/approvals.js";
import { viewOf, type SealedRequest } from "../../enforce/approvals/types.js";

const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/** The text a browser shows for markup without tags (entities decoded). */
function shown(markup: string): string {
  return markup.replace(/<[^>]*>/g, "").replace(/&quot;/g, "\"").replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

describe("rendering untrusted text", () => {
  test("an interpolated string adds no tag, no attribute and no unsafe character", () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }), (s) => {
      const out = html`<p title="${s}">${s}</p>`.text;
      expect(out.match(/</g)).toHaveLength(2);
      expect(out.match(/>/g)).toHaveLength(2);
      expect(out.match(/["']/g)).toHaveLength(2);
      expect(UNSAFE.test(out)).toBe(false);
    }), { numRuns: 500 });
  });

  test("multi-line text keeps its line feeds and nothing else unsafe", () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }), (s) => {
      const out = multiline(s).text;
      expect(/[<>]/.test(out)).toBe(false);
      expect(UNSAFE.test(out.replace(/[\n\t]/g, ""))).toBe(false);
      expect(out.split("\n")).toHaveLength(s.split("\n").length);
    }), { numRuns: 1000 });
  });

  test("pretty parameters show every value of any JSON document, in canonical key order", () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      const text = shown(jsonValue(v).text);
      for (const s of JSON.stringify(v).match(/"(?:[^"\\]|\\.)*"/g) ?? []) if (!UNSAFE.test(JSON.parse(s) as string)) expect(text).toContain(s);
    }), { numRuns: 300 });
    expect(shown(jsonValue({ b: 1, a: "x".repeat(500) }).text)).toMatch(/^\{\n {2}"a": "x{80}"… \(500 characters\)"x{500}",\n {2}"b": 1\n\}$/);
  });

  test("the review screen names the asking policy's source line from the decision log", () => {
    const now = Date.now();
    const request = {
      id: "ap-abcdefgh", held_id: "h-1", created: new Date(now).toISOString(), expires: new Date(now + 60_000).toISOString(), session_id: "s1", call_id: "c2", tenant: null,
      agent: { name: "Cursor" }, integration: "filesystem", tool: "create_directory", args: { path: "/srv" }, reason: "two people", policy: { id: "mkdir", name: "Make dirs" },
      approvers: [], eligible: { technician: ["tina"] }, revision: "r1", proxy: { pid: process.pid, host: "elsewhere" }, hash: "0".repeat(64), mac: "0".repeat(64),
    } satisfies SealedRequest;
    const line = { file: 0, line: 3, id: "x", rec: { type: "decision", session_id: "s1", seq: 2, approval_id: "ap-abcdefgh", decision: { policy: { id: "mkdir", file: "fs.policy", line: 12 } } } };
    const body = reviewBody({ view: viewOf({ request, votes: [] }, now), me: "tina", csrf: "c", now, lines: [line] }).text;
    expect(body).toContain("<code>fs.policy:12</code>");
    expect(shown(body)).toContain("any one approver: tina");
    expect(shown(body)).toContain("You vote as technician.");
  });
});
