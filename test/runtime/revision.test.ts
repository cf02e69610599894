/**
 * The content revision (runtime/revision.ts): the runtime recomputes it when it loads a bundle,
 * so a bundle edited after `policy build` is rejected (SPEC §5, settled), and the CLI refuses it.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEnforcer } from "../../runtime/index.js";
import { contentRevision, portableSha256Hex } from "../../runtime/revision.js";
import { call, compile, POLICIES } from "../hardening/helpers.js";
import { runCli } from "../support/cli.js";

const bundle = compile(POLICIES);
const write = (github: boolean) => call(github ? "github.create_issue" : "linear.list_issues", { owner: "acme", repo: "web", title: "x" });

describe("content revision", () => {
  it("is what the compiler stamps", () => {
    expect(contentRevision(bundle)).toBe(bundle.revision);
    expect(bundle.revision).toMatch(/^[0-9a-f]{16}$/);
  });

  it("a bundle edited by hand is rejected: every decision blocks and names the revision", () => {
    expect(createEnforcer(bundle).decide(write(true)).effect).toBe("block");
    const edited = JSON.parse(JSON.stringify(bundle)) as { policies: { effect?: string }[] };
    for (const p of edited.policies) if (p.effect === "block") p.effect = "allow";
    const d = createEnforcer(edited).decide(write(true));
    expect(d.effect).toBe("block");
    expect(d.reason).toMatch(/^bundle rejected: revision "[0-9a-f]{16}" is not the hash of the content \([0-9a-f]{16}\)/);
    // A forged revision field alone is no better.
    expect(createEnforcer({ ...bundle, revision: "0000000000000000" }).decide(write(false)).reason).toMatch(/^bundle rejected: revision/);
    // Loading an edited bundle over a good one is refused; the good one keeps deciding.
    const e = createEnforcer(bundle);
    expect(e.load(edited)).toBe(false);
    expect(e.decide(write(true)).policy?.id).toBe("github-readonly");
  });

  it("the portable SHA-256 equals Node's on any text (browsers and workers compute the same revision)", () => {
    for (const s of ["", "abc", "a".repeat(55), "a".repeat(56), "a".repeat(64), "é😀\u0000"]) {
      expect(portableSha256Hex(s)).toBe(createHash("sha256").update(s, "utf8").digest("hex"));
    }
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 300 }), (s) => portableSha256Hex(s) === createHash("sha256").update(s, "utf8").digest("hex")), { numRuns: 300 });
  });

  it("policy replay and explain refuse an edited bundle with the reason (exit 2), not a column of blocks", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rev-"));
    const edited = JSON.parse(JSON.stringify(bundle)) as { policies: { effect?: string }[] };
    edited.policies[0]!.effect = "allow";
    writeFileSync(join(dir, "b.json"), JSON.stringify(edited));
    writeFileSync(join(dir, "s.jsonl"), JSON.stringify(write(true)) + "\n");
    writeFileSync(join(dir, "e.json"), JSON.stringify(write(true)));
    for (const args of [["replay", "s.jsonl", "--bundle", "b.json"], ["explain", "e.json", "--bundle", "b.json"]]) {
      const r = await runCli(args, { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/bundle "b.json" is rejected by the runtime: revision "[0-9a-f]{16}" is not the hash of the content/);
      expect(r.stdout).toBe("");
    }
  });
});
