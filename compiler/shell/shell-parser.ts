/**
 * The shell parser our hosts inject into the runtime (`createEnforcer(bundle, { shell })`): a shell
 * line → every simple command in it, with quote removal, using tree-sitter's Bash grammar
 * (`tree-sitter-bash`, run by `web-tree-sitter`). Pipelines, lists (`;`, `&&`, `||`, `&`),
 * subshells, `{ …; }`, `$(…)` and backticks, process substitution, `if` / `while` / `for` /
 * `case` bodies, function bodies and redirections' substitutions are all walked: every `command`
 * node of the tree is a simple command. A line with a syntax error is unknown, with where.
 * Words that are not literals (expansions, substitutions, globs, brace expansion) keep their
 * source text and are marked dynamic; the runtime refuses to guess a program from them.
 * Loading is asynchronous (WebAssembly); parsing is synchronous and never throws.
 */
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Language, Parser, type Node } from "web-tree-sitter";
import type { ShellCommand, ShellParse, ShellParser } from "../../runtime/argv.js";

import { MAX_SHELL_DEPTH } from "./limits.js";

export { MAX_SHELL_DEPTH };

let loading: Promise<ShellParser> | undefined;
let loaded: ShellParser | undefined;

/** The shell parser, loaded once per process. */
export function loadShellParser(): Promise<ShellParser> {
  return (loading ??= load());
}

/**
 * A WebAssembly file of a dependency: from node_modules, else beside this module (the bundles of
 * the VS Code extension carry both files next to them).
 */
function wasmFile(spec: string): string {
  try {
    return createRequire(import.meta.url).resolve(spec);
  } catch {
    return join(dirname(fileURLToPath(import.meta.url)), basename(spec));
  }
}

async function load(): Promise<ShellParser> {
  const runtime = wasmFile("web-tree-sitter/web-tree-sitter.wasm");
  await Parser.init({ locateFile: () => runtime });
  const bash = await Language.load(wasmFile("tree-sitter-bash/tree-sitter-bash.wasm"));
  const parser = new Parser();
  parser.setLanguage(bash);
  return (loaded = (line: string) => parseLine(parser, line));
}

/** A shell line's simple commands, or why it cannot be decided statically. */
function parseLine(parser: Parser, line: string): ShellParse {
  try {
    const tree = parser.parse(line);
    if (!tree) return { unknown: "the shell parser gave no tree" };
    try {
      const root = tree.rootNode;
      if (root.hasError) return { unknown: `the shell line does not parse (${errorAt(root, line)})` };
      const out: ShellCommand[] = [];
      const deep = collect(root, out, 0);
      return deep ? { unknown: `the shell line nests deeper than ${MAX_SHELL_DEPTH} levels` } : { commands: out };
    } finally {
      tree.delete();
    }
  } catch (e) {
    return { unknown: `the shell parser failed: ${(e as Error)?.message ?? String(e)}` };
  }
}

/** Where the first syntax error is: `column N near "…"`. */
function errorAt(root: Node, line: string): string {
  const stack: Node[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === "ERROR" || n.isMissing) {
      const at = n.startIndex;
      return `${n.isMissing ? `missing ${n.type}` : "syntax error"} at column ${at + 1} near ${JSON.stringify(line.slice(at, at + 20))}`;
    }
    for (let i = n.childCount - 1; i >= 0; i--) { const c = n.child(i); if (c && c.hasError) stack.push(c); }
  }
  return "syntax error";
}

/** Every `command` node under `n`, in source order; true when the tree is too deep. */
function collect(n: Node, out: ShellCommand[], depth: number): boolean {
  if (depth > MAX_SHELL_DEPTH) return true;
  if (n.type === "command") out.push(commandOf(n));
  for (const c of n.namedChildren) if (c && collect(c, out, depth + 1)) return true;
  return false;
}

/** A `command` node's words: assignments, the name, the arguments (redirections left out). */
function commandOf(n: Node): ShellCommand {
  const argv: string[] = [];
  const dynamic: number[] = [];
  const push = (w: { text: string; dyn: boolean }) => {
    if (w.dyn) dynamic.push(argv.length);
    argv.push(w.text);
  };
  for (const c of n.namedChildren) {
    if (!c) continue;
    if (c.type === "variable_assignment") push({ text: c.text, dyn: false });
    else if (c.type === "command_name") push(wordOf(c.firstNamedChild ?? c));
  }
  for (const a of n.childrenForFieldName("argument")) if (a) push(wordOf(a));
  return dynamic.length ? { argv, dynamic } : { argv };
}

const UNQUOTED_GLOB = /(^|[^\\])(\\\\)*[*?[]/;
const BRACE = /(^|[^\\])\{[^}]*(,|\.\.)[^}]*\}/;

/** A word's value after quote removal, and whether it is not a literal. */
export function wordOf(n: Node): { text: string; dyn: boolean } {
  const t = n.text;
  switch (n.type) {
    case "word":
    case "number":
      return { text: t.replace(/\\(\n|[\s\S])/g, (_, c: string) => (c === "\n" ? "" : c)), dyn: UNQUOTED_GLOB.test(t) || BRACE.test(t) };
    case "raw_string": return { text: t.slice(1, -1), dyn: false };
    case "string":
    case "translated_string": {
      const literal = n.namedChildren.every((c) => c?.type === "string_content");
      const inner = t.slice(t.indexOf('"') + 1, -1);
      return { text: literal ? inner.replace(/\\([$`"\\\n])/g, (_, c: string) => (c === "\n" ? "" : c)) : t, dyn: !literal };
    }
    case "ansi_c_string": {
      const v = ansiC(t.slice(2, -1));
      return v === undefined ? { text: t, dyn: true } : { text: v, dyn: false };
    }
    case "concatenation": {
      const parts = n.namedChildren.filter((c): c is Node => !!c).map(wordOf);
      const joined = parts.map((p) => p.text).join("");
      // Children do not cover unnamed pieces of the word (e.g. a bare `=`): then keep the source.
      const covered = n.namedChildren.reduce((k, c) => k + (c ? c.endIndex - c.startIndex : 0), 0) === n.endIndex - n.startIndex;
      // Brace expansion spans pieces (`p{u,}sh` is the words `p`, `{`, `u,`, `}`, `sh`): test the
      // unquoted pieces' source, with quoted ones as a neutral character.
      const shape = n.namedChildren.map((c) => (c?.type === "word" ? c.text : "\u0000")).join("");
      return { text: covered ? joined : t, dyn: parts.some((p) => p.dyn) || !covered || BRACE.test(shape) };
    }
    default:
      return { text: t, dyn: true };
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { a: "\x07", b: "\b", e: "\x1b", E: "\x1b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", "'": "'", '"': '"', "?": "?" };

/** The value of a `$'…'` string's body, or undefined for an escape this does not decode. */
function ansiC(s: string): string | undefined {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== "\\") { out += c; continue; }
    const d = s[++i];
    if (d === undefined) return undefined;
    if (SIMPLE_ESCAPES[d] !== undefined) { out += SIMPLE_ESCAPES[d]; continue; }
    const m = /^(x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{1,4}|U[0-9A-Fa-f]{1,8}|[0-7]{1,3})/.exec(s.slice(i));
    if (!m) return undefined;
    const code = m[1]![0] === "x" || m[1]![0] === "u" || m[1]![0] === "U" ? parseInt(m[1]!.slice(1), 16) : parseInt(m[1]!, 8);
    if (code > 0x10ffff) return undefined;
    out += String.fromCodePoint(code);
    i += m[1]!.length - 1;
  }
  return out;
}


/**
 * The parser when `loadShellParser()` has finished in this process, else undefined. Synchronous
 * library entry points (`runTests`, `explain`, replay) use it by default; every host of ours
 * (the CLI commands that decide, the language server, `policy enforce`) loads it first.
 */
export function loadedShellParser(): ShellParser | undefined {
  return loaded;
}
