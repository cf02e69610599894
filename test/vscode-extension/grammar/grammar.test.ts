// Runs the TextMate grammar tests (test/vscode-extension/grammar/*.test.policy, vscode-tmgrammar-test syntax) against
// vscode-extension/syntaxes/policy.tmLanguage.json, and checks that the JSON is generated from
// vscode-extension/syntaxes/generate.mjs.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const grammar = "vscode-extension/syntaxes/policy.tmLanguage.json";

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

describe("TextMate grammar", () => {
  test("has grammar test files", () => {
    const files = readdirSync(join(root, "test/vscode-extension/grammar")).filter((f) => f.endsWith(".test.policy"));
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  test("every scope assertion in test/vscode-extension/grammar/*.test.policy holds", () => {
    const bin = join(root, "node_modules/.bin/vscode-tmgrammar-test");
    // -c: one line per failure. A hang (status null) means an assertion line the runner cannot
    // parse: 0.1.3 loops forever on two `- scope` exclusions in one line.
    const r = run(bin, ["-c", "-g", grammar, "test/vscode-extension/grammar/**/*.test.policy"]);
    if (r.status !== 0) console.error(r.output);
    expect(r.status, r.output).toBe(0);
  });

  test("policy.tmLanguage.json is up to date with generate.mjs", () => {
    const r = run(process.execPath, ["vscode-extension/syntaxes/generate.mjs", "--check"]);
    expect(r.status, r.output).toBe(0);
  });
});
