/**
 * The runtime's detectors are linear: adversarial 1 MB inputs (the longest string an event may
 * carry, MAX_STRING_LENGTH) are scanned by every built-in detector within a generous fixed cap,
 * and 8× the input costs about 8× the time (a quadratic detector would cost 64×).
 * The caps are generous on purpose (a loaded 2-core CI machine): a catastrophic or quadratic
 * regex misses them by orders of magnitude, a linear one never comes close.
 */
import { describe, expect, it } from "vitest";
import { BUILTIN_DETECTORS, MAX_SCAN, compileDetectors, mask, scan } from "../../runtime/detectors.js";
import { MAX_STRING_LENGTH } from "../../runtime/limits.js";

const MB = 1_000_000;
const rep = (s: string, n: number) => s.repeat(Math.ceil(n / s.length)).slice(0, n);
/** Inputs that defeat naive regexes: long runs that almost match, separators that re-open a match at every position. */
const ADVERSARIAL = ["-eyJ", "1.", "a.", "xoxb-", "sk-", "1", "+1 ", "1 ", "a@", "password ", "aws_secret_access_key = ", "DE00 ", "https://hooks.slack.com/services/", "ignore all the ", "you are now ", "reveal the ", "do not tell ", "<|im_start|>"];

function time(f: () => void): number {
  const t = performance.now();
  f();
  return performance.now() - t;
}

describe("detectors are linear", () => {
  it("the scan cap is the event string limit (nothing an event carries is truncated)", () => {
    expect(MAX_SCAN).toBe(MAX_STRING_LENGTH);
  });

  it("every built-in detector scans each 1 MB adversarial input in < 2 s (typically < 0.3 s)", () => {
    let total = 0;
    for (const a of ADVERSARIAL) {
      const s = rep(a, MB);
      for (const d of BUILTIN_DETECTORS) {
        const ms = time(() => scan([d], s));
        total += ms;
        expect(ms, `${d.name} on ${JSON.stringify(a)}×`).toBeLessThan(2_000);
      }
    }
    expect(total).toBeLessThan(20_000);
  });

  it("8× the input costs far less than 64× the time (linear, not quadratic)", () => {
    const worst = ["-eyJ", "1.", "a."];
    const cost = (n: number) => Math.min(...[0, 1].map(() => time(() => { for (const a of worst) scan(BUILTIN_DETECTORS, rep(a, n)); })));
    const small = cost(MB / 8);
    const big = cost(MB);
    expect(big / Math.max(small, 1)).toBeLessThan(24);
  });

  it("a custom detector accepted by the compiler runs linearly too", () => {
    const dets = compileDetectors([{ name: "EmployeeId", source: "EMP-[0-9]{6}", flags: "", class: "INTERNAL" }]);
    expect(time(() => scan(dets, rep("EMP-12345", MB)))).toBeLessThan(5_000);
  });

  it("mask never passes unscanned text through", () => {
    const long = "x".repeat(MAX_SCAN) + " ghp_" + "a".repeat(36);
    const out = mask(BUILTIN_DETECTORS, long);
    expect(out.endsWith("[REDACTED:UNSCANNED]")).toBe(true);
    expect(out).not.toContain("ghp_");
    expect(mask(BUILTIN_DETECTORS, "token ghp_" + "a".repeat(36))).toBe("token [REDACTED:SECRETS]");
  });
});
