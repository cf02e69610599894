/**
 * `args.branches` / `args.remote` of `git push` (arg kind `git_push`): a policy guarding a branch is
 * not passed by naming the destination another way, and a push whose branch git picks itself
 * counts as "*" (any branch). Checked on the reader itself, as a fast-check property over refspec
 * spellings, and end to end through a compiled bundle and the reference evaluator.
 */
import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { gitPushArgs, ANY_BRANCH } from "../../../runtime/git-push.js";
import { loadCatalog } from "../../../compiler/catalog/load.js";
import { checkProject } from "../../../compiler/check/index.js";
import { buildBundle } from "../../../compiler/emit/index.js";
import { loadShellParser } from "../../../compiler/shell/shell-parser.js";
import { referenceDecide, type ReferenceModel } from "../../../compiler/reference/index.js";
import { createEnforcer, type Enforcer } from "../../../runtime/index.js";
import type { SessionEvent } from "../../../runtime/types.js";

const read = (line: string, raw?: string) => gitPushArgs(line.split(" "), (raw ?? line).split(" "));

describe("git push: the branches a command line writes", () => {
  it.each([
    ["git push origin main", "origin", ["main"]],
    ["git push origin HEAD:refs/heads/main", "origin", ["main"]],
    ["git push origin refs/heads/main", "origin", ["main"]],
    ["git push origin feature:main", "origin", ["main"]],
    ["git push origin @:heads/Main", "origin", ["main"]],
    ["git push origin +main", "origin", ["main"]],
    ["git push origin :old", "origin", ["old"]],
    ["git push origin --delete old other", "origin", ["old", "other"]],
    ["git push -u origin fix/login", "origin", ["fix/login"]],
    ["git push origin fix/a fix/b", "origin", ["fix/a", "fix/b"]],
    ["git push -o ci.skip origin fix/a", "origin", ["fix/a"]],
    ["git push --push-option ci.skip origin fix/a", "origin", ["fix/a"]],
    ["git push -uo ci.skip origin fix/a", "origin", ["fix/a"]],
    ["git push --repo=upstream origin fix/a", "origin", ["fix/a"]],
    ["git push origin -- -weird", "origin", ["-weird"]],
    ["git push origin refs/tags/v1", "origin", ["refs/tags/v1"]],
    ["git push https://example.com/acme/web.git main", "https://example.com/acme/web.git", ["main"]],
  ])("%s → remote %s, branches %j", (line, remote, branches) => {
    expect(read(line)).toEqual({ remote, branches });
  });

  it.each([
    "git push", "git push origin", "git push origin HEAD", "git push origin @", "git push origin HEAD~1",
    "git push --all origin", "git push --al origin", "git push --branches", "git push --mirror origin",
    "git push origin :", "git push origin refs/heads/*:refs/heads/*", "git push origin main:",
    "git push --repo=origin main", // --repo stands for the repository operand: `main` is the remote here
  ])("%s → git picks the branch: \"*\"", (line) => {
    expect(read(line).branches).toContain(ANY_BRANCH);
  });

  it.each([
    ["git push origin fix", "git -c remote.origin.push=refs/heads/fix:refs/heads/main push origin fix"],
    ["git push origin fix", "git --config-env=remote.origin.push=X push origin fix"],
    ["git push origin fix", "GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=remote.origin.push GIT_CONFIG_VALUE_0=x git push origin fix"],
    ["git push origin fix", "env HOME=/tmp/elsewhere /usr/bin/git push origin fix"],
  ])("configuration on the command line may map the branch: %s (as written: %s) → \"*\"", (argv, raw) => {
    expect(read(argv, raw).branches).toContain(ANY_BRANCH);
  });

  it("property: every spelling of a destination reads as that branch", () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}(\/[a-z0-9-]{1,8})?$/);
    const spelling = fc.constantFrom(
      (b: string) => b, (b: string) => `+${b}`, (b: string) => `HEAD:${b}`, (b: string) => `HEAD:refs/heads/${b}`,
      (b: string) => `other:heads/${b}`, (b: string) => `+@:refs/heads/${b.toUpperCase()}`, (b: string) => `refs/heads/${b}`,
    );
    const option = fc.constantFrom([], ["-u"], ["--force-with-lease"], ["-o", "x"], ["--push-option=y"], ["-n", "-v"]);
    fc.assert(fc.property(fc.array(fc.tuple(name, spelling), { minLength: 1, maxLength: 4 }), option, (specs, opts) => {
      const argv = ["git", "push", ...opts, "origin", ...specs.map(([b, s]) => s(b))];
      const got = gitPushArgs(argv, argv);
      expect(got.remote).toBe("origin");
      expect(new Set(got.branches)).toEqual(new Set(specs.map(([b]) => b)));
    }), { numRuns: 300 });
  });
});

describe("a policy on args.branches, compiled and in the reference", () => {
  const catalog = loadCatalog().catalog;
  const text = `
policy "main needs a person" {
  id main-approval
  scope agent "a"
  if tool in [git.push, git.push_force, git.push_delete]
  if args.branches[*] in ["main", "*"]
  action require_approval "pushes to main are reviewed"
}
policy "feature branches only" {
  id feature-only
  scope agent "b"
  if tool is git.push
  if not args.branches[all] matches "fix/*"
  action block "push fix/ branches only"
}
default allow
`;
  const project = checkProject([{ file: "t.policy", text }], catalog);
  let enforcer: Enforcer;
  let model: ReferenceModel;
  beforeAll(async () => {
    const shell = await loadShellParser();
    enforcer = createEnforcer(buildBundle(project), { shell });
    model = { policies: project.policies, ...(project.default ? { default: project.default } : {}), detectors: project.detectors, catalog, shell };
  });
  const decide = (command: string, agent = "a") => {
    const e: SessionEvent = { type: "tool_call_request", session_id: "s", seq: 1, ts: "2026-01-05T10:00:00Z", agent: { id: agent, name: agent }, call: { id: "c", type: "cli", command } } as SessionEvent;
    const got = enforcer.decide(e);
    const ref = referenceDecide(model, e);
    expect(ref.effect).toBe(got.effect);
    return got;
  };

  it("every spelling of a push to main waits for a person; the reference agrees", () => {
    expect(project.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    for (const c of ["git push origin main", "git push origin HEAD:refs/heads/main", "git push origin x:MAIN", "git push", "sh -c 'git push origin HEAD'"]) {
      expect(decide(c).effect, c).toBe("require_approval");
    }
  });

  it("the allow-list form blocks what is not a fix/ branch, and a push whose branch git picks", () => {
    expect(decide("git push origin fix/a fix/b", "b").effect).toBe("allow");
    expect(decide("git push origin HEAD:refs/heads/fix/a", "b").effect).toBe("allow");
    for (const c of ["git push origin fix/a other", "git push origin HEAD", "git push", "git push --all origin", "git push origin fix/a:main"]) {
      expect(decide(c, "b").effect, c).toBe("block");
    }
  });

  it("the checker warns about a branch literal in another spelling (PDL2018)", () => {
    const p = checkProject([{ file: "t.policy", text: `policy "a" { if tool is git.push  if args.branches[*] in ["Main", "refs/heads/dev"]  action block }` }], catalog);
    const hints = p.diagnostics.filter((d) => d.code === "PDL2018").map((d) => d.hint);
    expect(hints).toEqual(['write "main"', 'write "dev"']);
  });
});
