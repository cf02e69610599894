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
 * every string of well-formed arguments (in walk order): the one pass that checks them collects
 * what `body` and `data_class` scan.
 */
export function argsProblem(args: unknown, strings?: string[]): string | undefined {
  if (fits(args, 1, { values: 0, chars: 0 }, strings)) return undefined;
  if (strings) strings.length = 0;
  return argsProblemAt(args);
}

/**
 * True when `v` is within every limit: a depth-first walk (recursion bounded by MAX_ARGS_DEPTH),
 * with no allocation per value. It accepts exactly what `argsProblemAt` accepts: each limit is a
 * total or a per-value bound, so the order of the walk does not matter.
 */
function fits(v: unknown, depth: number, n: { values: number; chars: number }, out: string[] | undefined): boolean {
  if (++n.values > MAX_ARGS_VALUES) return false;
  if (typeof v === "string") {
    if (v.length > MAX_STRING_LENGTH || (n.chars += v.length) > MAX_ARGS_CHARS) return false;
    out?.push(v);
    return true;
  }
  if (typeof v !== "object" || v === null) return true;
  if (depth > MAX_ARGS_DEPTH) return false;
  if (Array.isArray(v)) {
    if (v.length > MAX_ARGS_VALUES) return false;
    for (let i = 0; i < v.length; i++) if (!fits(v[i], depth + 1, n, out)) return false;
    return true;
  }
  const keys = Object.keys(v);
  if (keys.length > MAX_ARGS_VALUES) return false;
  for (const k of keys) {
    if ((n.chars += k.length) > MAX_ARGS_CHARS || !fits((v as Record<string, unknown>)[k], depth + 1, n, out)) return false;
  }
  return true;
}

/** The first problem the iterative walk meets (the message of a rejected event). No recursion on hostile input. */
function argsProblemAt(args: unknown): string | undefined {
  const stack: [unknown, number][] = [[args, 1]];
  let values = 0;
  let chars = 0;
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (++values > MAX_ARGS_VALUES) return `call.args: more than ${MAX_ARGS_VALUES} values`;
    if (typeof v === "string") {
      if (v.length > MAX_STRING_LENGTH) return `call.args: a string longer than ${MAX_STRING_LENGTH} characters`;
      if ((chars += v.length) > MAX_ARGS_CHARS) return `call.args: more than ${MAX_ARGS_CHARS} characters in all`;
    } else if (typeof v === "object" && v !== null) {
      if (depth > MAX_ARGS_DEPTH) return `call.args: nested deeper than ${MAX_ARGS_DEPTH} levels`;
      if (Array.isArray(v)) {
        if (stack.length + v.length > MAX_ARGS_VALUES) return `call.args: more than ${MAX_ARGS_VALUES} values`;
        for (let i = 0; i < v.length; i++) stack.push([v[i], depth + 1]);
      } else {
        for (const k of Object.keys(v)) {
          if ((chars += k.length) > MAX_ARGS_CHARS) return `call.args: more than ${MAX_ARGS_CHARS} characters in all`;
          stack.push([(v as Record<string, unknown>)[k], depth + 1]);
        }
      }
      if (stack.length > MAX_ARGS_VALUES) return `call.args: more than ${MAX_ARGS_VALUES} values`;
    }
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
