/**
 * Command patterns are tried by program (runtime/event.ts `commandIndexOf`): only the patterns
 * whose first word is the argv's program, plus those whose first word is not a plain word, in
 * catalog order. Checked against the plain scan of every pattern (first match wins) on random
 * argvs, with patterns of every first-word kind in a hand-made bundle.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { resolveSimple } from "../../../runtime/event.js";
import { matchCommand } from "../../../runtime/command-pattern.js";
import type { Bundle } from "../../../runtime/types.js";

const WORDS = ["git", "gh", "push", "-f", "--", "x*", "main", "Git"];
const FIRST = ["git", "gh", "**", "*", "g?t", "-f", "--", "\\*", "Git"];

describe("command patterns by program", () => {
  it("resolve an argv as the plain scan of every pattern does", () => {
    const pattern = fc.tuple(fc.constantFrom(...FIRST), fc.array(fc.constantFrom(...WORDS, "**", "*"), { maxLength: 3 })).map(([f, rest]) => [f, ...rest].filter((w, i, a) => !(w === "**" && a[i - 1] === "**")));
    fc.assert(fc.property(fc.array(pattern, { minLength: 1, maxLength: 12 }), fc.array(fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 20 }), (patterns, argvs) => {
      const commands = patterns.map((p, i) => [p, `int.t${i}`] as [string[], string]);
      const b = { tools: {}, commands } as unknown as Bundle;
      for (const argv of argvs) {
        const plain = commands.find(([p]) => matchCommand(p, argv));
        const got = resolveSimple(b, { argv, raw: argv } as never);
        if (plain) expect(got.key, JSON.stringify({ argv, patterns })).toBe(plain[1]);
        else {
          const program = argv[0]!.toLowerCase();
          const c = commands.find(([p]) => p[0] === program);
          expect(got.integration, JSON.stringify({ argv, patterns })).toBe(c ? "int" : program);
        }
      }
    }), { numRuns: 300 });
  });
});
