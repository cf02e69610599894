/** `policy test`: contradicting output flags are refused; sessions without a snapshot are named. */
import { expect, test } from "vitest";
import { runCli } from "../support/cli.js";

test("--reporter junit with --format json is a usage error", async () => {
  const r = await runCli(["test", "examples/interven", "--reporter", "junit", "--format", "json"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("--reporter junit and --format json contradict each other");
});

test("the replayed session files without a snapshot are named", async () => {
  const r = await runCli(["test", "examples"]);
  expect(r.stdout).toMatch(/no snapshot yet for \d+ replayed session files?: \S+\.snap(, \S+\.snap)* \(write with --update-snapshots\)/);
  expect(r.stdout).toContain("examples/lifecycle/sessions/release.jsonl.snap");
});
