/**
 * One agent connection: an MCP server (the SDK's low-level `Server`) whose handlers apply the
 * bundle before anything reaches an upstream.
 * - Identity: the agent is `--agent` or the client's `clientInfo.name`, `""` when it has none or
 *   never sent `initialize`; its `agent_discovered` event is the session's first turn, always.
 * - `tools/list`: only the tools `visibleTools` leaves (hidden tools are gone).
 * - `tools/call`: decided first. allow → forwarded; block → `isError` result with the reason;
 *   require_approval → a pending approval in the store, and the call waits for it.
 * - resources, prompts, completion: decided the same way (mcp-paths.ts).
 * - Every request and response becomes a SPEC §6 session event: recorded, and the responses
 *   observed (cost, labels) so that session conditions hold. Decisions and observations are the
 *   session's turns (turns.ts), taken in arrival order, so the live decisions are what `policy
 *   replay` of the recording gives. A call waiting for approval has had its turn: later calls are
 *   decided meanwhile.
 * INVARIANT: nothing is forwarded to an upstream unless the decision (and approval) let it through.
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema, CallToolResultSchema, CancelledNotificationSchema, ListToolsRequestSchema, McpError, ErrorCode,
  type CallToolResult, type Tool, type ServerCapabilities,
} from "@modelcontextprotocol/sdk/types.js";
import { randomBytes } from "node:crypto";
import type { Enforcer } from "../runtime/index.js";
import type { Bundle, Decision, SessionEvent, UserInfo } from "../runtime/types.js";
import type { Gateway, Route } from "./gateway.js";
import type { Upstream } from "./upstream.js";
import { costOf, isFault, refusal, safeReason, sanitizeArgs } from "./call-helpers.js";
import { newApprovalId } from "./approvals/file-store.js";
import { Turns } from "./turns.js";
import { pathCapabilities, registerMcpPaths } from "./mcp-paths.js";
import { decideInstructions, messageCapabilities, progressRelay } from "./server-messages.js";
import { oneLine } from "../compiler/terminal-safe.js";
import { waitForApproval, type WaitResult } from "./approvals/wait.js";
import { HeldCalls } from "./approvals/held-calls.js";
import { foldersOf } from "./upstream-folders.js";
import type { Vote } from "./approvals/types.js";
import { tell } from "./observer.js";
import { isErrorResult } from "../runtime/response.js";

export interface SessionIdentity {
  readonly tenant?: string;
  readonly agent?: { readonly id?: string; readonly name?: string; readonly review_status?: string };
  /** The person behind the agent: carried by every event of the session (`user` conditions). */
  readonly user?: UserInfo;
}

/** A session id that sorts by time: `20261121T100003-k3j9x2`. */
export function newSessionId(now: number): string {
  return `${new Date(now).toISOString().replace(/[-:]/g, "").slice(0, 15)}-${randomBytes(4).toString("hex")}`;
}

const VERSION = "0.1.0";

/** What a request handler gets from the SDK and passes on (cancellation, progress). */
export interface RequestExtra { signal: AbortSignal; heldId?: string; _meta?: { progressToken?: string | number }; sendNotification: (n: never) => Promise<void> }

/** What the agent is told when the audit trail could not be written (`--audit strict`, the default). */
const AUDIT_REFUSAL = "Blocked: the enforcement point could not write its audit trail, so the call was not made. Ask an administrator to check the proxy's log.";

/** What is decided: a call of a tool (or MCP request path) of an integration. */
/** What is decided: the call, and the upstream that would serve it (its folders root path arguments). */
export interface CallTarget { readonly integration: string; readonly tool: string; readonly args: Record<string, unknown>; readonly upstream?: Upstream }

/** A request decided in its turn: the recorded event, the decision, and the call id. */
export interface Decided {
  readonly req: SessionEvent;
  readonly d: Decision;
  readonly callId: string;
  readonly approvalId?: string;
  /** Set when the event or its decision could not be written and the audit trail is strict. */
  readonly audit?: string;
}

/** What the agent is told about an approval that ended, and the votes (without their MACs) for the decision log. */
function approvalMessage(w: WaitResult, reason: string, timeoutMs: number): { status: string; message: string; votes: Vote[] } {
  const votes = (w.view?.votes ?? []).map(({ mac: _mac, ...v }) => v);
  if (w.tampered) return { status: "denied", message: `Not approved: ${reason} (the approval records were tampered with, so the call was not made)`, votes };
  if (w.error) return { status: "denied", message: `Not approved: ${reason} (the approval could not be checked, so the call was not made)`, votes };
  if (w.status === "approved") return { status: "approved", message: "", votes };
  if (w.status === "denied") {
    const by = votes.find((v) => v.verdict === "deny");
    return { status: "denied", message: `Not approved: ${reason} (denied${by ? ` by the ${by.role}` : ""}${by?.note ? `: ${by.note}` : ""})`, votes };
  }
  if (w.why === "shutdown") return { status: "expired", message: `Not approved: ${reason} (the enforcement point is shutting down, so the call was not made)`, votes };
  if (w.why === "cancelled") return { status: "expired", message: `Not approved: ${reason} (the call was cancelled, so it was not made)`, votes };
  return { status: "expired", message: `Not approved: ${reason} (no approval within ${Math.round(timeoutMs / 1000)}s, so the call was not made)`, votes };
}

export class ProxySession {
  readonly server: Server;
  readonly id: string;
  readonly revision: string;
  /** The bundle of the session's revision (it keeps it across reloads). */
  readonly bundle: Bundle;
  /** The configured identity, with the `user` the HTTP transport authenticated for this session. */
  readonly identity: SessionIdentity;
  private readonly enforcer: Enforcer;
  private seq = 0;
  private readonly turns = new Turns();
  /** The first turn: who the agent is, and its `agent_discovered` decision. */
  private discovered: Promise<void> | undefined;
  /** Set when an `agent_discovered` policy blocked this agent: every call is refused with it. */
  private refused: string | undefined;
  private agent: { id?: string; name?: string; review_status?: string } = {};
  private closedOnce = false;
  private inflight = 0;
  private readonly idleWaiters: (() => void)[] = [];
  /** Resource URIs this session subscribed to (upstream notifications are passed on for these). */
  readonly subscriptions = new Set<string>();
  /** Calls in flight under the proxy's own ids (cancellation, shutdown). */
  private readonly held = new HeldCalls();

  /**
   * The person behind this session's agent (the proxy's `--user`, or the HTTP transport's
   * verified token for this session). Never from the agent.
   */
  get user(): UserInfo | undefined {
    return this.identity.user;
  }

  constructor(readonly g: Gateway, sessionId?: string, user?: UserInfo) {
    this.id = sessionId ?? newSessionId(g.now());
    this.identity = { ...g.o.identity, ...(user ? { user } : {}) };
    const pin = g.pin(this.id);
    this.revision = pin.revision;
    this.bundle = pin.bundle;
    this.enforcer = g.enforcer;
    const single = g.upstreams.length === 1 ? g.upstreams[0]! : undefined;
    const caps: ServerCapabilities = { tools: { listChanged: true }, ...pathCapabilities(g), ...messageCapabilities(g) };
    this.server = new Server({ name: "policy-enforce", version: VERSION }, { capabilities: caps });
    decideInstructions(this, single);
    this.server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: await this.listTools() }));
    this.server.setRequestHandler(CallToolRequestSchema, (req, extra) => this.tracked(() => {
      // The call is held under the proxy's own id: a reused request id cannot cancel another call's wait.
      const held = this.held.hold(extra.requestId ?? "", extra.signal);
      return this.callTool(req.params, { ...extra, signal: held.signal, heldId: held.id }).finally(() => held.release());
    }));
    registerMcpPaths(this, caps);
    this.server.setNotificationHandler(CancelledNotificationSchema, (n) => {
      // Every call received under the id, not only the latest (see held-calls.ts); then what the SDK does.
      if (n.params.requestId !== undefined) this.held.cancel(n.params.requestId);
      (this.server as unknown as { _oncancel?: (x: unknown) => void })._oncancel?.(n);
    });
    this.server.onclose = () => { void this.close(); };
  }

  /**
   * Runs a request handler, counting it in flight until its response is out. `handle` is called
   * synchronously, so that a handler queues its turn in arrival order.
   */
  tracked<T>(handle: () => Promise<T>): Promise<T> {
    this.inflight++;
    let p: Promise<T>;
    try { p = handle(); } catch (e) { p = Promise.reject(e); }
    return p.finally(() => {
      // The response is sent after this handler returns: let it go out before anyone closes.
      if (--this.inflight === 0) setTimeout(() => { if (this.inflight === 0) for (const f of this.idleWaiters.splice(0)) f(); }, 20);
    });
  }

  private event(type: string, extra: Partial<SessionEvent>): SessionEvent {
    const tenant = this.g.o.identity?.tenant;
    return {
      type, session_id: this.id, seq: ++this.seq, ts: new Date(this.g.now()).toISOString(),
      ...(tenant ? { tenant } : {}),
      agent: { ...this.agent },
      ...(this.user ? { user: this.user } : {}),
      ...extra,
    } as SessionEvent;
  }

  /** Queues the session's first turn (once): every handler calls this before queuing its own. */
  begin(): Promise<void> {
    return (this.discovered ??= this.turns.run(() => this.discover()));
  }

  /**
   * Who the agent is (`--agent`, else the client's name, else `""`: a client that sent no name or
   * no `initialize`), and its `agent_discovered` decision, always, before any other decision.
   */
  private async discover(): Promise<void> {
    const client = this.server.getClientVersion();
    const given = this.g.o.identity?.agent ?? {};
    const name = given.name ?? client?.name ?? "";
    // The reviews file (in the bundle) names the agent's status; `--agent-review-status` is for agents it does not name.
    const reviews = this.bundle.agent_reviews;
    const review = reviews && Object.prototype.hasOwnProperty.call(reviews, name) ? reviews[name] : given.review_status;
    this.agent = { ...(given.id ? { id: given.id } : {}), name, ...(review ? { review_status: review } : {}) };
    const e = this.event("agent_discovered", {});
    this.g.unreviewedAgent(name, e);
    const unrecorded = this.g.record(e);
    if (unrecorded) this.g.auditFailure(`cannot record session ${this.id}`, unrecorded, e, false);
    const t0 = performance.now();
    const d = await this.enforcer.decideAsync(e);
    this.logDecision(e, d, d.effect === "block" ? "agent_refused" : "agent_admitted", { decide_us: Math.round((performance.now() - t0) * 1000) });
    this.g.alert(d, e);
    if (d.effect === "block") this.refused = safeReason(d);
  }

  /** The agent as `visibleTools` and the hide checks see it. */
  agentFacts(): { name: string; review_status?: string; tenant?: string; user: UserInfo | null } {
    return { name: this.agent.name ?? "", ...(this.agent.review_status ? { review_status: this.agent.review_status } : {}), ...(this.g.o.identity?.tenant ? { tenant: this.g.o.identity.tenant } : {}), user: this.user ?? null };
  }

  private visibleOf(): { tool: Tool; route: Route }[] {
    const all = this.g.allTools();
    if (this.refused !== undefined) return [];
    const items = all.map((x) => ({ name: x.tool.name, integration: x.upstream.integration, changed: this.g.toolChanges(this.bundle, x.upstream.integration, x.tool.name).length > 0, x }));
    const visible = this.enforcer.visibleTools(this.agentFacts(), items, undefined, this.revision);
    return visible.map(({ x }) => ({ tool: { ...x.tool, name: x.exposed }, route: { upstream: x.upstream, tool: x.tool.name, integration: x.upstream.integration } }));
  }

  private async listTools(): Promise<Tool[]> {
    await this.begin();
    return this.visibleOf().map((v) => v.tool);
  }

  /** The upstream's tool list changed: tell the agent. */
  toolsChanged(): void {
    this.server.sendToolListChanged().catch(() => undefined);
  }

  /** Appends a decision to the decision log; returns the write error, if any. */
  private logDecision(e: SessionEvent, d: Decision, outcome: string, extra: Record<string, unknown> = {}): string | undefined {
    tell(this.g.o.observer, "decision", {
      effect: d.effect, integration: e.call?.integration ?? "", policy: d.policy?.id ?? "default", outcome,
      ...(typeof extra["decide_us"] === "number" ? { micros: extra["decide_us"] } : {}), storeError: d.policy === null && d.reason.startsWith("session store unavailable"),
    });
    return this.g.o.decisionLog?.append({
      type: "decision", ts: e.ts, session_id: e.session_id, seq: e.seq, call_id: e.call?.id ?? null,
      tenant: e.tenant ?? null, agent: e.agent ?? null, event: e.type,
      integration: e.call?.integration ?? null, tool: e.call?.tool ?? null,
      ...(e.call?.definition_changed ? { definition_changed: e.call.definition_changed } : {}),
      effect: d.effect, policy: d.policy?.id ?? null, reason: d.reason, revision: d.revision, outcome, ...extra, decision: d,
    });
  }

  /**
   * Decides a request in its turn (call this synchronously in the handler, before any `await`):
   * the event is numbered, recorded, decided, alerted and logged with `outcome(d)`. `what` is the
   * call, or routes it inside the turn (a routing error rejects without an event).
   */
  decideInTurn<T extends CallTarget>(what: T | (() => Promise<T>), outcome: (d: Decision) => string, heldId?: string): Promise<Decided & { target: T }> {
    void this.begin();
    return this.turns.run(async () => {
      const target = typeof what === "function" ? await what() : what;
      const { integration, tool, args } = target;
      const callId = `c${this.seq + 1}`;
      const changed = this.g.toolChanges(this.bundle, integration, tool);
      const req = this.event("tool_call_request", { call: this.callOf(target.upstream, { id: callId, type: "mcp", integration, tool, args, ...(changed.length ? { definition_changed: [...changed] } : {}) }) });
      const unrecorded = this.g.record(req);
      const t0 = performance.now();
      let d = await this.enforcer.decideAsync(req);
      const decideUs = Math.round((performance.now() - t0) * 1000);
      this.g.alert(d, req);
      if (this.refused !== undefined && d.effect !== "block") d = { ...d, effect: "block", reason: this.refused };
      if (isFault(d)) this.g.log(`session ${this.id}: ${oneLine(`${integration}.${tool}`)} blocked by a fault (fail closed): ${oneLine(d.reason)}`);
      // Reported whatever the decision; a call nobody could audit is not made (unless --audit best-effort).
      const strict = unrecorded !== undefined && this.g.auditFailure(`cannot record session ${this.id}`, unrecorded, req, d.effect !== "block");
      let audit = d.effect !== "block" && strict ? "recording failed" : undefined;
      const said = audit ? "blocked" : outcome(d);
      const approvalId = said === "approval_requested" ? newApprovalId() : undefined;
      const notLogged = this.logDecision(req, d, said, { decide_us: decideUs, ...(approvalId ? { approval_id: approvalId, held_id: heldId ?? "h-none" } : {}), ...(audit ? { audit } : {}) });
      if (!audit && d.effect !== "block" && notLogged !== undefined && this.g.auditFailure("cannot write the decision log", notLogged, req)) audit = "decision log failed";
      return { req, d, callId, target, ...(approvalId ? { approvalId } : {}), ...(audit ? { audit } : {}) };
    });
  }

  /**
   * After the decision: undefined when the request may go on (allowed, or approved in time), else
   * the message the agent gets. Waiting for approval happens outside the turns.
   */
  async admitted(x: Decided, integration: string, tool: string, extra: RequestExtra): Promise<string | undefined> {
    const { d } = x;
    if (d.effect === "block") return `Blocked by policy: ${safeReason(d)}`;
    if (x.audit) return AUDIT_REFUSAL;
    if (d.effect !== "require_approval" || !x.approvalId) return undefined;
    const heldId = extra.heldId ?? "h-none";
    const verdict = await this.awaitApproval(x.approvalId, heldId, x.req, d, { integration, tool }, extra);
    // Cancellation wins over an approval that arrived in the meantime.
    const cancelled = verdict.status === "approved" && extra.signal.aborted;
    const status = cancelled ? "cancelled" : verdict.status;
    tell(this.g.o.observer, "approvalDecided", status);
    const err = this.g.o.decisionLog?.append({
      type: "approval", ts: new Date(this.g.now()).toISOString(), session_id: this.id, call_id: x.callId, approval_id: x.approvalId, held_id: heldId,
      status, votes: verdict.votes, revision: d.revision, ...(verdict.why ? { why: verdict.why } : {}), ...(verdict.tampered ? { tampered: verdict.tampered } : {}),
    });
    if (verdict.tampered) this.g.log(`approval ${x.approvalId} refused: its records were tampered with (${verdict.tampered}); ${oneLine(`${integration}.${tool}`)} was not called`);
    if (status !== "approved") return cancelled ? `Not approved: ${d.reason} (the call was cancelled, so it was not made)` : verdict.message;
    return err !== undefined && this.g.auditFailure("cannot write the decision log", err, x.req) ? AUDIT_REFUSAL : undefined;
  }

  /**
   * The call as recorded and decided: with the upstream's root and home when the catalog marks
   * path arguments of the tool, and (informational) the arguments in the canonical form the
   * policies see.
   */
  private callOf(upstream: Upstream | undefined, call: NonNullable<SessionEvent["call"]>): NonNullable<SessionEvent["call"]> {
    const asSent = this.enforcer.argumentsOf(call, this.revision);
    const folders = asSent.paths && upstream ? foldersOf(upstream) : {};
    const withFolders = folders.root || folders.home ? { ...call, ...(folders.root ? { root: folders.root } : {}), ...(folders.home ? { home: folders.home } : {}) } : call;
    // Canonicalised again only when the folders change what relative paths mean.
    const canonical = withFolders === call ? asSent.canonical : this.enforcer.argumentsOf(withFolders, this.revision).canonical;
    return canonical ? { ...withFolders, canonical_args: canonical } : withFolders;
  }

  private callTool(params: { name: string; arguments?: Record<string, unknown>; _meta?: Record<string, unknown> }, extra: RequestExtra): Promise<CallToolResult> {
    const r = this.g.route(params.name);
    const args = params.arguments ?? {};
    if (!("upstream" in r) && r.integration === undefined) {
      void this.begin();
      return Promise.reject(new McpError(ErrorCode.InvalidParams, `unknown tool "${params.name}"`));
    }
    const known = "upstream" in r;
    const turn = this.decideInTurn({ integration: r.integration!, tool: r.tool, args, ...(known ? { upstream: r.upstream } : {}) }, (d) =>
      d.effect === "block" ? "blocked" : !known ? "unknown_tool" : d.effect === "require_approval" ? "approval_requested" : "forwarded", extra.heldId);
    return this.afterToolDecision(turn, r, params, extra);
  }

  private async afterToolDecision(turn: Promise<Decided>, r: Route | { readonly integration?: string; readonly tool: string }, params: { name: string; arguments?: Record<string, unknown>; _meta?: Record<string, unknown> }, extra: RequestExtra): Promise<CallToolResult> {
    const x = await turn;
    if (x.d.effect === "block") return refusal(`Blocked by policy: ${safeReason(x.d)}`);
    if (!("upstream" in r)) throw new McpError(ErrorCode.InvalidParams, `unknown tool "${params.name}"`);
    const refused = await this.admitted(x, r.integration, r.tool, extra);
    if (refused !== undefined) return refusal(refused);
    const args = x.req.call!.args ?? {};
    const { args: sent, changed } = sanitizeArgs(this.bundle, x.d, args);
    if (changed.length) this.g.o.decisionLog?.append({ type: "sanitized", ts: x.req.ts, session_id: this.id, call_id: x.callId, fields: changed });
    return this.forward(r, sent, x.callId, params._meta, extra, x.req);
  }

  private async forward(r: Route, args: Record<string, unknown>, callId: string, meta: Record<string, unknown> | undefined, extra: RequestExtra, req?: SessionEvent): Promise<CallToolResult> {
    const token = extra._meta?.progressToken;
    const progress = token !== undefined ? progressRelay(this, r.integration, (p) => extra.sendNotification({ method: "notifications/progress", params: { ...p, progressToken: token } } as never).catch(() => undefined)) : undefined;
    let result: CallToolResult;
    // The agent's progress token stays with the agent; the upstream gets one of the proxy's own.
    const upstreamProgress = progress ? r.upstream.progressToken(progress.onprogress) : undefined;
    const upstreamMeta = upstreamProgress ? { ...meta, progressToken: upstreamProgress.token } : meta;
    try {
      result = await r.upstream.client.request(
        { method: "tools/call", params: { name: r.tool, arguments: args, ...(upstreamMeta ? { _meta: upstreamMeta } : {}) } },
        CallToolResultSchema,
        { signal: extra.signal, timeout: 24 * 3600_000 },
      ) as CallToolResult;
      upstreamProgress?.done();
      await progress?.sent();
    } catch (e) {
      upstreamProgress?.done();
      await progress?.sent();
      const message = e instanceof McpError ? e.message : `upstream ${r.integration} failed: ${(e as Error).message}`;
      const failed: CallToolResult = { isError: true, content: [{ type: "text", text: message }] };
      const fd = await this.respond(callId, failed, req);
      // An error the response policies touch goes back as the result they leave (masked or withheld).
      if (fd && (fd.effect !== "allow" || fd.sanitize.length)) return this.deliver(failed, fd, r, req!, callId, extra);
      throw e instanceof McpError ? e : new McpError(ErrorCode.InternalError, message);
    }
    const d = await this.respond(callId, result, req);
    return d ? this.deliver(result, d, r, req!, callId, extra) : result;
  }

  /**
   * The result the agent receives after its response decision: withheld (an `isError` result
   * saying why), held until a person releases it (`require_approval`, the approval flow of
   * requests), and masked where the decision's `sanitize` says.
   */
  private async deliver(result: CallToolResult, d: Decision, r: Route, req: SessionEvent, callId: string, extra: RequestExtra): Promise<CallToolResult> {
    return (await this.settle(result, d, r, req, callId, extra)).result as CallToolResult;
  }

  /**
   * What comes back after its response decision: the result as it may go on (masked where the
   * decision's `sanitize` says), or `withheld` with the `isError` result that says why (a `block`,
   * a result a person did not release, a result that could not be masked). Without `extra`
   * (a notification: nobody waits for it) a `require_approval` withholds it: it cannot be held.
   */
  async settle(result: unknown, d: Decision, r: { integration: string; tool: string }, req: SessionEvent, callId: string, extra?: RequestExtra): Promise<{ result: unknown; withheld: boolean }> {
    let dd = d;
    if (d.effect === "require_approval") {
      const refused = extra
        ? await this.admitted({ req, d, callId, approvalId: newApprovalId() }, r.integration, r.tool, extra)
        : `${d.reason} (a notification cannot be held for approval, so it was withheld)`;
      if (refused !== undefined) dd = { ...d, effect: "block", reason: refused.replace(/^Not approved: /, "not released: ") };
    }
    const out = this.enforcer.forwardResult(result, dd);
    return { result: out, withheld: dd.effect === "block" || (isErrorResult(out) && !isErrorResult(result)) };
  }

  /**
   * Records and observes the response (cost, labels of the call) in its turn and, given its
   * request, decides it (`when tool_response` policies): a decision any policy matched is alerted
   * and written to the decision log as `response_withheld` / `response_sanitized` /
   * `response_held` / `response_forwarded`. A decision that cannot be logged under a strict audit
   * withholds the result.
   */
  respond(callId: string, result: unknown, req?: SessionEvent): Promise<Decision | undefined> {
    return this.turns.run(async () => (await this.responseTurn(callId, result, req)).d);
  }

  /**
   * Text a server sends on its own (a log message, a sampling request), decided in its turn as the
   * response of the pseudo-tool `tool` of `integration` (server-messages.ts). It has no request:
   * its event carries the `call` it is the response of (`call_id` `s<seq>`), so that replay joins it
   * the same way.
   */
  serverText(integration: string, tool: string, result: unknown): Promise<{ d: Decision; e: SessionEvent; callId: string }> {
    void this.begin();
    return this.turns.run(async () => {
      const callId = `s${this.seq + 1}`;
      const own = { id: callId, type: "mcp" as const, integration, tool, args: {} };
      const { d, e } = await this.responseTurn(callId, result, undefined, own);
      return { d: d!, e, callId };
    });
  }

  /** Whether the agent has said who it is (or sent a request): server messages may reach it only then. */
  get ready(): boolean {
    return this.discovered !== undefined || this.server.getClientVersion() !== undefined;
  }

  private async responseTurn(callId: string, result: unknown, req?: SessionEvent, own?: NonNullable<SessionEvent["call"]>): Promise<{ d: Decision | undefined; e: SessionEvent }> {
    const cost = costOf(result);
    const e = this.event("tool_call_response", { call_id: callId, ...(own ? { call: own } : {}), result, ...(cost ? { cost } : {}) });
    const unrecorded = this.g.record(e);
    if (unrecorded) this.g.auditFailure(`cannot record the response of ${callId} in session ${this.id}`, unrecorded, e, false);
    try {
      const o = await this.enforcer.observe(e);
      if (!o.ok) this.g.log(`session ${this.id}: response of ${callId} not observed: ${o.note ?? ""}`);
    } catch (err) {
      this.g.log(`session ${this.id}: response of ${callId} not observed: ${(err as Error).message}`);
    }
    const call = req?.call ?? own;
    if (!call) return { d: undefined, e };
    const t0 = performance.now();
    const d = this.enforcer.decideResponse(e, req);
    if (!d.matched.length && d.effect === "allow") return { d, e };
    const outcome = d.effect === "block" ? "response_withheld" : d.effect === "require_approval" ? "response_held" : d.sanitize.length ? "response_sanitized" : "response_forwarded";
    this.g.alert(d, { ...e, call });
    const notLogged = this.logDecision({ ...e, call }, d, outcome, { decide_us: Math.round((performance.now() - t0) * 1000) });
    if (notLogged !== undefined && d.effect !== "block" && this.g.auditFailure("cannot write the decision log", notLogged, e)) return { d: { ...d, effect: "block" as const, withheld: true, reason: "the enforcement point could not write its audit trail" }, e };
    return { d, e };
  }

  private async awaitApproval(id: string, heldId: string, req: SessionEvent, d: Decision, r: { integration: string; tool: string }, extra: RequestExtra): Promise<{ status: string; message: string; votes: Vote[]; why?: string; tampered?: string }> {
    const now = this.g.now();
    const timeout = this.g.o.approvalTimeoutMs ?? 300_000;
    const clerk = this.g.clerk;
    let hash: string;
    try {
      const sealed = await clerk.create({
        id, held_id: heldId, created: new Date(now).toISOString(), expires: new Date(now + timeout).toISOString(),
        session_id: this.id, call_id: req.call!.id!, tenant: req.tenant ?? null,
        agent: req.agent ? { ...(req.agent.id ? { id: req.agent.id } : {}), ...(req.agent.name ? { name: req.agent.name } : {}) } : null,
        integration: r.integration, tool: r.tool, args: req.call!.args ?? {}, reason: d.reason,
        policy: d.policy ? { id: d.policy.id, name: d.policy.name } : null, approvers: d.approvers,
        eligible: this.g.rosterOf(this.revision), revision: d.revision,
        ...(req.user ? { user: req.user.id } : {}),
        ...(d.approver_people ? { approver_people: d.approver_people } : {}),
      });
      hash = sealed.hash;
    } catch (e) {
      this.g.log(`cannot store approval ${id}: ${(e as Error).message}`);
      return { status: "denied", message: `Not approved: ${d.reason} (the approval could not be requested, so the call was not made)`, votes: [] };
    }
    const who = d.approvers.length ? ` (needs ${d.approvers.join(" and ")})` : "";
    this.g.log(`approval ${id} pending${oneLine(who)}: ${oneLine(`${r.integration}.${r.tool}`)} for ${oneLine(req.agent?.name ?? "agent")} — ${oneLine(d.reason)}\n  policy approvals approve ${id}${d.approvers.length > 1 ? " --as <role>" : ""}   |   policy approvals deny ${id}`);
    const token = extra._meta?.progressToken;
    let beat = 0;
    tell(this.g.o.observer, "approvalPending", 1);
    const w = await waitForApproval(clerk, id, hash, {
      deadline: now + timeout, signal: extra.signal, pollMs: this.g.o.approvalPollMs ?? 200, now: this.g.now, heartbeatMs: 5000,
      onWaiting: (v) => {
        if (token === undefined) return;
        extra.sendNotification({ method: "notifications/progress", params: { progressToken: token, progress: ++beat, message: `waiting for approval ${id} from ${v.waitingFor.join(" and ")}` } } as never).catch(() => undefined);
      },
    }).finally(() => tell(this.g.o.observer, "approvalPending", -1));
    if (w.error) this.g.log(`approval ${id}: ${w.error}; ${oneLine(`${r.integration}.${r.tool}`)} was not called (fail closed)`);
    return { ...approvalMessage(w, d.reason, timeout), ...(w.why ? { why: w.why } : {}), ...(w.tampered ? { tampered: w.tampered } : {}) };
  }

  /** Stops every held call (each waiting agent is answered `isError`), then waits for the answers to go out. */
  async shutdown(): Promise<void> {
    this.held.stopAll("shutdown");
    await Promise.race([this.idle(), new Promise((r) => setTimeout(r, 5000).unref())]);
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
