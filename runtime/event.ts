/**
 * Event validation (hand-written: the runtime has no dependencies) and call resolution:
 * which catalog tool an MCP or CLI call is, with its facts.
 */
import type { Bundle, Operation, SessionEvent } from "./types.js";
import { argsProblem, commandProblem } from "./limits.js";

const TYPES = new Set(["tool_call_request", "tool_call_response", "message_from_user", "message_to_user", "agent_discovered"]);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === "string";

/** Returns what is wrong with the event (naming the field), or undefined when it is well-formed. */
export function eventProblem(e: unknown): string | undefined {
  if (!isObj(e)) return "the event is not a JSON object";
  if (!isStr(e["type"])) return "type: missing or not a string";
  if (!TYPES.has(e["type"])) return `type: unknown event type ${JSON.stringify(e["type"]).slice(0, 60)}`;
  for (const f of ["session_id", "ts", "tenant"]) if (e[f] !== undefined && !isStr(e[f])) return `${f}: must be a string`;
  if (e["seq"] !== undefined && typeof e["seq"] !== "number") return "seq: must be a number";
  if (isStr(e["ts"]) && Number.isNaN(Date.parse(e["ts"]))) return `ts: not a date-time (${JSON.stringify(e["ts"]).slice(0, 40)})`;
  const agent = e["agent"];
  if (agent !== undefined) {
    if (!isObj(agent)) return "agent: must be an object";
    for (const f of ["id", "name", "review_status"]) if (agent[f] !== undefined && !isStr(agent[f])) return `agent.${f}: must be a string`;
  }
  if (e["type"] === "agent_discovered" && !(isObj(agent) && isStr(agent["name"]))) return "agent.name: required for agent_discovered";
  if (e["type"] === "tool_call_request") {
    const c = e["call"];
    if (!isObj(c)) return "call: missing or not an object";
    if (c["id"] !== undefined && !isStr(c["id"])) return "call.id: must be a string";
    const t = c["type"] ?? (c["command"] !== undefined ? "cli" : "mcp");
    if (t === "mcp") {
      if (!isStr(c["integration"])) return "call.integration: missing or not a string";
      if (!isStr(c["tool"])) return "call.tool: missing or not a string";
      if (c["args"] !== undefined && !isObj(c["args"])) return "call.args: must be an object";
      const big = c["args"] === undefined ? undefined : argsProblem(c["args"]);
      if (big) return big;
    } else if (t === "cli") {
      const cmd = c["command"];
      if (!Array.isArray(cmd) || cmd.length === 0 || !cmd.every(isStr)) return "call.command: must be a non-empty array of strings";
      const big = commandProblem(cmd);
      if (big) return big;
    } else return `call.type: must be "mcp" or "cli"`;
  }
  if (e["type"] === "tool_call_response") {
    const cost = e["cost"];
    if (cost !== undefined && !(isObj(cost) && typeof cost["amount"] === "number" && Number.isFinite(cost["amount"]) && isStr(cost["currency"]))) return "cost: must be {amount: number, currency: string}";
  }
  return undefined;
}

export interface ResolvedCall {
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
  readonly callType: "mcp" | "cli";
  readonly args: Record<string, unknown>;
  readonly argv: readonly string[] | undefined;
  /** Display name as in the catalog (or as called). */
  readonly display: string;
}

function matchCommand(pattern: readonly string[], argv: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p === "**") return true;
    if (i >= argv.length || (p !== "*" && p !== argv[i])) return false;
  }
  return pattern.length === argv.length;
}

const own = Object.prototype.hasOwnProperty;

export function resolveCall(b: Bundle, call: NonNullable<SessionEvent["call"]>): ResolvedCall {
  const callType = call.type ?? (call.command ? "cli" : "mcp");
  let integration: string;
  let name: string;
  let display: string;
  let args: Record<string, unknown>;
  let argv: readonly string[] | undefined;
  let matched = false;
  if (callType === "cli") {
    argv = call.command!;
    args = { argv: [...argv] };
    let hit: string | undefined;
    matched = true;
    for (const [pattern, tool] of b.commands) if (matchCommand(pattern, argv)) { hit = tool; break; }
    if (hit) {
      const dot = hit.indexOf(".");
      integration = hit.slice(0, dot);
      name = hit.slice(dot + 1);
    } else {
      // Unmapped command: the integration whose patterns start with this program, else the program.
      const prog = argv[0]!.toLowerCase();
      const c = b.commands.find(([p]) => p[0] === argv![0]);
      integration = c ? c[1].slice(0, c[1].indexOf(".")) : prog;
      name = (argv[1] ?? "").toLowerCase();
      matched = false;
    }
    display = name;
  } else {
    integration = call.integration!.toLowerCase();
    display = call.tool!;
    name = display.toLowerCase();
    args = call.args ?? {};
  }
  const key = `${integration}.${name}`;
  // A command line that matched no pattern is never a catalog tool, even if its words look like one.
  const t = own.call(b.tools, key) && !(callType === "cli" && !matched) ? b.tools[key] : undefined;
  return {
    integration, name, key, known: !!t,
    operation: t ? t[0] : "Unknown",
    labels: t ? t[1] : [],
    method: t ? t[2] : null,
    category: t ? t[3] : null,
    verbs: t ? t[4] : [],
    resource: t ? t[5] : null,
    callType, args, argv,
    display: t ? t[6] : display,
  };
}
