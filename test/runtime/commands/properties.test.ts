/**
 * Properties of command-line decisions (fast-check): a command wrapped in `sh -c`, `env`, `sudo`,
 * `nice`, `timeout`, `nohup`, Git's global options, `VAR=x` prefixes, or put in a list or pipeline
 * with other commands, is decided the same or stricter than the bare command; the shell parser
 * and the normaliser never throw; the runtime never throws on any argv or shell string.
 */
import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { loadCatalog } from "../../../compiler/catalog/load.js";
import { checkProject } from "../../../compiler/check/index.js";
import { buildBundle } from "../../../compiler/emit/index.js";
import { loadShellParser } from "../../../compiler/shell/shell-parser.js";
import { createEnforcer, type Enforcer } from "../../../runtime/index.js";
import { simpleCommands, type ShellParser } from "../../../runtime/argv.js";

const SRC = `
policy "No force pushes" {
  if tool is git.push_force
  action block "no force pushes"
}
policy "Pushes need approval" {
  if tool is git.push
  action require_approval from [manager]
}
policy "Commits are fine" {
  if tool is git.commit
  action allow
}
policy "No cleaning" {
  if command starts with "git clean"
  action block
}
default by operation { Read: allow  Write: allow  Delete: require_approval  Unknown: allow }
`;
const RANK = { allow: 0, require_approval: 1, block: 2 } as const;

let shell: ShellParser;
let enforcer: Enforcer;
beforeAll(async () => {
  shell = await loadShellParser();
  const p = checkProject([{ file: "t.policy", text: SRC }], loadCatalog().catalog);
  expect(p.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  enforcer = createEnforcer(buildBundle(p), { shell });
});
const decide = (command: readonly string[] | string) => enforcer.decide({ type: "tool_call_request", session_id: "s", agent: { name: "A" }, call: { type: "cli", command } });

const quote = (w: string) => `'${w.replace(/'/g, `'\\''`)}'`;
const BARE = [
  ["git", "push"], ["git", "push", "--force", "origin", "main"], ["git", "push", "origin", "-f"], ["git", "commit", "-m", "it's done"],
  ["git", "status"], ["git", "clean", "-fdx"], ["git", "log", "--oneline"], ["git", "reset", "--hard", "HEAD~1"], ["ls", "-la"],
];
type Wrap = (argv: string[]) => string[];
/** Wrappers that run the same program with the same words (after the program). */
const WRAPS: fc.Arbitrary<Wrap>[] = [
  fc.constantFrom<Wrap>((a) => ["env", "X=1", ...a], (a) => ["env", "-i", "-u", "HOME", ...a], (a) => ["sudo", ...a], (a) => ["sudo", "-u", "root", "-E", "--", ...a]),
  fc.constantFrom<Wrap>((a) => ["nice", "-n", "5", ...a], (a) => ["timeout", "-s", "KILL", "30s", ...a], (a) => ["nohup", ...a], (a) => ["command", ...a], (a) => ["exec", ...a], (a) => ["stdbuf", "-oL", ...a]),
  fc.constantFrom<Wrap>((a) => ["FOO=bar", ...a], (a) => ["A=1", "B=2", ...a], (a) => (a[0]!.includes("=") ? a : [`/usr/bin/${a[0]}`, ...a.slice(1)])),
  fc.constantFrom<Wrap>((a) => a[0] === "git" ? ["git", "-C", "/repo", ...a.slice(1)] : a, (a) => a[0] === "git" ? ["git", "-c", "core.pager=cat", "--no-pager", ...a.slice(1)] : a, (a) => a[0] === "git" ? ["git", "--git-dir=/r/.git", ...a.slice(1)] : a),
  fc.constantFrom<Wrap>((a) => ["sh", "-c", a.map(quote).join(" ")], (a) => ["bash", "-lc", a.map(quote).join(" ")], (a) => ["zsh", "-c", a.map(quote).join(" ")]),
];
const OTHER = ["echo hi", "ls", "git status", "true", "cat README.md"];
const SEP = [" ; ", " && ", " || ", " | ", " & "];

/** A bare command, its wrapped form (argv or shell line), and whether the wrapped form was put in a list. */
const wrapped = fc.record({
  bare: fc.constantFrom(...BARE),
  wraps: fc.array(fc.oneof(...WRAPS), { maxLength: 4 }),
  line: fc.boolean(),
  before: fc.option(fc.tuple(fc.constantFrom(...OTHER), fc.constantFrom(...SEP)), { nil: undefined }),
  after: fc.option(fc.tuple(fc.constantFrom(...SEP), fc.constantFrom(...OTHER)), { nil: undefined }),
  subshell: fc.constantFrom("", "()", "{}", "$()"),
}).map((r) => {
  const argv = r.wraps.reduce<string[]>((a, w) => w(a), [...r.bare]);
  if (!r.line && !r.before && !r.after && !r.subshell) return { bare: r.bare, command: argv as readonly string[] | string };
  let line = argv.map(quote).join(" ");
  if (r.subshell === "()") line = `(${line})`;
  else if (r.subshell === "{}") line = `{ ${line}; }`;
  else if (r.subshell === "$()") line = `echo "$(${line})"`;
  if (r.before) line = `${r.before[0]}${r.before[1]}${line}`;
  if (r.after) line = `${line}${r.after[0]}${r.after[1]}`;
  return { bare: r.bare, command: line as readonly string[] | string };
});

describe("a wrapped command is decided the same or stricter than the bare one", () => {
  it("holds for random wrappers, global options, shell lines, lists and substitutions", () => {
    fc.assert(fc.property(wrapped, ({ bare, command }) => {
      const b = decide(bare);
      const w = decide(command);
      expect(RANK[w.effect], `${JSON.stringify(command)}: ${w.effect} (${w.reason}) vs bare ${bare.join(" ")}: ${b.effect}`).toBeGreaterThanOrEqual(RANK[b.effect]);
      // The bare command's deciding policy is among the wrapped call's matches.
      for (const m of b.matched) expect(w.matched.map((x) => x.id)).toContain(m.id);
    }), { numRuns: 1500, seed: 20261203 });
  });
});

describe("never throws", () => {
  const anyText = fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: "binary", maxLength: 60 }),
    fc.array(fc.constantFrom("git", "push", "sh", "-c", "'", '"', "$(", ")", "`", "\\", "&&", "|", ";", "{", "}", "(", "<(", "<<EOF", "\n", " ", "$X", "eval", "sudo", "-u", "env", "=", "X=1", "xargs", "--"), { maxLength: 30 }).map((xs) => xs.join("")));
  it("the shell parser answers commands or unknown for any line", () => {
    fc.assert(fc.property(anyText, (line) => {
      const r = shell(line);
      expect("commands" in r || "unknown" in r).toBe(true);
    }), { numRuns: 3000 });
  });

  it("normalisation yields at least one command for any argv or line", () => {
    fc.assert(fc.property(fc.oneof(anyText, fc.array(anyText, { maxLength: 8 })), (command) => {
      expect(simpleCommands(command, { globals: { git: { with_value: ["-C"], flags: ["-P"] } }, shell }).length).toBeGreaterThan(0);
    }), { numRuns: 3000 });
  });

  it("the runtime decides any argv or shell string without throwing", () => {
    fc.assert(fc.property(fc.oneof(anyText, fc.array(anyText, { minLength: 1, maxLength: 8 })), (command) => {
      const d = decide(command);
      expect(["allow", "require_approval", "block"]).toContain(d.effect);
    }), { numRuns: 3000 });
  });

  it("deep nesting is unknown, not a stack overflow", () => {
    let line = "git push";
    for (let i = 0; i < 10; i++) line = `sh -c ${quote(line)}`;
    expect(decide(line).reason).toContain("nested deeper");
    expect(decide("$(".repeat(5000) + "git push" + ")".repeat(5000)).effect).toBeDefined();
  });
});
