/**
 * What a `git push` command line writes on the remote, read from its normalised argv the way git
 * reads it (catalog arg kind `git_push` on a CLI tool's `argv`): `args.remote` (the repository
 * operand, `--repo`, or "" for the default remote) and `args.branches` (the branch each refspec
 * updates, in one spelling: `+` dropped, `src:dst` → `dst`, `refs/heads/x` and `heads/x` → `x`,
 * lower-cased, since a remote on a case-insensitive file system stores `Main` as `main`).
 * When git chooses the branch itself — no refspec (`push.default`, `remote.<name>.push`), `HEAD` or
 * `@` without a destination, `--all` / `--branches` / `--mirror`, a wildcard refspec, `:` (matching),
 * or configuration given on the command line (`-c`, `--config-env`, `GIT_*` variables) — the list
 * holds `"*"` (`ANY_BRANCH`): any branch, the default one included. So a policy that lists
 * `"*"` beside the branches it guards, or an allow-list (`not args.branches[all] matches "feat/*"`),
 * cannot be passed by spelling the destination differently.
 */

/** A destination git picks itself (or a pattern of many): any branch, the default one included. */
export const ANY_BRANCH = "*";

/** `git push`'s long options (for unique-prefix abbreviations, as git's option parser accepts them). */
const LONG = [
  "all", "branches", "mirror", "tags", "follow-tags", "atomic", "dry-run", "porcelain", "delete", "prune",
  "set-upstream", "force", "force-with-lease", "force-if-includes", "repo", "receive-pack", "exec",
  "push-option", "signed", "thin", "quiet", "verbose", "progress", "recurse-submodules", "verify",
  "ipv4", "ipv6", "no-verify", "no-thin", "no-signed", "no-atomic", "no-progress", "no-follow-tags",
  "no-force-with-lease", "no-force-if-includes", "no-recurse-submodules", "no-tags",
];
/** Long options whose value may be the next word. */
const LONG_WITH_VALUE = new Set(["repo", "receive-pack", "exec", "push-option"]);
/** Long options that push every branch (or every ref). */
const LONG_ALL = new Set(["all", "branches", "mirror"]);
/** Short options whose value is the rest of the cluster or the next word. */
const SHORT_WITH_VALUE = "o";

/** A long option's full name from what was written (`--mir` → `mirror`); undefined when unknown or ambiguous. */
function longName(written: string): string | undefined {
  if (LONG.includes(written)) return written;
  const hits = LONG.filter((o) => o.startsWith(written));
  return hits.length === 1 ? hits[0] : undefined;
}

interface Read { remote: string | undefined; operands: string[]; any: boolean }

/** The options and operands after `git push`; an option's value is never taken for an operand. */
function readWords(words: readonly string[]): Read {
  const r: Read = { remote: undefined, operands: [], any: false };
  let options = true;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (!options || w === "-" || !w.startsWith("-")) { r.operands.push(w); continue; }
    if (w === "--") { options = false; continue; }
    if (w.startsWith("--")) {
      const eq = w.indexOf("=");
      const name = longName(eq < 0 ? w.slice(2) : w.slice(2, eq));
      if (name === undefined) continue; // git refuses an unknown or ambiguous option: nothing is pushed
      if (LONG_ALL.has(name)) r.any = true;
      if (LONG_WITH_VALUE.has(name)) {
        const value = eq < 0 ? words[++i] : w.slice(eq + 1);
        if (name === "repo" && value !== undefined) r.remote = value;
      }
      continue;
    }
    const at = w.indexOf(SHORT_WITH_VALUE, 1);
    if (at >= 0 && at === w.length - 1) i++; // `-o value`, `-uo value`; `-ovalue` carries its own
  }
  return r;
}

/** The branch a refspec updates, in one spelling; `ANY_BRANCH` when git picks it. */
function destination(refspec: string): string {
  const spec = refspec.startsWith("+") ? refspec.slice(1) : refspec;
  const colon = spec.indexOf(":");
  const src = colon < 0 ? spec : spec.slice(0, colon);
  const dst = colon < 0 ? src : spec.slice(colon + 1);
  if (dst === "" || /[*?[]/.test(dst)) return ANY_BRANCH;
  if (colon < 0 && (dst === "HEAD" || dst === "@" || /[~^]|@\{/.test(dst))) return ANY_BRANCH;
  return canonicalBranch(dst) || ANY_BRANCH;
}

/** A branch name in the one spelling policies compare: `refs/heads/` or `heads/` dropped, lower-cased. */
export function canonicalBranch(name: string): string {
  const lower = name.toLowerCase();
  if (lower.startsWith("refs/heads/")) return lower.slice("refs/heads/".length);
  if (lower.startsWith("heads/")) return lower.slice("heads/".length);
  return lower;
}

/**
 * Whether the command line sets configuration git reads (`remote.<name>.push` maps a branch
 * elsewhere): `-c` / `--config-env` (`git push` has no option starting so), or a variable
 * assignment before the program (`GIT_CONFIG_*`, `HOME`, `XDG_CONFIG_HOME`, …).
 */
function setsConfig(raw: readonly string[]): boolean {
  const program = raw.findIndex((w) => /^git(\.exe)?$/i.test(w.split(/[\\/]/).pop() ?? ""));
  return raw.some((w, i) => /^-c|^--config-env/.test(w) || (i < program && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w)));
}

/**
 * `args.remote` and `args.branches` of a `git push` argv (normalised: `["git", "push", …]`);
 * `raw` is the argv as written (wrappers, variables and global options still in it).
 */
export function gitPushArgs(argv: readonly string[], raw: readonly string[]): { remote: string; branches: string[] } {
  const push = argv.findIndex((w, i) => i > 0 && w === "push");
  const r = readWords(argv.slice(push < 0 ? argv.length : push + 1));
  // `--repo` stands for the repository operand; an operand given too takes precedence (git's rule)
  const remote = r.operands[0] ?? r.remote ?? "";
  const refspecs = r.operands.slice(1);
  const branches: string[] = [];
  const add = (b: string): void => { if (!branches.includes(b)) branches.push(b); };
  if (r.any || refspecs.length === 0 || setsConfig(raw)) add(ANY_BRANCH);
  for (const spec of refspecs) add(destination(spec));
  return { remote, branches };
}
