/**
 * What an upstream server sends towards the agent on its own, decided before it arrives:
 * - log messages (`notifications/message`): passed on to the session whose agent has said who it
 *   is (with several such sessions, dropped: a server's log is not tied to a session), decided in
 *   its turn as the `tool_response` of the pseudo-tool `notifications/message` of the upstream's
 *   integration (result: `structuredContent` = the
 *   notification's `{level, logger, data}`). Masked → the masked message; withheld → nothing
 *   (the decision log says `response_withheld`); `require_approval` → withheld, since nobody waits for
 *   a notification to be released. A string `data` is decided joined to the end of the text this
 *   session last received from the same server (`content[0].text`), so a secret split across two
 *   messages is found; the part of it in the later message is then masked.
 * - sampling requests (`sampling/createMessage`, with `--sampling`): the text the server asks the
 *   agent's model to read, decided as the `tool_response` of the pseudo-tool
 *   `sampling/createMessage` (result: the request's params). Masked → the masked request goes to the
 *   agent's client; held → waits for a person like a call; withheld → the server gets an error and
 *   the agent nothing. The model's answer going back to the server is decided as a call of
 *   `sampling/createMessage` whose `args` are the answer (refused → the server gets an error).
 * - progress messages during a call (`notifications/progress`) and a single upstream's
 *   `instructions` (`initialize/instructions`), decided the same way when response policies exist.
 * INVARIANT: nothing an upstream sends on its own reaches an agent before it is decided, nor before
 * the agent has said who it is (a message then would make the session's agent `""`): such a
 * message is dropped. Methods the proxy has no handler for (any other spelling included) are
 * dropped or refused by the SDK, never passed on.
 */
import { CreateMessageRequestSchema, type CreateMessageResult, ErrorCode, InitializeRequestSchema, LoggingMessageNotificationSchema, McpError, type ServerCapabilities } from "@modelcontextprotocol/sdk/types.js";
import type { Gateway } from "./gateway.js";
import type { ProxySession, RequestExtra } from "./session.js";
import type { Upstream } from "./upstream.js";
import { oneLine } from "../compiler/terminal-safe.js";
import { sanitizeArgs } from "./call-helpers.js";

/** How much of the text a session last received from a server is decided with the next log message. */
export const LOG_TAIL = 128;

type LogParams = { level: string; logger?: string; data?: unknown; [k: string]: unknown };

/** Per session and upstream: log messages are decided one after the other, with the tail of the last one. */
interface LogLine { chain: Promise<void>; tail: string }
const lines = new WeakMap<ProxySession, Map<string, LogLine>>();

function lineOf(s: ProxySession, u: Upstream): LogLine {
  let m = lines.get(s);
  if (!m) lines.set(s, (m = new Map()));
  let l = m.get(u.integration);
  if (!l) m.set(u.integration, (l = { chain: Promise.resolve(), tail: "" }));
  return l;
}

/** What the proxy offers the agent for server messages: `logging` when an upstream logs. */
export function messageCapabilities(g: Gateway): ServerCapabilities {
  return g.upstreams.some((u) => u.client.getServerCapabilities()?.logging !== undefined) ? { logging: {} } : {};
}

/** Registers the handlers of an upstream's own messages (sampling only when the upstream client offers it). */
export function passServerMessages(g: Gateway, u: Upstream): void {
  let told = false;
  u.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    const ready = [...g.sessions].filter((s) => s.ready);
    if (ready.length > 1) {
      // A server's log is not tied to a session: passed to several, it could carry one user's data to another.
      if (!told) g.log(`log messages of ${u.integration} are dropped while several agent sessions are open: the enforcement point cannot tell which session one is for`);
      told = true;
      return;
    }
    for (const s of g.sessions) {
      const l = lineOf(s, u);
      l.chain = l.chain.then(() => relayLog(s, u, n.params as LogParams, l)).catch((e: Error) => g.log(`session ${s.id}: a log message of ${u.integration} was dropped: ${e.message}`));
    }
  });
  if (u.sampling) {
    u.client.setRequestHandler(CreateMessageRequestSchema, (r, extra) => relaySampling(g, u, r.params as Record<string, unknown>, extra.signal));
  }
}

/** Is a message of this level below the level the agent asked for (`logging/setLevel`)? */
function ignored(s: ProxySession, level: string): boolean {
  const srv = s.server as unknown as { isMessageIgnored?: (level: string, sessionId?: string) => boolean; transport?: { sessionId?: string } };
  try { return srv.isMessageIgnored?.(level, srv.transport?.sessionId) ?? false; } catch { return false; }
}

/** The longest common prefix of two strings. */
function common(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

async function relayLog(s: ProxySession, u: Upstream, params: LogParams, l: LogLine): Promise<void> {
  if (!s.ready) { s.g.log(`session ${s.id}: a log message of ${u.integration} arrived before the agent's initialize: dropped`); return; }
  if (ignored(s, params.level)) return;
  const fields = params;
  const text = typeof params.data === "string" ? params.data : undefined;
  const joined = text !== undefined && l.tail ? l.tail + text : undefined;
  const result = { structuredContent: fields, ...(joined !== undefined ? { content: [{ type: "text", text: joined }] } : {}) };
  const { d, e, callId } = await s.serverText(u.integration, "notifications/message", result);
  let out: LogParams = params;
  if (d.effect !== "allow" || d.sanitize.length) {
    const settled = await s.settle(result, d, { integration: u.integration, tool: "notifications/message" }, e, callId);
    if (settled.withheld) return;
    const r = settled.result as { structuredContent: LogParams; content?: { text: string }[] };
    const masked = joined !== undefined ? r.content![0]!.text : undefined;
    out = { ...r.structuredContent, ...(masked !== undefined ? { data: masked.slice(common(masked, l.tail)) } : {}) };
  }
  if (typeof out.data === "string") l.tail = (l.tail + out.data).slice(-LOG_TAIL);
  await s.server.sendLoggingMessage(out as Parameters<typeof s.server.sendLoggingMessage>[0], (s.server as unknown as { transport?: { sessionId?: string } }).transport?.sessionId);
}

/** The session a sampling request is for: the only session whose agent has said who it is. */
function samplingSession(g: Gateway, u: Upstream): ProxySession {
  const ready = [...g.sessions].filter((s) => s.ready);
  if (ready.length === 1) return ready[0]!;
  throw new McpError(ErrorCode.InvalidRequest, ready.length
    ? `the enforcement point cannot tell which of its ${ready.length} agent sessions this sampling request of ${u.integration} is for: refused`
    : "no agent is connected to the enforcement point: sampling refused");
}

async function relaySampling(g: Gateway, u: Upstream, params: Record<string, unknown>, signal: AbortSignal): Promise<CreateMessageResult> {
  const s = samplingSession(g, u);
  if (s.server.getClientCapabilities()?.sampling === undefined) throw new McpError(ErrorCode.InvalidRequest, "the agent's client does not support sampling");
  const tool = "sampling/createMessage";
  const asked = params;
  const { d, e, callId } = await s.serverText(u.integration, tool, asked);
  let sent: Record<string, unknown> = params;
  if (d.effect !== "allow" || d.sanitize.length) {
    const extra: RequestExtra = { signal, sendNotification: async () => undefined };
    const settled = await s.settle(asked, d, { integration: u.integration, tool }, e, callId, extra);
    if (settled.withheld) {
      const why = (settled.result as { content?: { text?: string }[] }).content?.[0]?.text ?? "withheld by the enforcement point";
      s.g.log(`session ${s.id}: a sampling request of ${u.integration} was withheld: ${oneLine(why)}`);
      throw new McpError(ErrorCode.InvalidRequest, why.replace(/^The tool's result/, "The sampling request"));
    }
    sent = settled.result as Record<string, unknown>;
  }
  const answer = await s.server.createMessage(sent as Parameters<typeof s.server.createMessage>[0], { signal }) as CreateMessageResult;
  return answerBack(s, u, answer, signal);
}

/**
 * The model's answer going back to the server: decided as a call of `sampling/createMessage` whose
 * `args` are the answer (`role`, `content`, `model`, `stopReason`), as arguments sent to an
 * integration are: refused → the server gets an error; `sanitize [args.content]` masks it.
 */
async function answerBack(s: ProxySession, u: Upstream, answer: CreateMessageResult, signal: AbortSignal): Promise<CreateMessageResult> {
  const tool = "sampling/createMessage";
  const { _meta, ...args } = answer;
  void _meta;
  const x = await s.decideInTurn({ integration: u.integration, tool, args }, (d) => (d.effect === "block" ? "blocked" : d.effect === "require_approval" ? "approval_requested" : "forwarded"));
  const refused = await s.admitted(x, u.integration, tool, { signal, sendNotification: async () => undefined });
  if (refused !== undefined) throw new McpError(ErrorCode.InvalidRequest, refused);
  return sanitizeArgs(s.bundle, x.d, x.req.call!.args ?? {}).args as CreateMessageResult;
}

/**
 * The `initialize` answer with a single upstream's `instructions` decided first, as the response of
 * `initialize/instructions` (they usually go into the model's context): masked, or left out when
 * withheld. Without response policies they pass as the server gave them, undecided.
 */
export function decideInstructions(s: ProxySession, u: Upstream | undefined): void {
  const instructions = u?.client.getInstructions();
  if (!u || !instructions) return;
  const srv = s.server as unknown as { _oninitialize: (r: unknown) => Promise<Record<string, unknown>> };
  const answer = srv._oninitialize.bind(s.server);
  s.server.setRequestHandler(InitializeRequestSchema, async (r) => {
    const res = await answer(r);
    if (!s.bundle.index.tool_response) return { ...res, instructions } as never;
    const tool = "initialize/instructions";
    const result = { structuredContent: { instructions } };
    const { d, e, callId } = await s.serverText(u.integration, tool, result);
    if (d.effect === "allow" && !d.sanitize.length) return { ...res, instructions } as never;
    const settled = await s.settle(result, d, { integration: u.integration, tool }, e, callId);
    if (settled.withheld) return res as never;
    return { ...res, instructions: (settled.result as typeof result).structuredContent.instructions } as never;
  });
}

/**
 * The progress notifications of a forwarded call: one with a `message` (or any field besides
 * `progress` and `total`) is decided first, one after the other, as the response of
 * `notifications/progress` (masked, or dropped when withheld). Without response policies, or as a
 * bare tick, they pass as the server gave them.
 */
export function progressRelay(s: ProxySession, integration: string, send: (p: Record<string, unknown>) => Promise<void>): { onprogress: (p: { progress: number; total?: number; message?: string }) => void; sent: () => Promise<void> } {
  let chain = Promise.resolve();
  const tool = "notifications/progress";
  // The call's result waits for `sent()`: a progress message after the result would be lost.
  return { sent: () => chain, onprogress: (p) => {
    // A bare tick (progress and total only) carries no text; anything else is decided.
    if (!s.bundle.index.tool_response || Object.keys(p).every((k) => k === "progress" || k === "total")) { chain = chain.then(() => send(p)); return; }
    // Decided in a turn queued now (before the call's response turn); sent in arrival order.
    const result = { structuredContent: { ...p } };
    const decided = s.serverText(integration, tool, result);
    chain = chain.then(async () => {
      const { d, e, callId } = await decided;
      if (d.effect === "allow" && !d.sanitize.length) { await send(p); return; }
      const settled = await s.settle(result, d, { integration, tool }, e, callId);
      if (!settled.withheld) await send((settled.result as typeof result).structuredContent);
    }).catch((err: Error) => s.g.log(`session ${s.id}: a progress message of ${integration} was dropped: ${err.message}`));
  } };
}
