/**
 * Command patterns that a rephrased flag cannot slip past: a destructive flag anywhere before `--`,
 * in a short-flag cluster, abbreviated, or as a `+refspec` / `:refspec` word, resolves to the
 * strict Git tool, and a policy that blocks the strict tool while allowing the lenient one blocks
 * it. The pattern language itself (`**` anywhere, word globs, clusters, `--`) and its cost.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadCatalog } from "../../../compiler/catalog/load.js";
import { checkProject } from "../../../compiler/check/index.js";
import { buildBundle } from "../../../compiler/emit/index.js";
import { matchCommand, patternProblem } from "../../../runtime/command-pattern.js";
import { createEnforcer } from "../../../runtime/index.js";

const catalog = loadCatalog().catalog;
const toolOf = (argv: readonly string[]) => catalog.resolveCommand(argv);
const RANK = { Unknown: 0, Read: 1, Write: 2, Delete: 3 } as const;
const w = (line: string) => line.split(" ");

/** Per strict tool: rephrasings that must resolve to it. */
const STRICT: Record<string, string[]> = {
  push_force: [
    "git push -v --force", "git push origin main extra --force", "git push --verbose -f", "git push -fu origin main",
    "git push -uf origin main", "git push origin +main", "git push origin main +refs/heads/x:refs/heads/x",
    "git push --force-with-lease=main", "git push --force-with-lease origin main", "git push --force-w", "git push --mirror",
    "git push --mirr origin", "git push --m", "git push -q origin main -f", "git push --tags --force-if-includes --force-with-lease",
  ],
  push_delete: [
    "git push origin :main", "git push --prune origin", "git push --pru", "git push origin --delete main",
    "git push -v -d origin main", "git push -vd origin main", "git push --del origin x", "git push origin -- :main",
  ],
  reset_hard: ["git reset -q --hard", "git reset --hard", "git reset HEAD~1 --hard", "git reset --ha", "git reset --h origin/main"],
  commit_amend: ["git commit -m x --amend", "git commit -a -m x --amend --no-edit", "git commit --amen", "git commit -q --am"],
  branch_delete: [
    "git branch -v -D x", "git branch -D x", "git branch x -d", "git branch -vd x", "git branch --delete x", "git branch --del x", "git branch --d x",
    "git branch -f main HEAD~3", "git branch -M old new", "git branch --force main", "git branch -C a b",
    "git checkout -B main origin/main", "git switch -C main",
  ],
  tag_delete: ["git tag -f -d x", "git tag -d x", "git tag v1 -d", "git tag --delete v1", "git tag --del v1", "git tag --d v1", "git tag -fa v1 -m x"],
  checkout_discard: [
    "git checkout -f", "git checkout --force", "git checkout -q -f main", "git checkout -- file", "git checkout HEAD -- file",
    "git checkout .", "git checkout HEAD .", "git checkout -fq", "git checkout --pathspec-from-file=list",
    "git switch --discard-changes main", "git switch -f main", "git switch --disc main", "git switch --force main",
  ],
  remote_change: ["git remote -v add x /tmp/x", "git remote add x /tmp/x", "git remote --verbose set-url origin u"],
};

/** Forms that stay lenient: what they resolve to. */
const LENIENT: [string, string][] = [
  ["git push", "push"], ["git push origin main", "push"], ["git push -u origin main", "push"], ["git push --tags", "push"],
  ["git push -- -f", "push"], ["git push origin -- --force", "push"], ["git push --follow-tags", "push"], ["git push origin a:b", "push"],
  ["git reset HEAD file", "reset"], ["git reset --soft HEAD~1", "reset"], ["git reset -- --hard", "reset"],
  ["git commit -m x", "commit"], ["git commit -- --amend", "commit"],
  ["git branch", "branch"], ["git branch -a", "branch"], ["git branch -r", "branch"], ["git branch -v", "branch"], ["git branch -vv", "branch"],
  ["git branch --list", "branch"], ["git branch feature", "branch_create"],
  ["git tag", "tag"], ["git tag v1", "tag"], ["git tag -l", "tag"],
  ["git checkout main", "checkout"], ["git checkout -b feature", "checkout"], ["git switch main", "switch"], ["git switch -c new", "switch"],
  ["git remote", "remote"], ["git remote -v", "remote"],
];

describe("a destructive flag anywhere is the strict tool", () => {
  for (const [tool, lines] of Object.entries(STRICT)) {
    it.each(lines)(`%s → git.${tool}`, (line) => {
      expect(toolOf(w(line))?.name).toBe(tool);
    });
  }
  it.each(LENIENT)("%s stays git.%s", (line, tool) => {
    expect(toolOf(w(line))?.name).toBe(tool);
  });
});

describe("a policy blocking the strict tool while allowing the lenient one", () => {
  const strictTools = Object.keys(STRICT);
  const src = `
policy "No destructive git" {
  id no-destructive
  if integration is Git
  if tool in [${strictTools.join(", ")}]
  action block "destructive"
}
policy "Git otherwise" {
  id git-ok
  if integration is Git
  action allow
}
`;
  const p = checkProject([{ file: "t.policy", text: src }], catalog);
  const enforcer = createEnforcer(buildBundle(p));
  const decide = (line: string) => enforcer.decide({ type: "tool_call_request", session_id: "s", agent: { name: "A" }, call: { type: "cli", command: w(line) } });
  it("compiles", () => expect(p.diagnostics.filter((d) => d.severity === "error")).toEqual([]));
  it.each(Object.values(STRICT).flat())("blocks %s", (line) => {
    const d = decide(line);
    expect([d.effect, d.policy?.id]).toEqual(["block", "no-destructive"]);
  });
  it.each(LENIENT.map(([l]) => l))("allows %s", (line) => expect(decide(line).effect).toBe("allow"));
});

describe("inserting a harmless word never makes a strict tool more lenient", () => {
  const HARMLESS = ["-v", "-q", "--verbose", "-u", "--tags", "origin", "main", "--quiet", "-n", "HEAD", "x", "--no-verify"];
  const cases = Object.entries(STRICT).flatMap(([tool, lines]) => lines.map((l) => ({ tool, argv: w(l) })));
  it("holds at any position after the subcommand, for several insertions", () => {
    fc.assert(fc.property(
      fc.constantFrom(...cases),
      fc.array(fc.tuple(fc.constantFrom(...HARMLESS), fc.nat()), { minLength: 1, maxLength: 4 }),
      ({ tool, argv }, inserts) => {
        const before = catalog.tool(`git.${tool}`)!.operation;
        const out = [...argv];
        for (const [word, at] of inserts) out.splice(2 + (at % (out.length - 1)), 0, word);
        const after = toolOf(out)?.operation ?? "Unknown";
        expect(RANK[after], `${out.join(" ")} → ${toolOf(out)?.name} (${after}) from ${argv.join(" ")} (${before})`).toBeGreaterThanOrEqual(RANK[before]);
      },
    ), { numRuns: 3000, seed: 16002 });
  });
});

describe("the pattern language", () => {
  it.each([
    [["a", "**", "-f", "**"], ["a", "x", "y", "-f", "z"], true],
    [["a", "**", "-f", "**"], ["a", "-f"], true],
    [["a", "**", "-f"], ["a", "x", "-f", "y"], false],
    [["a", "**", "-f", "**"], ["a", "-uf"], true],
    [["a", "**", "-f", "**"], ["a", "--force"], false],
    [["a", "**", "-f", "**"], ["a", "--", "-f"], false],
    [["a", "**", "-f", "**"], ["a", "-f", "--"], true],
    [["a", "**", "--forc*", "**"], ["a", "--force-with-lease=main"], true],
    [["a", "**", "--forc*", "**"], ["a", "--", "--force"], false],
    [["a", "**", "+*", "**"], ["a", "--", "+main"], true],
    [["a", "**", "\\*", "**"], ["a", "*"], true],
    [["a", "**", "\\*", "**"], ["a", "x"], false],
    [["a", "x?z"], ["a", "xyz"], true],
    [["a", "x?z"], ["a", "xz"], false],
    [["a", "*"], ["a"], false],
    [["a", "*"], ["a", "--"], true],
    [["a", "**", "--", "**"], ["a", "b", "--", "c", "--"], true],
    [["a", "--", "--"], ["a", "--", "--"], false],
    [["a", "**"], ["a"], true],
    [["a"], ["a", "b"], false],
    [["a", "-vv"], ["a", "-vvv"], false],
  ] as const)("%j on %j is %s", (pattern, argv, expected) => {
    expect(matchCommand(pattern, argv)).toBe(expected);
  });

  it("never throws, on any pattern and argv", () => {
    const word = fc.oneof(fc.constantFrom("**", "*", "-f", "--", "--x*", "+*", "\\", "\\*", "?", "-"), fc.string({ maxLength: 6 }));
    fc.assert(fc.property(fc.array(word, { maxLength: 8 }), fc.array(word, { maxLength: 20 }), (p, a) => {
      expect(typeof matchCommand(p, a)).toBe("boolean");
    }), { numRuns: 3000 });
  });

  it("decides a 10,000-word argv against every catalog pattern, many `**` and long word globs", () => {
    const big = ["git", "push", ...Array.from({ length: 10_000 }, (_, i) => (i % 3 ? "origin" : "-v"))];
    expect(toolOf(big)?.name).toBe("push");
    expect(toolOf([...big, "-f"])?.name).toBe("push_force");
    const stars = ["git", ...Array.from({ length: 40 }, () => "**"), "z", "**"];
    expect(matchCommand(stars, big)).toBe(false);
    expect(matchCommand(["a", "*a*a*a*a*a*a*a*b"], ["a", "a".repeat(5_000)])).toBe(false);
  });
});

describe("precedence and loading", () => {
  it("on equally specific patterns the stricter operation wins", () => {
    const doc = (first: string, firstOp: string, second: string, secondOp: string) => JSON.stringify({
      format: "policy-catalog/1",
      integrations: [{
        id: "tool", name: "Tool", call_type: "cli",
        tools: [{ name: first, operation: firstOp }, { name: second, operation: secondOp }],
        commands: [{ pattern: ["tool", "**", "-a", "**"], tool: first }, { pattern: ["tool", "**", "-b", "**"], tool: second }],
      }],
    });
    for (const [a, ao, b, bo] of [["r", "Read", "d", "Delete"], ["d", "Delete", "r", "Read"]] as const) {
      const l = loadCatalog([{ file: "tool.json", text: doc(a, ao, b, bo) }], { builtin: false });
      expect(l.diagnostics).toEqual([]);
      expect(l.catalog.resolveCommand(["tool", "-a", "-b"])?.name).toBe("d");
      expect(l.catalog.resolveCommand(["tool", "-ab"])?.name).toBe("d");
    }
  });

  it("a malformed pattern is an error naming the catalog file and the pattern", () => {
    const text = JSON.stringify({
      format: "policy-catalog/1",
      integrations: [{ id: "tool", name: "Tool", call_type: "cli", tools: [{ name: "t", operation: "Read" }], commands: [{ pattern: ["**", "x"], tool: "t" }, { pattern: ["tool", "a\\"], tool: "t" }] }],
    });
    const l = loadCatalog([{ file: "my-catalog.json", text }], { builtin: false });
    const msgs = l.diagnostics.map((d) => d.message);
    expect(msgs).toHaveLength(2);
    expect(msgs[0]).toContain("my-catalog.json");
    expect(msgs[0]).toContain('["**","x"]');
    expect(msgs[0]).toContain("name the program");
    expect(msgs[1]).toContain("lone");
    expect(l.diagnostics[0]!.hint).toContain("`**`");
  });

  it("every built-in pattern is well formed", () => {
    for (const c of catalog.commands()) expect(patternProblem(c.pattern), JSON.stringify(c.pattern)).toBeUndefined();
  });
});
