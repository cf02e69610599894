/**
 * Event validation (hand-written: the runtime has no dependencies) and call resolution:
 * which catalog tool an MCP or CLI call is, with its facts.
 */
import type { ArgKind, Bundle, Operation, SessionEvent } from "./types.js";
import { argsProblem, commandProblem } from "./limits.js";
import { userProblem } from "./user.js";
import { simpleCommands, type ShellParser, type SimpleCommand } from "./argv.js";
import { matchCommand, parsePatternWord } from "./command-pattern.js";
import { gitPushArgs } from "./git-push.js";

const TYPES = new Set(["tool_call_request", "tool_call_response", "message_from_user", "message_to_user", "agent_discovered"]);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === "string";

/** The decimal number at `s[i, i+n)`, or -1 when a character is not a digit. */
function num(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = i; k < i + n; k++) {
    const d = s.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * `Date.parse(s)`, with a fast path for the canonical UTC form `YYYY-MM-DDTHH:MM:SS(.mmm)Z`
 * (years ≥ 1000, days ≤ 28, every field in range: where the arithmetic below is exactly `Date.parse`).
 */
export function parseTs(s: string): number {
  const n = s.length;
  if ((n === 20 || (n === 24 && s[19] === ".")) && s[4] === "-" && s[7] === "-" && s[10] === "T" && s[13] === ":" && s[16] === ":" && s[n - 1] === "Z") {
    const y = num(s, 0, 4), mo = num(s, 5, 2), d = num(s, 8, 2), h = num(s, 11, 2), mi = num(s, 14, 2), sec = num(s, 17, 2), ms = n === 24 ? num(s, 20, 3) : 0;
    if (y >= 1000 && mo >= 1 && mo <= 12 && d >= 1 && d <= 28 && h >= 0 && h < 24 && mi >= 0 && mi < 60 && sec >= 0 && sec < 60 && ms >= 0) {
      // Days since the epoch of a proleptic Gregorian date (H. Hinnant's days_from_civil).
      const yy = mo <= 2 ? y - 1 : y;
      const era = Math.floor(yy / 400);
      const yoe = yy - era * 400;
      const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + Math.floor((153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5) + d - 1;
      return (era * 146097 + doe - 719468) * 86_400_000 + h * 3_600_000 + mi * 60_000 + sec * 1000 + ms;
    }
  }
  return Date.parse(s);
}

/**
 * Returns what is wrong with the event (naming the field), or undefined when it is well-formed.
 * `strings`, when given, receives every string of `call.args` (for `body` / `data_class`): the
 * size check walks them anyway.
 */
export function eventProblem(e: unknown, strings?: string[]): string | undefined {
  if (!isObj(e)) return "the event is not a JSON object";
  const type = e["type"];
  if (!isStr(type)) return "type: missing or not a string";
  if (type !== "tool_call_request" && !TYPES.has(type)) return `type: unknown event type ${JSON.stringify(type).slice(0, 60)}`;
  if (e["session_id"] !== undefined && !isStr(e["session_id"])) return "session_id: must be a string";
  const ts = e["ts"];
  if (ts !== undefined && !isStr(ts)) return "ts: must be a string";
  if (e["tenant"] !== undefined && !isStr(e["tenant"])) return "tenant: must be a string";
  if (e["seq"] !== undefined && typeof e["seq"] !== "number") return "seq: must be a number";
  if (isStr(ts) && Number.isNaN(parseTs(ts))) return `ts: not a date-time (${JSON.stringify(ts).slice(0, 40)})`;
  const agent = e["agent"];
  if (agent !== undefined) {
    if (!isObj(agent)) return "agent: must be an object";
    if (agent["id"] !== undefined && !isStr(agent["id"])) return "agent.id: must be a string";
    if (agent["name"] !== undefined && !isStr(agent["name"])) return "agent.name: must be a string";
    if (agent["review_status"] !== undefined && !isStr(agent["review_status"])) return "agent.review_status: must be a string";
  }
  if (e["user"] !== undefined) {
    const u = userProblem(e["user"]);
    if (u) return u;
  }
  if (type === "agent_discovered" && !(isObj(agent) && isStr(agent["name"]))) return "agent.name: required for agent_discovered";
  if (type === "tool_call_request") {
    const c = e["call"];
    if (!isObj(c)) return "call: missing or not an object";
    if (c["id"] !== undefined && !isStr(c["id"])) return "call.id: must be a string";
    const folders = folderProblem(c);
    if (folders) return folders;
    const dc = c["definition_changed"];
    if (dc !== undefined && !(Array.isArray(dc) && dc.length <= 64 && dc.every(isStr))) return "call.definition_changed: must be an array of at most 64 strings";
    const t = c["type"] ?? (c["command"] !== undefined ? "cli" : "mcp");
    if (t === "mcp") {
      if (!isStr(c["integration"])) return "call.integration: missing or not a string";
      if (!isStr(c["tool"])) return "call.tool: missing or not a string";
      const args = c["args"];
      if (args !== undefined) {
        if (!isObj(args)) return "call.args: must be an object";
        const big = argsProblem(args, strings);
        if (big) return big;
      }
    } else if (t === "cli") {
      const cmd = c["command"];
      if (isStr(cmd)) return cmd.trim() === "" ? "call.command: an empty command line" : commandProblem([cmd]);
      if (!Array.isArray(cmd) || cmd.length === 0 || !cmd.every(isStr)) return "call.command: must be a non-empty array of strings, or a shell line";
      const big = commandProblem(cmd);
      if (big) return big;
    } else return `call.type: must be "mcp" or "cli"`;
  }
  if (type === "tool_call_response") {
    const cost = e["cost"];
    if (cost !== undefined && !(isObj(cost) && typeof cost["amount"] === "number" && Number.isFinite(cost["amount"]) && isStr(cost["currency"]))) return "cost: must be {amount: number, currency: string}";
  }
  return undefined;
}

/** `call.root` / `call.home`: absolute paths when given (a relative one would leave paths unresolved). */
function folderProblem(c: Record<string, unknown>): string | undefined {
  const root = c["root"], home = c["home"];
  if (root !== undefined && !isAbsolute(root)) return "call.root: must be an absolute path";
  if (home !== undefined && !isAbsolute(home)) return "call.home: must be an absolute path";
  return undefined;
}

const isAbsolute = (v: unknown): boolean => isStr(v) && /^(?:[/\\]|[A-Za-z]:[/\\])/.test(v);

/** What a call resolves to, besides its arguments. */
export interface ToolInfo {
  readonly integration: string;
  /** Bare tool name, lower-case ("" when a command line matches nothing). */
  readonly name: string;
  readonly key: string;
  readonly known: boolean;
  readonly operation: Operation;
  readonly labels: readonly string[];
  readonly method: string | null;
  readonly category: string | null;
  readonly verbs: readonly string[];
  readonly resource: string | null;
  /** Arguments read in canonical form, by argument path (`path`, `paths[*]`); null when none. */
  readonly argKinds: Readonly<Record<string, ArgKind>> | null;
  /** Display name as in the catalog (or as called). */
  readonly display: string;
  /** `integration.display` */
  readonly tool: string;
}

export interface ResolvedCall extends ToolInfo {
  readonly callType: "mcp" | "cli";
  readonly args: Record<string, unknown>;
  /** A command's argv as policies see it (wrappers and global options stepped over). */
  readonly argv: readonly string[] | undefined;
  /** A command's words as written (what `body` and `data_class` scan). */
  readonly rawArgv?: readonly string[];
  /** Why the command cannot be decided statically (it is then an unknown tool). */
  readonly unknown?: string;
}

/** Does an argv match a command pattern? (`**` anywhere, `*`, word globs, short-flag clusters, `--`: command-pattern.ts.) */
export { matchCommand };

const own = Object.prototype.hasOwnProperty;

/**
 * The call to `integration.name` (lower-case) with its facts; `cliUnmatched`: a command line no
 * pattern matched, never a catalog tool (even if its words look like one).
 */
function make(b: Bundle, integration: string, name: string, display: string, cliUnmatched: boolean, callType: "mcp" | "cli", args: Record<string, unknown>, argv: readonly string[] | undefined): ResolvedCall {
  const key = `${integration}.${name}`;
  const t = own.call(b.tools, key) && !cliUnmatched ? b.tools[key] : undefined;
  const shown = t ? t[6] : display;
  return {
    integration, name, key, known: !!t,
    operation: t ? t[0] : "Unknown",
    labels: t ? t[1] : [],
    method: t ? t[2] : null,
    category: t ? t[3] : null,
    verbs: t ? t[4] : [],
    resource: t ? t[5] : null,
    argKinds: (t && t[7]) || null,
    display: shown,
    tool: `${integration}.${shown}`,
    callType, args, argv,
  };
}

/** The facts of an MCP call to `tool` of `integration` (names as called). */
export function mcpInfo(b: Bundle, integration: string, tool: string): ToolInfo {
  return make(b, integration.toLowerCase(), tool.toLowerCase(), tool, false, "mcp", {}, undefined);
}

/** A resolved MCP call: the tool's facts (from `mcpInfo`) and this call's arguments. */
export function withArgs(i: ToolInfo, args: Record<string, unknown>): ResolvedCall {
  return {
    integration: i.integration, name: i.name, key: i.key, known: i.known, operation: i.operation, labels: i.labels, method: i.method,
    category: i.category, verbs: i.verbs, resource: i.resource, argKinds: i.argKinds, display: i.display, tool: i.tool, callType: "mcp", args, argv: undefined,
  };
}

/** A call's type: as given, else `cli` when it has a command line, else `mcp`. */
export function callTypeOf(call: NonNullable<SessionEvent["call"]>): "mcp" | "cli" {
  return call.type ?? (call.command ? "cli" : "mcp");
}

/**
 * A call resolved: an MCP call as is; a CLI call as its first simple command (`resolveCommands`
 * gives every one).
 */
export function resolveCall(b: Bundle, call: NonNullable<SessionEvent["call"]>, shell?: ShellParser): ResolvedCall {
  const callType = callTypeOf(call);
  if (callType !== "cli") return make(b, call.integration!.toLowerCase(), call.tool!.toLowerCase(), call.tool!, false, callType, call.args ?? {}, undefined);
  return resolveCommands(b, call.command!, shell)[0]!;
}

/** Every simple command of a command line (argv or shell line), each resolved to a tool. */
export function resolveCommands(b: Bundle, command: readonly string[] | string, shell?: ShellParser): ResolvedCall[] {
  return simpleCommands(command, { globals: b.global_options, shell }).map((s) => resolveSimple(b, s));
}

type Command = Bundle["commands"][number];
interface CommandIndex {
  /** Program → the patterns that can match an argv starting with it, in catalog order. */
  readonly byProgram: Map<string, Command[]>;
  /** The patterns whose first word is not a plain word (they can match any program). */
  readonly any: Command[];
  /** A pattern's first word as written → the first command with it. */
  readonly firstByWord: Map<string, Command>;
}
const commandIndexes = new WeakMap<Bundle, CommandIndex>();

/** A pattern's first word when it is a plain word (not `**`, `*`, a glob, an option or `--`). */
function plainFirstWord(p: readonly string[]): string | undefined {
  try {
    const w = p[0] === undefined ? undefined : parsePatternWord(p[0]);
    return w?.k === "lit" && !w.opt && w.s !== "--" ? w.s : undefined;
  } catch {
    return undefined; // matched against every command, as before
  }
}

/**
 * The bundle's command patterns by program, built once: a pattern whose first word is a plain
 * word matches only an argv whose first word is that word (runtime/command-pattern.ts), so a
 * command is tried against its program's patterns (and those that start otherwise), in order.
 */
function commandIndexOf(b: Bundle): CommandIndex {
  let ix = commandIndexes.get(b);
  if (ix) return ix;
  const lits = b.commands.map(([p]) => plainFirstWord(p));
  const firstByWord = new Map<string, Command>();
  for (const c of b.commands) if (c[0][0] !== undefined && !firstByWord.has(c[0][0])) firstByWord.set(c[0][0], c);
  const byProgram = new Map<string, Command[]>();
  for (const l of lits) if (l !== undefined && !byProgram.has(l)) byProgram.set(l, []);
  const any: Command[] = [];
  b.commands.forEach((c, i) => {
    const l = lits[i];
    if (l === undefined) { any.push(c); for (const list of byProgram.values()) list.push(c); }
    else byProgram.get(l)!.push(c);
  });
  commandIndexes.set(b, (ix = { byProgram, any, firstByWord }));
  return ix;
}

/** A command's call with its words as written and why it is unknown (set on the new object, not spread into a copy). */
function withCommand(call: ResolvedCall, s: SimpleCommand): ResolvedCall {
  const r = call as { -readonly [K in keyof ResolvedCall]: ResolvedCall[K] };
  r.rawArgv = s.raw;
  if (s.unknown !== undefined) r.unknown = s.unknown;
  return r;
}

/** One normalised command resolved through the command patterns; an unknown one is never a catalog tool. */
export function resolveSimple(b: Bundle, s: SimpleCommand): ResolvedCall {
  const argv = s.argv.length ? s.argv : s.raw;
  const args = { argv: [...argv], raw_argv: [...s.raw] };
  const ix = commandIndexOf(b);
  if (s.unknown === undefined) {
    for (const [pattern, tool] of ix.byProgram.get(argv[0] ?? "") ?? ix.any) {
      if (matchCommand(pattern, argv)) {
        const dot = tool.indexOf(".");
        const name = tool.slice(dot + 1);
        const call = make(b, tool.slice(0, dot), name, name, false, "cli", args, argv);
        if (call.argKinds?.["argv"] === "git_push") Object.assign(args, gitPushArgs(argv, s.raw));
        return withCommand(call, s);
      }
    }
  }
  // Unmapped command: the integration whose patterns start with this program, else the program.
  const program = (argv[0] ?? "").toLowerCase();
  const c = ix.firstByWord.get(program);
  const name = (argv[1] ?? "").toLowerCase();
  return withCommand(make(b, c ? c[1].slice(0, c[1].indexOf(".")) : program, name, name, true, "cli", args, argv), s);
}

/**
 * The command lines an MCP call carries in arguments its catalog marks `command` (a string is a
 * shell line, an array of strings an argv), by argument path (`command`, `steps[*].run`).
 */
export function commandArgs(call: ResolvedCall): (string | readonly string[])[] {
  const kinds = call.argKinds;
  if (!kinds) return [];
  const out: (string | readonly string[])[] = [];
  for (const path in kinds) {
    if (kinds[path] !== "command") continue;
    for (const v of valuesAt(call.args, path.split(/\.|(?=\[\*\])/))) {
      if (typeof v === "string") out.push(v);
      else if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string")) out.push(v as string[]);
    }
  }
  return out;
}

/** The values at an argument path whose steps are keys or `[*]` (every element). */
function valuesAt(v: unknown, steps: readonly string[]): unknown[] {
  let cur: unknown[] = [v];
  for (const s of steps) {
    const next: unknown[] = [];
    for (const x of cur) {
      if (s === "[*]") { if (Array.isArray(x)) next.push(...x); }
      else if (typeof x === "object" && x !== null && !Array.isArray(x) && own.call(x, s)) next.push((x as Record<string, unknown>)[s]);
    }
    cur = next;
  }
  return cur;
}
