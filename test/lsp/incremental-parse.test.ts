/**
 * The language server's incremental re-parse equals a full parse: random edits (typing, deleting,
 * whole lines and declarations, CRLF files) applied in chains to every `.policy` file of the repo.
 */
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { expect, test } from "vitest";
import fc from "fast-check";
import { parse } from "../../grammar/index.js";
import { reparse, type ParsedText } from "../../lsp/incremental-parse.js";
import { policyFiles } from "../support/files.js";

const REPO = new URL("../..", import.meta.url).pathname;
const base = [...policyFiles(`${REPO}examples`), ...policyFiles(`${REPO}test/fixtures`)].map((f) => readFileSync(f, "utf8"));
const texts = [...base, ...base.map((t) => t.replace(/\n/g, "\r\n")), base.join("\n")];
const SNIPPETS = ["\n", "}", "{", "\"", "x", " ", "policy \"P\" {\n  action block\n}\n", "  if integration is GitHub\n", "# note\n", "class X\n",
  "/re/ ", "detector D /a+/", "\r\n", "default allow\n", "test \"t\" {\n}\n", "and ", "not ", "(", ")", "[", "]", "\n}\n"];

const edit = fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), len: fc.nat(40), kind: fc.nat(4), snippet: fc.constantFrom(...SNIPPETS) });

function apply(text: string, e: { at: number; len: number; kind: number; snippet: string }): string {
  const at = Math.floor(e.at * text.length);
  switch (e.kind) {
    case 0: return text.slice(0, at) + e.snippet + text.slice(at);
    case 1: return text.slice(0, at) + text.slice(at + e.len);
    case 2: { const ls = text.split("\n"); ls.splice(Math.floor(e.at * ls.length), 1); return ls.join("\n"); }
    case 3: { const ls = text.split("\n"); ls.splice(Math.floor(e.at * (ls.length + 1)), 0, e.snippet.replace(/\n$/, "")); return ls.join("\n"); }
    default: return text + e.snippet;
  }
}

test("reparse after edits equals parse", () => {
  fc.assert(fc.property(fc.nat(texts.length - 1), fc.array(edit, { minLength: 1, maxLength: 6 }), (i, edits) => {
    let text = texts[i]!;
    let prev: ParsedText = { text, result: parse(text, "f.policy") };
    for (const e of edits) {
      text = apply(text, e);
      const got = reparse(prev, text, "f.policy");
      const full = parse(text, "f.policy");
      expect(isDeepStrictEqual(got.ast, full.ast) && isDeepStrictEqual(got.diagnostics, full.diagnostics) && got.lines.text === text).toBe(true);
      prev = { text, result: got };
    }
  }), { numRuns: 200 });
});
