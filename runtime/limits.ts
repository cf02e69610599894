/**
 * Resource limits the runtime enforces on events (documented in `docs/limits.md`, listed with the
 * compiler's limits in `compiler/limits.ts`). An event beyond a limit is invalid, so `decide`
 * blocks it with a reason: the content conditions (`body`, `data_class`, `sanitize`) never see a
 * truncated view of the arguments, which would let a secret hide past the cut (fail open).
 */

/** Deepest nesting of objects and arrays inside `call.args` (the args object itself is depth 1). */
export const MAX_ARGS_DEPTH = 32;
/** Most values (objects, arrays, strings, numbers, …) inside `call.args`. */
export const MAX_ARGS_VALUES = 10_000;
/** Longest single string in `call.args` or a command line (UTF-16 code units); also the detectors' scan cap. */
export const MAX_STRING_LENGTH = 1_000_000;
/** Most characters over all strings (and keys) of `call.args`, or over all words of a command line. */
export const MAX_ARGS_CHARS = 4_000_000;
/** Most words in a CLI command line. */
export const MAX_COMMAND_WORDS = 1_000;

/**
 * What is wrong with the arguments' size or shape, or undefined. `strings`, when given, receives
 * every string of the arguments (in walk order): the one pass that checks them collects what
 * `body` and `data_class` scan. A depth-first walk whose recursion is bounded by MAX_ARGS_DEPTH
 * (deeper nesting is the error it reports), with no allocation per value.
 */
export function argsProblem(args: unknown, strings?: string[]): string | undefined {
  return walk(args, 1, { values: 0, chars: 0 }, strings);
}

const TOO_MANY = `call.args: more than ${MAX_ARGS_VALUES} values`;
const TOO_LONG = `call.args: more than ${MAX_ARGS_CHARS} characters in all`;

const own = Object.prototype.hasOwnProperty;

function walk(v: unknown, depth: number, n: { values: number; chars: number }, out: string[] | undefined): string | undefined {
  if (++n.values > MAX_ARGS_VALUES) return TOO_MANY;
  if (typeof v === "string") {
    if (v.length > MAX_STRING_LENGTH) return `call.args: a string longer than ${MAX_STRING_LENGTH} characters`;
    if ((n.chars += v.length) > MAX_ARGS_CHARS) return TOO_LONG;
    out?.push(v);
    return undefined;
  }
  if (typeof v !== "object" || v === null) return undefined;
  if (depth > MAX_ARGS_DEPTH) return `call.args: nested deeper than ${MAX_ARGS_DEPTH} levels`;
  if (Array.isArray(v)) {
    if (n.values + v.length > MAX_ARGS_VALUES) return TOO_MANY;
    for (let i = 0; i < v.length; i++) { const p = walk(v[i], depth + 1, n, out); if (p) return p; }
    return undefined;
  }
  // for…in, not Object.keys: no array per object. Own keys only (a JSON object has no inherited
  // enumerable keys; an object built in code may). Each value walked counts towards MAX_ARGS_VALUES.
  for (const k in v) {
    if (!own.call(v, k)) continue;
    if ((n.chars += k.length) > MAX_ARGS_CHARS) return TOO_LONG;
    const p = walk((v as Record<string, unknown>)[k], depth + 1, n, out);
    if (p) return p;
  }
  return undefined;
}

/** What is wrong with a command line's size, or undefined. */
export function commandProblem(argv: readonly string[]): string | undefined {
  if (argv.length > MAX_COMMAND_WORDS) return `call.command: more than ${MAX_COMMAND_WORDS} words`;
  let chars = 0;
  for (const w of argv) {
    if ((chars += w.length + 1) > MAX_STRING_LENGTH) return `call.command: longer than ${MAX_STRING_LENGTH} characters`;
  }
  return undefined;
}
