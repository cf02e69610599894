/**
 * The enforcement point's shared part: the upstreams and their tools, the enforcer (one for every
 * bundle revision, over one session store), approvals, alerts, recording and the decision log.
 * Each agent connection is a `ProxySession` (session.ts) created here; a session stays on the
 * revision that was current when it started, also across hot reloads: the enforcer's own pinning
 * (`openSession` / `closeSession`, runtime/revisions.ts) keeps it.
 * Resources and prompts of several upstreams are routed here too: prompts by their exposed name
 * (`<integration>__<prompt>`, like tools), resources by the URIs and URI templates the upstreams
 * list; resource subscriptions are counted per upstream and URI across sessions.
 */
import { createEnforcer, MemoryStore, type Enforcer, type SessionStore } from "../runtime/index.js";
import type { Bundle, Decision, SessionEvent } from "../runtime/types.js";
import {
  PromptListChangedNotificationSchema, ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { UriTemplate } from "@modelcontextprotocol/sdk/shared/uriTemplate.js";
import type { ApprovalStore, Roster } from "./approvals/types.js";
import { ApprovalClerk } from "./approvals/clerk.js";
import { systemUsers } from "./approvals/identity.js";
import { randomBytes } from "node:crypto";
import type { AlertRecord, AlertSink } from "./alerts.js";
import type { DecisionLog, SessionRecorder } from "./jsonl.js";
import type { Upstream } from "./upstream.js";
import { ProxySession, type SessionIdentity } from "./session.js";
import type { UserInfo } from "../runtime/types.js";
import { keepLines } from "../compiler/terminal-safe.js";
import type { ShellParser } from "../runtime/argv.js";
import { loadedShellParser } from "../compiler/shell/shell-parser.js";
import { tell, type ProxyObserver } from "./observer.js";
import { driftLine, ToolDrift } from "./tool-drift.js";
import { passServerMessages } from "./server-messages.js";

export interface GatewayOptions {
  readonly bundle: Bundle;
  readonly upstreams: readonly Upstream[];
  readonly approvals: ApprovalStore;
  /** How long a call waits for approval before it is denied (ms). */
  readonly approvalTimeoutMs?: number;
  readonly store?: SessionStore;
  readonly alerts?: AlertSink;
  readonly recorder?: SessionRecorder;
  readonly decisionLog?: DecisionLog;
  /** Tenant and agent facts put on every event (the agent's name defaults to the MCP client's name). */
  readonly identity?: SessionIdentity;
  /** Separator between integration and tool in exposed names when there are several upstreams. */
  readonly separator?: string;
  /** Operational messages (stderr in the CLI). */
  readonly log?: (message: string) => void;
  readonly now?: () => number;
  /** How often a waiting call polls the approval store (ms). */
  readonly approvalPollMs?: number;
  /** The proxy's side of approvals (holds the HMAC key); without it, a key for this process only. */
  readonly clerk?: ApprovalClerk;
  /** `strict` (default): a call whose recording or decision-log line cannot be written is blocked. */
  readonly audit?: "strict" | "best-effort";
  /** Splits shell lines (CLI calls, arguments marked `command`); default: the loaded `loadShellParser()`. */
  readonly shell?: ShellParser;
  /** Told about decisions, approvals, alerts and bundle loads (metrics). */
  readonly observer?: ProxyObserver;
}

export interface Route {
  readonly upstream: Upstream;
  readonly tool: string;
  readonly integration: string;
}

export class Gateway {
  readonly upstreams: readonly Upstream[];
  readonly store: SessionStore;
  readonly separator: string;
  /** Decides for every session; sessions are pinned to their revision by the enforcer itself. */
  readonly enforcer: Enforcer;
  readonly sessions = new Set<ProxySession>();
  readonly now: () => number;
  readonly clerk: ApprovalClerk;
  private readonly shell: ShellParser | undefined;
  /** Live tool definitions against the bundle's pins (tool-drift.ts). */
  readonly drift = new ToolDrift();
  /** What was reported already (one alert per tool and change, one per unreviewed agent name). */
  private readonly reported = new Set<string>();

  constructor(readonly o: GatewayOptions) {
    this.shell = o.shell ?? loadedShellParser();
    this.upstreams = o.upstreams;
    this.store = o.store ?? new MemoryStore();
    this.separator = o.separator ?? "__";
    this.now = o.now ?? Date.now;
    this.clerk = o.clerk ?? new ApprovalClerk(o.approvals, randomBytes(32), systemUsers(), this.now);
    const ids = new Set<string>();
    for (const u of o.upstreams) {
      if (ids.has(u.integration)) throw new Error(`two upstreams have the integration id "${u.integration}": name them with --upstream <id>=…`);
      ids.add(u.integration);
    }
    this.enforcer = createEnforcer(o.bundle, { store: this.store, now: this.now, shell: this.shell });
    for (const u of o.upstreams) {
      this.drift.observe(u.integration, u.tools);
      this.reportDrift(u, "at start");
      u.onToolsChanged = () => {
        this.drift.observe(u.integration, u.tools);
        this.reportDrift(u, "changed its tools");
        for (const s of this.sessions) s.toolsChanged();
      };
    }
    for (const u of o.upstreams) { this.passNotifications(u); passServerMessages(this, u); }
  }

  /** What differs in the live definition of an upstream tool from the bundle's pin (empty: nothing, or not an upstream tool). */
  toolChanges(bundle: Bundle, integration: string, tool: string): readonly string[] {
    const u = this.upstreams.find((x) => x.integration === integration);
    return u ? this.drift.changesFor(bundle, integration, u.tools, tool) : [];
  }

  /**
   * Reports an upstream's listing against the current bundle: stderr, a `tool_definitions` line in
   * the decision log, and an alert per changed or new tool (once per tool and change).
   */
  private reportDrift(u: Upstream, when: string): void {
    const r = this.drift.report(this.bundle, u.integration, u.tools);
    const line = driftLine(r, when);
    if (!line) return;
    this.log(line);
    const ts = new Date(this.now()).toISOString();
    this.o.decisionLog?.append({ type: "tool_definitions", ts, revision: this.revision, integration: u.integration, when, added: r.added, changed: r.changed, removed: r.removed });
    const alert = (key: string, tool: string, what: string, why: string) => {
      if (this.reported.has(key)) return;
      this.reported.add(key);
      const rec: AlertRecord = { what, why, policy: "pinned-definitions", effect: "Unreviewed", agent: null, tool, integration: u.integration, channel: null, session_id: "", call_id: null, revision: this.revision, ts };
      this.o.decisionLog?.append({ type: "alert", ...rec });
      this.o.alerts?.send(rec);
    };
    for (const c of r.changed) alert(`changed ${u.integration}.${c.tool} ${c.changes.join(",")}`, c.tool, `the definition of ${u.integration}.${c.tool} changed: ${c.changes.join(", ")}`, "it differs from the definition the bundle pinned (or the proxy first saw): it is Unreviewed until it is reviewed again and its catalog re-imported");
    // An upstream whose integration no catalog has is reported once at start (startup-check.ts), not tool by tool.
    const inCatalog = Object.prototype.hasOwnProperty.call(this.bundle.integrations, u.integration);
    if (inCatalog) for (const t of r.added) alert(`added ${u.integration}.${t}`, t, `new tool ${u.integration}.${t}`, "no catalog of the bundle has it: its operation is Unknown and it is Unreviewed");
  }

  /**
   * True the first time an agent name the bundle's reviews do not name is seen (it is then
   * reported). Only when the project reviews agents: without agent reviews every name is new.
   */
  unreviewedAgent(name: string, e: SessionEvent): boolean {
    const reviews = this.bundle.agent_reviews;
    if (!reviews || Object.prototype.hasOwnProperty.call(reviews, name) || this.reported.has(`agent ${name}`)) return false;
    this.reported.add(`agent ${name}`);
    const rec: AlertRecord = {
      what: `new agent ${JSON.stringify(name)}: the reviews file has never seen it`, why: `it is ${e.agent?.review_status ?? "Unreviewed"}; review it with policy agent review`,
      policy: "agent-reviews", effect: e.agent?.review_status ?? "Unreviewed", agent: name, tool: null, integration: null, channel: null,
      session_id: e.session_id ?? "", call_id: null, revision: this.revision, ts: new Date(this.now()).toISOString(),
    };
    this.log(`new agent ${JSON.stringify(name)} (session ${e.session_id ?? ""}): the reviews file has never seen it`);
    this.o.decisionLog?.append({ type: "alert", ...rec });
    this.o.alerts?.send(rec);
    return true;
  }

  /** Upstream notifications about resources and prompts go to the sessions they concern. */
  private passNotifications(u: Upstream): void {
    const c = u.client;
    c.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      for (const s of this.sessions) if (s.subscriptions.has(`${u.integration} ${n.params.uri}`)) s.server.sendResourceUpdated({ uri: n.params.uri }).catch(() => undefined);
    });
    c.setNotificationHandler(ResourceListChangedNotificationSchema, () => { for (const s of this.sessions) s.server.sendResourceListChanged().catch(() => undefined); });
    c.setNotificationHandler(PromptListChangedNotificationSchema, () => { for (const s of this.sessions) s.server.sendPromptListChanged().catch(() => undefined); });
  }

  get revision(): string {
    return this.enforcer.revision || this.o.bundle.revision;
  }

  get bundle(): Bundle {
    return this.enforcer.bundleAt() ?? this.o.bundle;
  }

  /** Loads a new bundle for new sessions; running sessions keep theirs. */
  load(bundle: Bundle): { changed: boolean; revision: string } {
    if (bundle.revision === this.revision) return { changed: false, revision: bundle.revision };
    if (!this.enforcer.load(bundle)) {
      this.log(`bundle revision ${bundle.revision} rejected: keeping revision ${this.revision}`);
      tell(this.o.observer, "bundleRefused", `bundle revision ${bundle.revision} rejected`);
      return { changed: false, revision: this.revision };
    }
    this.log(`loaded bundle revision ${bundle.revision} (${bundle.policies.length} policies); running sessions keep their revision`);
    tell(this.o.observer, "bundleLoaded", bundle.revision);
    this.o.decisionLog?.append({ type: "bundle_loaded", ts: new Date(this.now()).toISOString(), revision: bundle.revision, policies: bundle.policies.length });
    for (const u of this.upstreams) this.reportDrift(u, `against revision ${bundle.revision}`);
    return { changed: true, revision: bundle.revision };
  }

  /** The events' tenant and session id of a proxy session (what the enforcer pins). */
  private sessionKey(sessionId: string): { tenant?: string; session_id: string } {
    const tenant = this.o.identity?.tenant;
    return { ...(tenant ? { tenant } : {}), session_id: sessionId };
  }

  /** Pins a new session to the current revision (until `unpin`). */
  pin(sessionId: string): { revision: string; bundle: Bundle } {
    const revision = this.enforcer.openSession(this.sessionKey(sessionId)) || this.revision;
    return { revision, bundle: this.enforcer.bundleAt(revision) ?? this.o.bundle };
  }

  unpin(sessionId: string): void {
    this.enforcer.closeSession(this.sessionKey(sessionId));
  }

  /** The name an agent sees for an upstream tool. */
  exposedName(u: Upstream, tool: string): string {
    return this.upstreams.length === 1 ? tool : `${u.integration}${this.separator}${tool}`;
  }

  /** Every upstream tool with the name the agent sees. */
  allTools(): { tool: Tool; upstream: Upstream; exposed: string }[] {
    return this.upstreams.flatMap((u) => u.tools.map((t) => ({ tool: t, upstream: u, exposed: this.exposedName(u, t.name) })));
  }

  /** Which upstream and tool an exposed name stands for; `integration` is set even for unknown tools when it can be told. */
  route(name: string): Route | { readonly integration?: string; readonly tool: string; readonly unknown: true } {
    if (this.upstreams.length === 1) {
      const u = this.upstreams[0]!;
      return u.has(name) ? { upstream: u, tool: name, integration: u.integration } : { integration: u.integration, tool: name, unknown: true };
    }
    const i = name.indexOf(this.separator);
    if (i > 0) {
      const integ = name.slice(0, i);
      const tool = name.slice(i + this.separator.length);
      const u = this.upstreams.find((x) => x.integration === integ);
      if (u) return u.has(tool) ? { upstream: u, tool, integration: integ } : { integration: integ, tool, unknown: true };
    }
    return { tool: name, unknown: true };
  }

  /** The upstreams that offer a capability (`resources`, `prompts`, `completions`). */
  offering(cap: "resources" | "prompts" | "completions"): Upstream[] {
    return this.upstreams.filter((u) => u.client.getServerCapabilities()?.[cap] !== undefined);
  }

  /** Which upstream a prompt's exposed name stands for, and its name there. */
  routePrompt(name: string): { upstream: Upstream; name: string } | undefined {
    const ups = this.offering("prompts");
    if (this.upstreams.length === 1) return ups[0] ? { upstream: ups[0], name } : undefined;
    const i = name.indexOf(this.separator);
    const u = i > 0 ? ups.find((x) => x.integration === name.slice(0, i)) : undefined;
    return u ? { upstream: u, name: name.slice(i + this.separator.length) } : undefined;
  }

  /** URIs and URI templates seen in the upstreams' resource lists (for routing with several upstreams). */
  private readonly uris = new Map<string, Upstream>();
  private templates: { template: UriTemplate; upstream: Upstream }[] = [];

  /** Notes where the resources of a listing live. */
  noteResources(u: Upstream, resources: readonly { uri: string }[], templates: readonly { uriTemplate: string }[] = []): void {
    for (const r of resources) this.uris.set(r.uri, u);
    for (const t of templates) {
      if (this.templates.some((x) => x.upstream === u && x.template.toString() === t.uriTemplate)) continue;
      try { this.templates.push({ template: new UriTemplate(t.uriTemplate), upstream: u }); } catch { /* a template the SDK cannot parse routes nothing */ }
    }
  }

  /**
   * Which upstream serves a resource URI: the only one with resources, else the one that listed it
   * or has a template matching it (the lists are fetched again when neither is known yet).
   */
  async routeUri(uri: string): Promise<Upstream | undefined> {
    const ups = this.offering("resources");
    if (ups.length <= 1) return ups[0];
    const known = () => this.uris.get(uri) ?? this.templates.find((t) => { try { return t.template.match(uri) !== null; } catch { return false; } })?.upstream;
    const hit = known();
    if (hit) return hit;
    for (const u of ups) {
      const [resources, templates] = await Promise.all([u.listAll("resources/list"), u.listAll("resources/templates/list")]);
      this.noteResources(u, resources as { uri: string }[], templates as { uriTemplate: string }[]);
    }
    return known();
  }

  private readonly subscribers = new Map<string, Set<ProxySession>>();

  /** Counts a session's subscription; true when the upstream must be asked (the first subscriber). */
  subscribe(u: Upstream, uri: string, s: ProxySession): boolean {
    const key = `${u.integration} ${uri}`;
    let set = this.subscribers.get(key);
    if (!set) this.subscribers.set(key, (set = new Set()));
    s.subscriptions.add(key);
    set.add(s);
    return set.size === 1;
  }

  /** Removes a session's subscription; true when the upstream must be told (no subscriber left). */
  unsubscribe(u: Upstream, uri: string, s: ProxySession): boolean {
    const key = `${u.integration} ${uri}`;
    const set = this.subscribers.get(key);
    s.subscriptions.delete(key);
    if (!set || !set.delete(s)) return false;
    if (set.size) return false;
    this.subscribers.delete(key);
    return true;
  }

  /** A new agent connection. Connect its `server` to a transport. */
  createSession(opts: { sessionId?: string; user?: UserInfo } = {}): ProxySession {
    const s = new ProxySession(this, opts.sessionId, opts.user);
    this.sessions.add(s);
    return s;
  }

  closed(s: ProxySession): void {
    if (!this.sessions.delete(s)) return;
    this.unpin(s.id);
    this.o.recorder?.forget(s.id);
    for (const key of [...s.subscriptions]) {
      const sp = key.indexOf(" ");
      const u = this.upstreams.find((x) => x.integration === key.slice(0, sp));
      if (u && this.unsubscribe(u, key.slice(sp + 1), s)) u.client.unsubscribeResource({ uri: key.slice(sp + 1) }).catch(() => undefined);
    }
  }

  /** Operational messages; control and bidi characters are escaped whatever the caller passed. */
  log(message: string): void {
    this.o.log?.(keepLines(message));
  }

  /** Records an event; returns the write error, if any (the caller reports it through `auditFailure`). */
  record(e: SessionEvent): string | undefined {
    return this.o.recorder?.append(e);
  }

  /** Who may approve, per role, in the bundle a session is pinned to. */
  rosterOf(revision: string): Roster {
    return (this.enforcer.bundleAt(revision) ?? this.o.bundle).approvers ?? {};
  }

  /**
   * An audit write failed: stderr, the decision log (if it can still be written) and an alert
   * name the failure. True when the call must be blocked (`audit` is not `best-effort`);
   * `before` is false for a write after the call was made (a response), which nothing can undo.
   */
  auditFailure(what: string, error: string, e: SessionEvent, before = true): boolean {
    const strict = this.o.audit !== "best-effort";
    this.log(`audit trail failure: ${what}: ${error}${!before ? "" : strict ? "; the call is blocked (--audit best-effort lets calls through)" : ""}`);
    const rec: AlertRecord = {
      what: `audit trail failure: ${what}`, why: `${error}; ${strict ? "calls are blocked until it can be written" : "calls go on unaudited (--audit best-effort)"}`,
      policy: "audit", effect: strict ? "block" : "allow", agent: e.agent?.name ?? null, tool: e.call?.tool ?? null, integration: e.call?.integration ?? null,
      channel: null, session_id: e.session_id ?? "", call_id: e.call?.id ?? null, revision: this.revision, ts: new Date(this.now()).toISOString(),
    };
    this.o.decisionLog?.append({ type: "audit_failed", ...rec });
    this.o.alerts?.send(rec);
    return strict;
  }

  /** Alerts of a decision go to the webhook (in the background) and to the decision log. */
  alert(d: Decision, e: SessionEvent): void {
    for (const a of d.alerts) {
      const rec: AlertRecord = {
        what: a.message,
        why: d.policy && d.policy.id === a.policy ? `policy "${d.policy.name}" (${d.effect}): ${d.reason}` : `policy "${a.policy}" matched; the call was ${d.effect === "allow" ? "allowed" : d.effect === "block" ? "blocked" : "held for approval"} (${d.reason})`,
        policy: a.policy, effect: d.effect,
        agent: a.agent ?? e.agent?.name ?? null, tool: a.tool ?? null, integration: a.integration ?? null, channel: a.to,
        session_id: e.session_id ?? "", call_id: e.call?.id ?? null, revision: d.revision, ts: e.ts ?? new Date(this.now()).toISOString(),
      };
      this.o.decisionLog?.append({ type: "alert", ...rec });
      this.o.alerts?.send(rec);
    }
  }

  async close(): Promise<void> {
    // Every held call is answered (isError) before the sessions close.
    await Promise.all([...this.sessions].map((s) => s.shutdown()));
    for (const s of [...this.sessions]) await s.close();
    await this.o.alerts?.flush(5000);
    for (const u of this.upstreams) await u.close();
  }
}
