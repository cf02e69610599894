/**
 * Edits of an event: setting one field (a dimension of dims.ts) to a value — the agent's name or
 * review status, the tenant, the call type, the tool's name, one argument, whether the tool's
 * definition changed. What counterfactuals
 * propose and what tests apply. A dimension that is no single field of the event (content,
 * session history, a policy's status) has no event edit here.
 */
import type { Bundle, SessionEvent } from "../../runtime/types.js";
import { reviewOf } from "../../runtime/static-eval.js";

type Call = NonNullable<SessionEvent["call"]>;

/** The event field a dimension names (`agent.name`, `args.repo`), or undefined for other dimensions. */
export function fieldOf(dim: string): string | undefined {
  if (dim === "agent") return "agent.name";
  if (dim === "review") return "agent.review_status";
  if (dim === "tenant") return "tenant";
  if (dim === "call_type") return "call.type";
  if (dim === "tool_name") return "call.tool";
  if (dim === "definition_changed") return "call.definition_changed";
  if (dim.startsWith("args.")) return `call.args.${(JSON.parse(dim.slice(5)) as string[]).join(".")}`;
  return undefined;
}

function setPath(o: Record<string, unknown>, path: readonly string[], v: unknown): Record<string, unknown> {
  const [head, ...rest] = path;
  const copy = { ...o };
  if (!rest.length) { if (v === undefined) delete copy[head!]; else copy[head!] = v; return copy; }
  const inner = copy[head!];
  copy[head!] = setPath(inner && typeof inner === "object" && !Array.isArray(inner) ? (inner as Record<string, unknown>) : {}, rest, v);
  return copy;
}

/** The call an MCP client makes to the same tool, or the command line the catalog maps to it. */
function asCallType(b: Bundle, call: Call, type: string): Call | undefined {
  const current = call.type ?? (call.command ? "cli" : "mcp");
  if (current === type) return call;
  if (type === "mcp") {
    if (!call.command) return undefined;
    const hit = b.commands.find(([p]) => p.every((w, i) => w === "**" || w === "*" || w === call.command![i]));
    const key = hit?.[1] ?? `${call.command[0]}.${call.command[1] ?? ""}`;
    return { ...(call.id !== undefined ? { id: call.id } : {}), type: "mcp", integration: key.slice(0, key.indexOf(".")), tool: key.slice(key.indexOf(".") + 1), args: {} };
  }
  const key = `${(call.integration ?? "").toLowerCase()}.${(call.tool ?? "").toLowerCase()}`;
  const hit = b.commands.find(([, t]) => t === key);
  if (!hit) return undefined;
  const command = hit[0].filter((w) => w !== "**").map((w) => (w === "*" ? "x" : w));
  return { ...(call.id !== undefined ? { id: call.id } : {}), type: "cli", command };
}

/** The event with one dimension set to `value`; undefined when that cannot be written. */
export function applyEdit(b: Bundle, e: SessionEvent, dim: string, value: unknown): SessionEvent | undefined {
  switch (dim) {
    // The review status the agent had stays (a bundle may review agents by name).
    case "agent": return typeof value === "string" ? { ...e, agent: { ...e.agent, name: value, review_status: reviewOf(e.agent, b.agent_reviews) } } : undefined;
    case "review": return { ...e, agent: { ...e.agent, review_status: value as string } };
    case "tenant": { const { tenant: _t, ...rest } = e; return value === undefined ? rest : { ...rest, tenant: value as string }; }
    default: break;
  }
  const call = e.call;
  if (!call) return undefined;
  if (dim === "call_type") { const c = asCallType(b, call, value as string); return c ? { ...e, call: c } : undefined; }
  if (dim === "definition_changed") { const { definition_changed: _d, ...rest } = call; return { ...e, call: value === true ? { ...rest, definition_changed: ["definition"] } : rest }; }
  if (call.command) return undefined;
  if (dim === "tool_name") return typeof value === "string" ? { ...e, call: { ...call, tool: value } } : undefined;
  if (dim.startsWith("args.")) return { ...e, call: { ...call, args: setPath(call.args ?? {}, JSON.parse(dim.slice(5)) as string[], value) } };
  return undefined;
}
