/**
 * One agent connection: an MCP server (the SDK's low-level `Server`) whose `tools/list` and
 * `tools/call` handlers apply the bundle before anything reaches an upstream.
 * - `tools/list`: only the tools `visibleTools` leaves (hidden tools are gone).
 * - `tools/call`: decided first. allow → forwarded; block → `isError` result with the reason;
 *   require_approval → a pending approval in the store, and the call waits for it.
 * - Every request and response becomes a SPEC §6 session event: recorded, and the responses
 *   observed (cost, labels) so that session conditions hold.
 * INVARIANT: nothing is forwarded to an upstream unless the decision (and approval) let it through.
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema, CallToolResultSchema, ListToolsRequestSchema, McpError, ErrorCode,
  ListResourcesRequestSchema, ListResourceTemplatesRequestSchema, ReadResourceRequestSchema,
  ListPromptsRequestSchema, GetPromptRequestSchema, CompleteRequestSchema,
  ListResourcesResultSchema, ListResourceTemplatesResultSchema, ReadResourceResultSchema,
  ListPromptsResultSchema, GetPromptResultSchema, CompleteResultSchema,
  type CallToolResult, type Tool, type ServerCapabilities,
} from "@modelcontextprotocol/sdk/types.js";
import { randomBytes } from "node:crypto";
import type { Enforcer } from "../runtime/index.js";
import type { Decision, SessionEvent } from "../runtime/types.js";
import type { Gateway, Route } from "./gateway.js";
import { costOf, isFault, refusal, safeReason, sanitizeArgs } from "./call-helpers.js";
import { newApprovalId } from "./approvals/file-store.js";
import { waitForApproval } from "./approvals/wait.js";
import type { ApprovalRequest } from "./approvals/types.js";
import { foldersOf } from "./upstream-folders.js";

export interface SessionIdentity {
  readonly tenant?: string;
  readonly agent?: { readonly id?: string; readonly name?: string; readonly review_status?: string };
}

/** A session id that sorts by time: `20261121T100003-k3j9x2`. */
export function newSessionId(now: number): string {
  return `${new Date(now).toISOString().replace(/[-:]/g, "").slice(0, 15)}-${randomBytes(4).toString("hex")}`;
}

const VERSION = "0.1.0";

export class ProxySession {
  readonly server: Server;
  readonly id: string;
  readonly revision: string;
  private readonly enforcer: Enforcer;
  private seq = 0;
  private started = false;
  /** Set when an `agent_discovered` policy blocked this agent: every call is refused with it. */
  private refused: string | undefined;
  private agent: { id?: string; name?: string; review_status?: string } = {};
  private closedOnce = false;
  private inflight = 0;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly g: Gateway, sessionId?: string) {
    this.id = sessionId ?? newSessionId(g.now());
    const pin = g.pin();
    this.revision = pin.revision;
    this.enforcer = pin.enforcer;
    const single = g.upstreams.length === 1 ? g.upstreams[0]! : undefined;
    const up = single?.client.getServerCapabilities() ?? {};
    const caps: ServerCapabilities = { tools: { listChanged: true } };
    if (single && up.resources) caps.resources = {};
    if (single && up.prompts) caps.prompts = {};
    if (single && up.completions) caps.completions = {};
    const instructions = single?.client.getInstructions();
    this.server = new Server({ name: "policy-enforce", version: VERSION }, { capabilities: caps, ...(instructions ? { instructions } : {}) });
    this.server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: await this.listTools() }));
    this.server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
      this.inflight++;
      try {
        return await this.callTool(req.params, extra);
      } finally {
        // The response is sent after this handler returns: let it go out before anyone closes.
        if (--this.inflight === 0) setTimeout(() => { if (this.inflight === 0) for (const f of this.idleWaiters.splice(0)) f(); }, 20);
      }
    });
    if (single) this.passThrough(single, up);
    this.server.onclose = () => { void this.close(); };
  }

  /** Resources, prompts and completions of a single upstream are passed through unchanged. */
  private passThrough(u: Route["upstream"], up: ServerCapabilities): void {
    const c = u.client;
    if (up.resources) {
      this.server.setRequestHandler(ListResourcesRequestSchema, (r) => c.request({ method: "resources/list", params: r.params }, ListResourcesResultSchema));
      this.server.setRequestHandler(ListResourceTemplatesRequestSchema, (r) => c.request({ method: "resources/templates/list", params: r.params }, ListResourceTemplatesResultSchema));
      this.server.setRequestHandler(ReadResourceRequestSchema, (r) => c.request({ method: "resources/read", params: r.params }, ReadResourceResultSchema));
    }
    if (up.prompts) {
      this.server.setRequestHandler(ListPromptsRequestSchema, (r) => c.request({ method: "prompts/list", params: r.params }, ListPromptsResultSchema));
      this.server.setRequestHandler(GetPromptRequestSchema, (r) => c.request({ method: "prompts/get", params: r.params }, GetPromptResultSchema));
    }
    if (up.completions) this.server.setRequestHandler(CompleteRequestSchema, (r) => c.request({ method: "completion/complete", params: r.params }, CompleteResultSchema));
  }

  private event(type: string, extra: Partial<SessionEvent>): SessionEvent {
    const tenant = this.g.o.identity?.tenant;
    return {
      type, session_id: this.id, seq: ++this.seq, ts: new Date(this.g.now()).toISOString(),
      ...(tenant ? { tenant } : {}),
      agent: { ...this.agent },
      ...extra,
    } as SessionEvent;
  }

  /** On the first request after `initialize`: who the agent is, and an `agent_discovered` decision. */
  private async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const client = this.server.getClientVersion();
    const given = this.g.o.identity?.agent ?? {};
    const name = given.name ?? client?.name;
    this.agent = { ...(given.id ? { id: given.id } : {}), ...(name ? { name } : {}), ...(given.review_status ? { review_status: given.review_status } : {}) };
    if (!name) return;
    const e = this.event("agent_discovered", {});
    this.g.record(e);
    const d = await this.enforcer.decideAsync(e);
    this.logDecision(e, d, d.effect === "block" ? "agent_refused" : "agent_admitted");
    this.g.alert(d, e);
    if (d.effect === "block") this.refused = safeReason(d);
  }

  private visibleOf(): { tool: Tool; route: Route }[] {
    const all = this.g.allTools();
    if (this.refused !== undefined) return [];
    const agent = { ...(this.agent.name ? { name: this.agent.name } : {}), ...(this.agent.review_status ? { review_status: this.agent.review_status } : {}), ...(this.g.o.identity?.tenant ? { tenant: this.g.o.identity.tenant } : {}) };
    const items = all.map((x) => ({ name: x.tool.name, integration: x.upstream.integration, x }));
    const visible = this.enforcer.visibleTools(agent, items);
    return visible.map(({ x }) => ({ tool: { ...x.tool, name: x.exposed }, route: { upstream: x.upstream, tool: x.tool.name, integration: x.upstream.integration } }));
  }

  private async listTools(): Promise<Tool[]> {
    await this.start();
    return this.visibleOf().map((v) => v.tool);
  }

  /** The upstream's tool list changed: tell the agent. */
  toolsChanged(): void {
    this.server.sendToolListChanged().catch(() => undefined);
  }

  private logDecision(e: SessionEvent, d: Decision, outcome: string, extra: Record<string, unknown> = {}): void {
    this.g.o.decisionLog?.append({
      type: "decision", ts: e.ts, session_id: e.session_id, seq: e.seq, call_id: e.call?.id ?? null,
      tenant: e.tenant ?? null, agent: e.agent ?? null, event: e.type,
      integration: e.call?.integration ?? null, tool: e.call?.tool ?? null,
      effect: d.effect, policy: d.policy?.id ?? null, reason: d.reason, revision: d.revision, outcome, ...extra, decision: d,
    });
  }

  private async callTool(params: { name: string; arguments?: Record<string, unknown>; _meta?: Record<string, unknown> }, extra: { signal: AbortSignal; _meta?: { progressToken?: string | number }; sendNotification: (n: never) => Promise<void> }): Promise<CallToolResult> {
    await this.start();
    const r = this.g.route(params.name);
    const args = params.arguments ?? {};
    if (!("upstream" in r) && r.integration === undefined) {
      throw new McpError(ErrorCode.InvalidParams, `unknown tool "${params.name}"`);
    }
    const seqBefore = this.seq + 1;
    const callId = `c${seqBefore}`;
    const integration = r.integration!;
    const req = this.event("tool_call_request", { call: this.callOf(r, { id: callId, type: "mcp", integration, tool: r.tool, args }) });
    this.g.record(req);
    const t0 = performance.now();
    let d = await this.enforcer.decideAsync(req);
    const decideUs = Math.round((performance.now() - t0) * 1000);
    this.g.alert(d, req);
    if (this.refused !== undefined && d.effect !== "block") d = { ...d, effect: "block", reason: this.refused };
    if (d.effect === "block") {
      if (isFault(d)) this.g.log(`session ${this.id}: ${integration}.${r.tool} blocked by a fault (fail closed): ${d.reason}`);
      this.logDecision(req, d, "blocked", { decide_us: decideUs });
      return refusal(`Blocked by policy: ${safeReason(d)}`);
    }
    if (!("upstream" in r)) {
      this.logDecision(req, d, "unknown_tool", { decide_us: decideUs });
      throw new McpError(ErrorCode.InvalidParams, `unknown tool "${params.name}"`);
    }
    let approvalId: string | undefined;
    if (d.effect === "require_approval") {
      approvalId = newApprovalId();
      this.logDecision(req, d, "approval_requested", { decide_us: decideUs, approval_id: approvalId });
      const verdict = await this.awaitApproval(approvalId, req, d, r, extra);
      this.g.o.decisionLog?.append({ type: "approval", ts: new Date(this.g.now()).toISOString(), session_id: this.id, call_id: callId, approval_id: approvalId, status: verdict.status, votes: verdict.votes, revision: d.revision });
      if (verdict.status !== "approved") return refusal(verdict.message);
    } else {
      this.logDecision(req, d, "forwarded", { decide_us: decideUs });
    }
    const { args: sent, changed } = sanitizeArgs(this.g.bundle, d, args);
    if (changed.length) this.g.o.decisionLog?.append({ type: "sanitized", ts: req.ts, session_id: this.id, call_id: callId, fields: changed });
    return this.forward(r, sent, callId, params._meta, extra);
  }

  /**
   * The call as recorded and decided: with the upstream's root and home when the catalog marks
   * path arguments of the tool, and (informational) the arguments in the canonical form the
   * policies see.
   */
  private callOf(r: ReturnType<Gateway["route"]>, call: NonNullable<SessionEvent["call"]>): NonNullable<SessionEvent["call"]> {
    const folders = "upstream" in r ? foldersOf(r.upstream) : {};
    const withFolders = this.enforcer.argumentsOf(call).paths ? { ...call, ...(folders.root ? { root: folders.root } : {}), ...(folders.home ? { home: folders.home } : {}) } : call;
    const canonical = this.enforcer.argumentsOf(withFolders).canonical;
    return canonical ? { ...withFolders, canonical_args: canonical } : withFolders;
  }

  private async forward(r: Route, args: Record<string, unknown>, callId: string, meta: Record<string, unknown> | undefined, extra: { signal: AbortSignal; _meta?: { progressToken?: string | number }; sendNotification: (n: never) => Promise<void> }): Promise<CallToolResult> {
    const token = extra._meta?.progressToken;
    let result: CallToolResult;
    try {
      result = await r.upstream.client.request(
        { method: "tools/call", params: { name: r.tool, arguments: args, ...(meta ? { _meta: meta } : {}) } },
        CallToolResultSchema,
        {
          signal: extra.signal, timeout: 24 * 3600_000, resetTimeoutOnProgress: true,
          ...(token !== undefined ? { onprogress: (p: { progress: number; total?: number; message?: string }) => { extra.sendNotification({ method: "notifications/progress", params: { progressToken: token, ...p } } as never).catch(() => undefined); } } : {}),
        },
      ) as CallToolResult;
    } catch (e) {
      const message = e instanceof McpError ? e.message : `upstream ${r.integration} failed: ${(e as Error).message}`;
      this.respond(callId, { isError: true, content: [{ type: "text", text: message }] });
      throw e instanceof McpError ? e : new McpError(ErrorCode.InternalError, message);
    }
    await this.respond(callId, result);
    return result;
  }

  /** Records and observes the response (cost, labels of the call). */
  private async respond(callId: string, result: unknown): Promise<void> {
    const cost = costOf(result);
    const e = this.event("tool_call_response", { call_id: callId, result, ...(cost ? { cost } : {}) });
    this.g.record(e);
    try {
      const o = await this.enforcer.observe(e);
      if (!o.ok) this.g.log(`session ${this.id}: response of ${callId} not observed: ${o.note ?? ""}`);
    } catch (err) {
      this.g.log(`session ${this.id}: response of ${callId} not observed: ${(err as Error).message}`);
    }
  }

  private async awaitApproval(id: string, req: SessionEvent, d: Decision, r: Route, extra: { signal: AbortSignal; _meta?: { progressToken?: string | number }; sendNotification: (n: never) => Promise<void> }): Promise<{ status: string; message: string; votes: unknown[] }> {
    const now = this.g.now();
    const timeout = this.g.o.approvalTimeoutMs ?? 300_000;
    const request: ApprovalRequest = {
      id, created: new Date(now).toISOString(), expires: new Date(now + timeout).toISOString(),
      session_id: this.id, call_id: req.call!.id!, tenant: req.tenant ?? null,
      agent: req.agent ? { ...(req.agent.id ? { id: req.agent.id } : {}), ...(req.agent.name ? { name: req.agent.name } : {}) } : null,
      integration: r.integration, tool: r.tool, args: req.call!.args ?? {}, reason: d.reason,
      policy: d.policy ? { id: d.policy.id, name: d.policy.name } : null, approvers: d.approvers, revision: d.revision,
    };
    try {
      await this.g.o.approvals.create(request);
    } catch (e) {
      this.g.log(`cannot store approval ${id}: ${(e as Error).message}`);
      return { status: "denied", message: `Not approved: ${d.reason} (the approval could not be requested, so the call was not made)`, votes: [] };
    }
    const who = d.approvers.length ? ` (needs ${d.approvers.join(" and ")})` : "";
    this.g.log(`approval ${id} pending${who}: ${r.integration}.${r.tool} for ${req.agent?.name ?? "agent"} — ${d.reason}\n  policy approvals approve ${id}${d.approvers.length > 1 ? " --as <role>" : ""}   |   policy approvals deny ${id}`);
    const token = extra._meta?.progressToken;
    let beat = 0;
    const w = await waitForApproval(this.g.o.approvals, id, {
      deadline: now + timeout, signal: extra.signal, pollMs: this.g.o.approvalPollMs ?? 200, now: this.g.now, heartbeatMs: 5000,
      onWaiting: (v) => {
        if (token === undefined) return;
        extra.sendNotification({ method: "notifications/progress", params: { progressToken: token, progress: ++beat, message: `waiting for approval ${id} from ${v.waitingFor.join(" and ")}` } } as never).catch(() => undefined);
      },
    });
    const votes = [...(w.view?.votes ?? [])];
    if (w.status === "approved") return { status: "approved", message: "", votes };
    if (w.status === "denied") {
      const by = votes.find((v) => v.verdict === "deny");
      return { status: "denied", message: `Not approved: ${d.reason} (denied${by ? ` by ${by.role === "any" ? "an approver" : `the ${by.role}`}` : ""}${by?.note ? `: ${by.note}` : ""})`, votes };
    }
    return { status: "expired", message: `Not approved: ${d.reason} (no approval within ${Math.round(timeout / 1000)}s, so the call was not made)`, votes };
  }

  /** Resolves when no tool call is in progress (the agent closed its input: answer what it asked first). */
  idle(): Promise<void> {
    return this.inflight === 0 ? Promise.resolve() : new Promise((r) => this.idleWaiters.push(r));
  }

  async close(): Promise<void> {
    if (this.closedOnce) return;
    this.closedOnce = true;
    this.g.closed(this);
    await this.server.close().catch(() => undefined);
  }
}
