/** Sanitize obligations mask what the detectors find, only in the listed fields. */
import { describe, expect, it } from "vitest";
import { applySanitize } from "../../runtime/sanitize.js";
import { compileDetectors } from "../../runtime/detectors.js";

const detectors = compileDetectors([{ name: "EmployeeId", source: "EMP-[0-9]{6}", flags: "", class: "INTERNAL" }]);

describe("applySanitize", () => {
  it("masks detector hits in the listed fields and leaves the rest", () => {
    const args = { channel_id: "C1", text: "mail jane@example.org, card 4111 1111 1111 1111, id EMP-123456", other: "jane@example.org", nested: { body: "key AKIAIOSFODNN7EXAMPLE" } };
    const out = applySanitize(args, { sanitize: [{ policy: "p", fields: ["args.text", "args.nested.body", "args.missing"] }] }, detectors);
    expect(out).toEqual({
      channel_id: "C1",
      text: "mail [REDACTED:PII], card [REDACTED:PII], id [REDACTED:INTERNAL]",
      other: "jane@example.org",
      nested: { body: "key [REDACTED:SECRETS]" },
    });
    expect(args.text).toContain("jane@example.org");
  });
  it("does not mask a number that fails the Luhn check", () => {
    const out = applySanitize({ text: "order 1234 5678 9012 3456" }, { sanitize: [{ policy: "p", fields: ["args.text"] }] }, detectors);
    expect(out["text"]).toBe("order 1234 5678 9012 3456");
  });
});
