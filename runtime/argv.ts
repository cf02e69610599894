/**
 * Command lines as policies see them: each simple command's argv with what does not change the
 * program that runs stepped over — the executable's directory (`/usr/bin/git` → `git`), leading
 * `VAR=value` words, wrappers (`env`, `sudo`, `nice`, `timeout`, `xargs`, `nohup`, `exec`, …; the
 * table `WRAPPERS`) and the program's global options declared in the catalog (`git -C dir push` →
 * `git push`). `sh -c '…'` and the other shells' command strings are shell lines, split into simple
 * commands by the shell parser the host injects (`EnforcerOptions.shell`), recursively (bounded).
 * What cannot be decided statically (an unparsable line, a command name that is an expansion,
 * `eval`, a wrapper option this table does not know, …) is a command with `unknown` set: it never
 * resolves to a catalog tool, so the default for `Unknown` applies, and the reason says why.
 * INVARIANT: nothing here throws; every input yields at least one command.
 * Dependency-free, like the rest of the runtime.
 */
import type { GlobalOptions } from "./types.js";

/** One simple command of a shell line, as the parser found it. */
export interface ShellCommand {
  /** Its words after quote removal; a word that is not a literal keeps its source text (`$X`). */
  readonly argv: readonly string[];
  /** Indexes of the words that are not literals (expansions, substitutions, globs). */
  readonly dynamic?: readonly number[];
}

/** A shell line split into simple commands, or why it cannot be. */
export type ShellParse = { readonly commands: readonly ShellCommand[] } | { readonly unknown: string };

/** Splits a shell line into its simple commands (every one, nested ones included). Must not throw. */
export type ShellParser = (line: string) => ShellParse;

/** A simple command, ready to be resolved against the catalog. */
export interface SimpleCommand {
  /** The words as written (in the event, or in the shell line it came from). */
  readonly raw: readonly string[];
  /** The words policies see: program basename, wrappers and global options stepped over. */
  readonly argv: readonly string[];
  /** Set when the command cannot be decided statically: why. It is then an unknown tool. */
  readonly unknown?: string;
}

/** How deep `sh -c` and wrappers may nest before the command is unknown. */
export const MAX_COMMAND_NESTING = 8;
/** Most simple commands one call may hold; past that the whole call is one unknown command. */
export const MAX_SIMPLE_COMMANDS = 256;

/**
 * A wrapper's options (getopt style, options before the command): short flags and short options
 * with a value (`-u user`, `-uuser`), long ones (`--user=x`, `--user x`, unique prefixes).
 */
interface Wrapper {
  readonly sf?: string;
  readonly sv?: string;
  readonly lf?: readonly string[];
  readonly lv?: readonly string[];
  /** Words after the options and before the command (`timeout 5s cmd`, `chroot /dir cmd`). */
  readonly positional?: number;
  /** `env`: `NAME=value` words may follow the options. */
  readonly assigns?: boolean;
  /** `nice -5 cmd`: a numeric option. */
  readonly numeric?: boolean;
  /** The rest is joined into a shell line (`watch`, `ssh host cmd`), not run as argv. */
  readonly line?: boolean;
  /** Options whose value is a shell line (`su -c`, `flock -c`), or the start of the argv (`env -S`). */
  readonly lineOpts?: readonly string[];
  /** The command gets words the line does not show (`xargs`): also decided as an unknown command. */
  readonly extraWords?: boolean;
}

const WRAPPERS: Readonly<Record<string, Wrapper>> = {
  env: { sf: "i0v", sv: "uCS", lf: ["ignore-environment", "null", "debug"], lv: ["unset", "chdir", "split-string"], assigns: true, lineOpts: ["-S", "--split-string"] },
  sudo: { sf: "AbEeHiKklnPSsVv", sv: "CDghpRrTtUu", lf: ["askpass", "background", "preserve-env", "edit", "set-home", "login", "remove-timestamp", "reset-timestamp", "list", "non-interactive", "preserve-groups", "stdin", "shell", "validate"], lv: ["close-from", "chdir", "group", "host", "prompt", "chroot", "role", "type", "command-timeout", "other-user", "user"] },
  doas: { sf: "nsL", sv: "uC" },
  nice: { sv: "n", lv: ["adjustment"], numeric: true },
  timeout: { sf: "v", sv: "sk", lf: ["preserve-status", "foreground", "verbose"], lv: ["signal", "kill-after"], positional: 1 },
  xargs: { sf: "0oprtx", sv: "adEILnPs", lf: ["null", "open-tty", "interactive", "no-run-if-empty", "verbose", "exit", "show-limits"], lv: ["arg-file", "delimiter", "eof", "replace", "max-lines", "max-args", "max-procs", "max-chars", "process-slot-var"], extraWords: true },
  nohup: {},
  command: { sf: "pvV" },
  builtin: {},
  exec: { sf: "cl", sv: "a" },
  time: { sf: "pvaq", sv: "fo", lf: ["portability", "verbose", "append", "quiet"], lv: ["format", "output"] },
  stdbuf: { sv: "ioe", lv: ["input", "output", "error"] },
  ionice: { sf: "t", sv: "cnp", lf: ["ignore"], lv: ["class", "classdata", "pid"] },
  setsid: { sf: "cfw", lf: ["ctty", "fork", "wait"] },
  chroot: { lv: ["groups", "userspec"], lf: ["skip-chdir"], positional: 1 },
  taskset: { sf: "ac", lf: ["all-tasks", "cpu-list"], positional: 1 },
  nsenter: { sf: "aFimnpUuCrwZ", sv: "tSGTRW", lf: ["all", "no-fork", "preserve-credentials"], lv: ["target", "setuid", "setgid", "root", "wd"] },
  runuser: { sf: "flmp", sv: "ugGsw", lf: ["login", "preserve-environment"], lv: ["user", "group", "supp-group", "shell", "whitelist-environment"], lineOpts: ["-c", "--command"] },
  busybox: {},
  flock: { sf: "sxnuoFe", sv: "wEc", lf: ["shared", "exclusive", "nonblock", "unlock", "close", "no-fork", "verbose"], lv: ["timeout", "conflict-exit-code", "command"], lineOpts: ["-c", "--command"], positional: 1 },
  watch: { sf: "bdegtxcpw", sv: "nq", lf: ["beep", "differences", "errexit", "chgexit", "no-title", "exec", "color", "no-color", "precise", "no-wrap"], lv: ["interval", "equexit", "shotsdir"], line: true },
  ssh: { sf: "46AaCfGgKkMNnqsTtVvXxYy", sv: "BbcDEeFIiJLlmOopQRSWw", line: true, positional: 1 },
  unbuffer: { sf: "p" },
  strace: { sf: "cCdDfFhiqrtTvVxyYz", sv: "abeEIoOpPsSuUX" },
};

/** Shells whose `-c` argument is a shell line parsed with sh/bash syntax. */
const SHELLS = new Set(["sh", "bash", "dash", "ash", "ksh", "mksh", "zsh", "posh", "yash", "rbash"]);
/** Commands that run strings or files as code, or rename commands: never decided statically. */
const OPAQUE: Readonly<Record<string, string>> = {
  eval: "eval runs a string as shell code",
  source: "source runs a file as shell code",
  ".": ". runs a file as shell code",
  alias: "alias gives commands other names",
  trap: "trap runs a string as shell code later",
  fish: "fish command lines are not parsed (not sh syntax)",
  fc: "fc runs commands from the history",
};

const isAssign = (w: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*\+?=/.test(w);

/** The program word as it names a program: basename, `.exe` dropped, lower-case (case-insensitive file systems). */
export function programName(w: string): string {
  const base = w.slice(Math.max(w.lastIndexOf("/"), w.lastIndexOf("\\")) + 1);
  return base.replace(/\.(exe|cmd|bat|com)$/i, "").toLowerCase();
}

/**
 * `command starts with`: `prefix` (words, at least one) is a word-boundary prefix of `argv`: the
 * words before the last are equal; the last is equal, or, when it ends in a character other than a
 * letter, digit or `_` (`test:`), the start of the command's word (`test:unit`).
 */
export function startsWithWords(argv: readonly string[], prefix: readonly string[]): boolean {
  const n = prefix.length;
  if (n === 0 || argv.length < n) return false;
  for (let i = 0; i < n - 1; i++) if (argv[i] !== prefix[i]) return false;
  const last = prefix[n - 1]!, w = argv[n - 1]!;
  return w === last || (/[^A-Za-z0-9_]$/.test(last) && w.startsWith(last));
}

/** Words with a dynamic flag each, and a cursor. */
interface Words { readonly w: readonly string[]; readonly dyn: ReadonlySet<number>; i: number }

type Outcome = { readonly line: string; readonly at: number } | { readonly unknown: string } | undefined;

/** Steps over one wrapper's options and positional words; `w.i` is left at its command. */
function stepWrapper(name: string, spec: Wrapper, w: Words): Outcome {
  const words = w.w;
  while (w.i < words.length) {
    const a = words[w.i]!;
    if (w.dyn.has(w.i) && a.startsWith("$")) return { unknown: `an option of ${name} is an expansion (${a.slice(0, 40)})` };
    if (a === "--") { w.i++; break; }
    if (a === "-" && name === "env") { w.i++; continue; }
    if (!a.startsWith("-") || a === "-") break;
    if (spec.numeric && /^-\d+$/.test(a)) { w.i++; continue; }
    const r = a.startsWith("--") ? longOption(name, spec, a, w) : shortOptions(name, spec, a, w);
    if (r) return r;
  }
  if (spec.assigns) while (w.i < words.length && isAssign(words[w.i]!)) w.i++;
  if (spec.positional) w.i += spec.positional;
  if (spec.line && w.i < words.length) return { line: words.slice(w.i).join(" "), at: w.i };
  return undefined;
}

/** A long option: exact, `--opt=value`, or a unique prefix of a known one. */
function longOption(name: string, spec: Wrapper, a: string, w: Words): Outcome {
  const eq = a.indexOf("=");
  const given = a.slice(2, eq < 0 ? undefined : eq);
  const all = [...(spec.lf ?? []), ...(spec.lv ?? [])];
  const exact = all.find((o) => o === given);
  const cands = exact ? [exact] : all.filter((o) => o.startsWith(given));
  if (cands.length !== 1 || given === "") return { unknown: `${name} option ${a.slice(0, 40)} is not understood` };
  const opt = cands[0]!;
  const takes = (spec.lv ?? []).includes(opt);
  w.i++;
  if (!takes) return undefined;
  const value = eq >= 0 ? a.slice(eq + 1) : w.w[w.i++];
  if (value === undefined) return { unknown: `${name} option --${opt} has no value` };
  return spec.lineOpts?.includes(`--${opt}`) ? lineOption(name, value, w) : undefined;
}

/** A cluster of short options (`-nu root`, `-uroot`); the first one taking a value ends it. */
function shortOptions(name: string, spec: Wrapper, a: string, w: Words): Outcome {
  w.i++;
  for (let k = 1; k < a.length; k++) {
    const c = a[k]!;
    if (spec.sf?.includes(c)) continue;
    if (!spec.sv?.includes(c)) return { unknown: `${name} option -${c} is not understood` };
    const value = k + 1 < a.length ? a.slice(k + 1) : w.w[w.i++];
    if (value === undefined) return { unknown: `${name} option -${c} has no value` };
    if (spec.lineOpts?.includes(`-${c}`)) return lineOption(name, value, w);
    return undefined;
  }
  return undefined;
}

/** `su -c line`, `flock -c line`: the value is a shell line; `env -S words`: the argv starts with it. */
function lineOption(name: string, value: string, w: Words): Outcome {
  if (name === "env") return { line: [value, ...w.w.slice(w.i).map(quote)].join(" "), at: w.i - 1 };
  return { line: value, at: w.i - 1 };
}

/** A word quoted for a shell line (single quotes). */
function quote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A shell's options: `-c` (also in clusters: `-lc`, `-ec`), `-o opt`, `-O opt`, `--rcfile f`. */
function stepShell(w: Words): { command: boolean } {
  let command = false;
  const words = w.w;
  while (w.i < words.length) {
    const a = words[w.i]!;
    if (a === "--" || a === "-") { w.i++; break; }
    if (!/^[-+]/.test(a) || a.length < 2) break;
    w.i++;
    if (a.startsWith("--")) {
      if (a === "--rcfile" || a === "--init-file") w.i++;
      continue;
    }
    for (const c of a.slice(1)) {
      if (c === "c") command = true;
      else if (c === "o" || c === "O") w.i++;
    }
  }
  return { command };
}

/** The global options of a program (from the catalog), stepped over. */
function stepGlobals(g: GlobalOptions, w: Words): void {
  const words = w.w;
  while (w.i < words.length) {
    const a = words[w.i]!;
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const head = eq > 0 ? a.slice(0, eq) : a;
    if (g.flags.includes(head)) { w.i++; continue; }
    if (g.with_value.includes(head)) { w.i += eq > 0 ? 1 : 2; continue; }
    // A short option with its value attached: `-C/repo`, `-ccore.x=y`.
    if (/^-[^-]/.test(a) && a.length > 2 && g.with_value.includes(a.slice(0, 2))) { w.i++; continue; }
    break;
  }
  if (w.i > words.length) w.i = words.length;
}

export interface Resolver {
  readonly globals: Readonly<Record<string, GlobalOptions>> | undefined;
  readonly shell: ShellParser | undefined;
}

/** The simple commands of an argv (one, or several through `sh -c`), appended to `out`. */
export function commandsOfArgv(argv: readonly string[], r: Resolver, out: SimpleCommand[], depth = 0, dynamic?: readonly number[]): void {
  if (out.length >= MAX_SIMPLE_COMMANDS) return;
  const w: Words = { w: argv, dyn: new Set(dynamic ?? []), i: 0 };
  const unknown = (why: string) => out.push({ raw: argv, argv: argv.length ? [programName(argv[0]!), ...argv.slice(1)] : argv, unknown: why });
  let extra = false;
  for (let hops = 0; ; hops++) {
    while (w.i < argv.length && isAssign(argv[w.i]!)) w.i++;
    if (w.i >= argv.length) return void unknown("the command line runs no program");
    if (hops > MAX_COMMAND_NESTING) return void unknown(`wrappers nested deeper than ${MAX_COMMAND_NESTING}`);
    const word = argv[w.i]!;
    if (w.dyn.has(w.i) || /[$`*?[\]{}]/.test(word)) return void unknown(`the command name ${word.slice(0, 40)} is not a literal`);
    const name = programName(word);
    if (OPAQUE[name]) return void unknown(OPAQUE[name]!);
    const spec = WRAPPERS[name];
    const shellLike = SHELLS.has(name);
    if (name === "su") return void su(argv, w, r, out, depth, unknown);
    if (!spec && !shellLike) {
      w.i++;
      const g = r.globals?.[name];
      if (g) stepGlobals(g, w);
      const norm = [name, ...argv.slice(w.i)];
      out.push({ raw: argv, argv: norm });
      if (extra) out.push({ raw: argv, argv: norm, unknown: "xargs adds words read from its input" });
      // `git p{u,}sh`, `git $SUB`, `gh pr "$VERB"`: the words that name the subcommand are not
      // literals, so the tool cannot be known statically; decided as written and as Unknown.
      const sub = dynamicSubcommand(w);
      if (sub !== undefined) out.push({ raw: argv, argv: norm, unknown: `the subcommand word ${argv[sub]!.slice(0, 40)} of ${name} is not a literal` });
      return;
    }
    w.i++;
    if (shellLike) {
      const { command } = stepShell(w);
      if (!command) {
        // `bash script.sh` runs a file, `bash` alone reads its input: the shell itself is the command.
        out.push({ raw: argv, argv: [name, ...argv.slice(w.i)] });
        return;
      }
      if (w.i >= argv.length) return void unknown(`${name} -c without a command string`);
      if (w.dyn.has(w.i)) return void unknown(`the command string of ${name} -c is an expansion`);
      return void commandsOfLine(argv[w.i]!, r, out, depth + 1);
    }
    extra ||= !!spec!.extraWords;
    const o = stepWrapper(name, spec!, w);
    if (o && "unknown" in o) return void unknown(o.unknown);
    if (o) {
      if (w.dyn.has(o.at)) return void unknown(`the command string of ${name} is an expansion`);
      return void commandsOfLine(o.line, r, out, depth + 1);
    }
    if (w.i >= argv.length) {
      // `xargs` alone runs `echo`; `nohup`, `env`, `sudo` alone run nothing we can decide.
      return void out.push({ raw: argv, argv: [name, ...argv.slice(w.i)] });
    }
  }
}

/** Words after the program that command patterns name the subcommand with (`gh pr merge`). */
const SUBCOMMAND_WORDS = 3;

/** The index of the first non-literal word among the subcommand words (from the cursor), if any. */
function dynamicSubcommand(w: Words): number | undefined {
  for (let k = w.i; k < w.w.length && k < w.i + SUBCOMMAND_WORDS; k++) if (w.dyn.has(k)) return k;
  return undefined;
}

/**
 * `su [options] [-] [user [args]]`: options may follow the user; only `-c line` (`--command`) runs a
 * command we can decide. Without it, `su` itself is the command (a login shell).
 */
function su(argv: readonly string[], w: Words, r: Resolver, out: SimpleCommand[], depth: number, unknown: (why: string) => void): void {
  for (let k = w.i + 1; k < argv.length; k++) {
    const a = argv[k]!;
    const value = a === "-c" || a === "--command" ? argv[k + 1] : a.startsWith("--command=") ? a.slice(10) : /^-[a-z]*c$/.test(a) ? argv[k + 1] : undefined;
    if (value === undefined) continue;
    if (w.dyn.has(a.startsWith("--command=") ? k : k + 1)) return unknown("the command string of su is an expansion");
    return commandsOfLine(value, r, out, depth + 1);
  }
  out.push({ raw: argv, argv: ["su", ...argv.slice(w.i + 1)] });
}

/** The simple commands of a shell line, appended to `out`. */
export function commandsOfLine(line: string, r: Resolver, out: SimpleCommand[], depth = 0): void {
  const raw = ["sh", "-c", line];
  if (depth > MAX_COMMAND_NESTING) return void out.push({ raw, argv: raw, unknown: `shell lines nested deeper than ${MAX_COMMAND_NESTING}` });
  if (!r.shell) return void out.push({ raw, argv: raw, unknown: "no shell parser is loaded: shell lines are not decided statically" });
  let p: ShellParse;
  try {
    p = r.shell(line);
  } catch (e) {
    p = { unknown: `the shell parser failed: ${(e as Error)?.message ?? String(e)}` };
  }
  if ("unknown" in p) return void out.push({ raw, argv: raw, unknown: p.unknown });
  if (p.commands.length === 0) return void out.push({ raw, argv: raw, unknown: "the shell line runs no command" });
  for (const c of p.commands) {
    if (out.length >= MAX_SIMPLE_COMMANDS) break;
    commandsOfArgv(c.argv, r, out, depth, c.dynamic);
  }
}

/** Every simple command of a call's command line (an argv, or a shell line given as one string). */
export function simpleCommands(command: readonly string[] | string, r: Resolver): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  try {
    if (typeof command === "string") commandsOfLine(command, r, out, 0);
    else commandsOfArgv(command, r, out, 0);
  } catch (e) {
    out.length = 0;
    out.push({ raw: typeof command === "string" ? ["sh", "-c", command] : command, argv: [], unknown: `internal error: ${(e as Error)?.message}` });
  }
  if (out.length >= MAX_SIMPLE_COMMANDS) {
    const raw = typeof command === "string" ? ["sh", "-c", command] : command;
    return [{ raw, argv: raw, unknown: `more than ${MAX_SIMPLE_COMMANDS} simple commands` }];
  }
  return out;
}
