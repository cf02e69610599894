/**
 * Command lines decided in their canonical form: the observed bypasses of Git policies (issue
 * "no bypass by rephrasing", item 2), each a class with several members, decided as the bare
 * command `git push` would be; shell lines split into simple commands, strictest effect wins.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadCatalog } from "../../../compiler/catalog/load.js";
import { checkProject } from "../../../compiler/check/index.js";
import { buildBundle } from "../../../compiler/emit/index.js";
import { loadShellParser } from "../../../compiler/shell/shell-parser.js";
import { createEnforcer, type Enforcer } from "../../../runtime/index.js";
import type { ShellParser } from "../../../runtime/argv.js";
import type { Bundle, Decision } from "../../../runtime/types.js";

const catalog = loadCatalog().catalog;
function bundleOf(text: string): Bundle {
  const p = checkProject([{ file: "t.policy", text }], catalog);
  expect(p.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return buildBundle(p);
}

const SRC = `
policy "No pushes" {
  id no-push
  if integration is Git
  if tool in [push, push_force]
  action block "pushing is not allowed"
}
policy "Commits need approval" {
  id commit-approval
  if tool is git.commit
  action require_approval "a human reviews commits" from [manager]
}
policy "Git reads" {
  id git-reads
  if integration is Git
  if operation is Read
  action allow, alert "git read" to "#audit"
}
`;

let shell: ShellParser;
let enforcer: Enforcer;
let bare: Enforcer;
beforeAll(async () => {
  shell = await loadShellParser();
  const b = bundleOf(SRC);
  enforcer = createEnforcer(b, { shell });
  bare = createEnforcer(b);
});

const cli = (command: readonly string[] | string) => ({ type: "tool_call_request", session_id: "s", agent: { name: "A" }, call: { type: "cli", command } });
const decide = (command: readonly string[] | string, e: Enforcer = enforcer): Decision => e.decide(cli(command));

describe("argv level: what does not change the program is stepped over", () => {
  const members: string[][] = [
    ["git", "push"],
    ["git", "-C", "/repo", "push"],
    ["git", "-C/repo", "push"],
    ["git", "-c", "core.x=y", "push"],
    ["git", "-c", "a=b", "-c", "c=d", "--no-pager", "push", "origin", "main"],
    ["git", "--no-pager", "push"],
    ["git", "-P", "push"],
    ["git", "--git-dir=/r/.git", "--work-tree", "/r", "push"],
    ["git", "--namespace", "x", "--bare", "push"],
    ["/usr/bin/git", "push"],
    ["./git", "push"],
    ["GIT", "push"],
    ["git.exe", "push"],
    ["C:\\Program Files\\Git\\bin\\git.exe", "push"],
    ["env", "X=1", "git", "push"],
    ["X=1", "Y=2", "git", "push"],
    ["env", "-i", "-u", "HOME", "--chdir=/tmp", "X=1", "git", "push"],
    ["sudo", "git", "push"],
    ["sudo", "-u", "root", "-E", "git", "push"],
    ["sudo", "-uroot", "--preserve-env", "--", "git", "push"],
    ["nice", "-n", "5", "git", "push"],
    ["nice", "-10", "git", "push"],
    ["timeout", "5s", "git", "push"],
    ["timeout", "-s", "KILL", "-k", "1", "30", "git", "push"],
    ["nohup", "git", "push"],
    ["command", "git", "push"],
    ["exec", "-a", "x", "git", "push"],
    ["time", "-p", "git", "push"],
    ["stdbuf", "-o", "L", "git", "push"],
    ["env", "sudo", "nice", "-n", "1", "timeout", "9", "nohup", "/usr/bin/git", "-C", "x", "push"],
  ];
  for (const argv of members) {
    it(`${argv.join(" ")} is git push: blocked`, () => {
      const d = decide(argv);
      expect(d.effect).toBe("block");
      expect(d.policy?.id).toBe("no-push");
      expect(d.tool).toBe("git.push");
    });
  }

  it("git push --force behind global options is push_force", () => {
    expect(decide(["git", "-C", "x", "push", "--force"]).tool).toBe("git.push_force");
  });

  it("policies see the normalised argv, and the raw argv is kept in the decision", () => {
    const d = decide(["sudo", "-u", "root", "/usr/bin/git", "-C", "/repo", "push", "origin"]);
    expect(d.commands).toEqual([{ argv: ["git", "push", "origin"], raw_argv: ["sudo", "-u", "root", "/usr/bin/git", "-C", "/repo", "push", "origin"], tool: "git.push", operation: "Write", effect: "block", policy: "no-push", reason: "pushing is not allowed" }]);
  });

  it("a plain argv gets no commands field (the decision shape is unchanged)", () => {
    expect(decide(["git", "status"]).commands).toBeUndefined();
  });

  it("xargs: the command is decided, and also as an unknown command (words from its input)", () => {
    const d = decide(["xargs", "-n", "1", "git", "status"]);
    expect(d.commands?.map((c) => [c.tool, c.unknown ?? null])).toEqual([["git.status", null], ["git.status", "xargs adds words read from its input"]]);
    const strict = createEnforcer(bundleOf(SRC + "default by operation { Read: allow Write: allow Delete: allow Unknown: block }"), { shell });
    expect(decide(["xargs", "git", "status"], strict).effect).toBe("block");
    expect(decide(["xargs", "git", "push"]).effect).toBe("block");
  });

  it("what cannot be decided statically is Unknown, and the reason says why", () => {
    const strict = createEnforcer(bundleOf(SRC + "default by operation { Read: allow Write: allow Delete: allow Unknown: block }"), { shell });
    for (const [argv, why] of [
      [["eval", "git push"], "eval runs a string as shell code"],
      [["sudo", "-Z", "git", "push"], "sudo option -Z is not understood"],
      [["env", "--bogus", "git", "push"], "env option --bogus is not understood"],
      [["X=1"], "the command line runs no program"],
    ] as const) {
      const d = decide(argv, strict);
      expect(d.effect, argv.join(" ")).toBe("block");
      expect(d.reason).toContain(why);
      expect(d.operation).toBe("Unknown");
    }
  });
});

describe("shell lines: every simple command decided, strictest wins", () => {
  it("sh -c, bash -lc, zsh -c, nested, in argv: git push inside is blocked", () => {
    for (const argv of [
      ["sh", "-c", "git push"],
      ["bash", "-lc", "git push"],
      ["/bin/bash", "-e", "-o", "pipefail", "-c", "git status; git push"],
      ["zsh", "-c", "echo hi && git push"],
      ["sh", "-c", "bash -c 'sudo git -C /r push'"],
      ["sudo", "sh", "-c", "git push"],
      ["su", "-c", "git push", "root"],
      ["ssh", "host", "git", "push"],
      ["watch", "-n", "5", "git push"],
      ["env", "-S", "git push"],
    ]) {
      const d = decide(argv);
      expect(d.effect, argv.join(" ")).toBe("block");
      expect(d.policy?.id).toBe("no-push");
    }
  });

  it("a shell line as the command string: lists, pipelines, subshells, substitutions, bodies", () => {
    for (const line of [
      "git status && git push",
      "git status; git push",
      "false || git push",
      "git status | git push",
      "(cd x; git push)",
      "{ git status; git push; }",
      "echo $(git push)",
      "echo `git push`",
      "cat <(git push)",
      "if true; then git push; fi",
      "for r in a b; do git push $r; done",
      "while false; do git push; done",
      "f() { git push; }",
      "X=$(git push) true",
      "git status & git push",
      "sh -c 'sh -c \"git push\"'",
    ]) {
      const d = decide(line);
      expect(d.effect, line).toBe("block");
      expect(d.policy?.id, line).toBe("no-push");
    }
  });

  it("the strictest command decides; matched and alerts gather every command; approvers of the decider", () => {
    const d = decide("git status && git commit -m x");
    expect(d.effect).toBe("require_approval");
    expect(d.policy?.id).toBe("commit-approval");
    expect(d.approvers).toEqual(["manager"]);
    expect(d.matched.map((m) => m.id)).toEqual(["git-reads", "commit-approval"]);
    expect(d.alerts.map((a) => a.to)).toEqual(["#audit"]);
    expect(d.commands?.map((c) => [c.argv.join(" "), c.effect])).toEqual([["git status", "allow"], ["git commit -m x", "require_approval"]]);
    const all = decide("git status && git commit -m x && git push");
    expect([all.effect, all.policy?.id, all.approvers]).toEqual(["block", "no-push", []]);
  });

  it("a line that does not parse, or runs an expansion, is Unknown with the reason", () => {
    const strict = createEnforcer(bundleOf(SRC + "default by operation { Read: allow Write: allow Delete: allow Unknown: block }"), { shell });
    for (const [line, why] of [
      ["git push 'unterminated", "does not parse"],
      ["$GIT push", "is not a literal"],
      ["g* push", "is not a literal"],
      ["eval 'git push'", "eval runs a string"],
      ["alias g=git; g push", "alias gives commands other names"],
      ["sh -c \"$CMD\"", "is an expansion"],
      ["git p{u,}sh", "subcommand word p{u,}sh of git is not a literal"],
      ["git {push,status}", "is not a literal"],
      ["git pu${X}sh", "subcommand word pu${X}sh of git is not a literal"],
      ["git $SUB", "subcommand word $SUB of git is not a literal"],
      ["git -C . $(echo push)", "is not a literal"],
      ["git pu*", "is not a literal"],
      ["gh pr \"$VERB\" 1", "is not a literal"],
    ] as const) {
      const d = decide(line, strict);
      expect(d.effect, line).toBe("block");
      // The reason of the decision, or of the command that cannot be decided (beside the literal one).
      expect([d.reason, ...(d.commands ?? []).map((c) => c.unknown ?? "")].join("\n"), line).toContain(why);
    }
  });

  it("without a shell parser, a shell line is Unknown (its default applies), never a guess", () => {
    const d = decide(["sh", "-c", "git status"], bare);
    expect(d.operation).toBe("Unknown");
    expect(d.reason).toContain("no shell parser");
    const strict = createEnforcer(bundleOf(SRC + "default block"));
    expect(decide("git status", strict).effect).toBe("block");
  });
});
