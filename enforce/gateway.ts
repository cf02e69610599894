/**
 * The enforcement point's shared part: the upstreams and their tools, one enforcer per bundle
 * revision (all sharing one session store), approvals, alerts, recording and the decision log.
 * Each agent connection is a `ProxySession` (session.ts) created here; a session stays on the
 * revision that was current when it started, also across hot reloads.
 */
import { createEnforcer, MemoryStore, type Enforcer, type SessionStore } from "../runtime/index.js";
import type { Bundle, Decision, SessionEvent } from "../runtime/types.js";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { ApprovalStore } from "./approvals/types.js";
import type { AlertRecord, AlertSink } from "./alerts.js";
import type { DecisionLog, SessionRecorder } from "./jsonl.js";
import type { Upstream } from "./upstream.js";
import { ProxySession, type SessionIdentity } from "./session.js";
import type { ShellParser } from "../runtime/argv.js";
import { loadedShellParser } from "../compiler/shell/shell-parser.js";

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
  /** Splits shell lines (CLI calls, arguments marked `command`); default: the loaded `loadShellParser()`. */
  readonly shell?: ShellParser;
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
  private current: { revision: string; enforcer: Enforcer; bundle: Bundle };
  private readonly byRevision = new Map<string, { enforcer: Enforcer; bundle: Bundle; sessions: number }>();
  readonly sessions = new Set<ProxySession>();
  readonly now: () => number;
  private readonly shell: ShellParser | undefined;

  constructor(readonly o: GatewayOptions) {
    this.shell = o.shell ?? loadedShellParser();
    this.upstreams = o.upstreams;
    this.store = o.store ?? new MemoryStore();
    this.separator = o.separator ?? "__";
    this.now = o.now ?? Date.now;
    const ids = new Set<string>();
    for (const u of o.upstreams) {
      if (ids.has(u.integration)) throw new Error(`two upstreams have the integration id "${u.integration}": name them with --upstream <id>=…`);
      ids.add(u.integration);
    }
    this.current = this.make(o.bundle);
    for (const u of o.upstreams) u.onToolsChanged = () => { for (const s of this.sessions) s.toolsChanged(); };
  }

  private make(bundle: Bundle) {
    const enforcer = createEnforcer(bundle, { store: this.store, now: this.now, shell: this.shell });
    const entry = { enforcer, bundle, sessions: 0 };
    this.byRevision.set(bundle.revision, entry);
    return { revision: bundle.revision, enforcer, bundle };
  }

  get revision(): string {
    return this.current.revision;
  }

  get bundle(): Bundle {
    return this.current.bundle;
  }

  /** Loads a new bundle for new sessions; running sessions keep theirs. */
  load(bundle: Bundle): { changed: boolean; revision: string } {
    if (bundle.revision === this.current.revision) return { changed: false, revision: bundle.revision };
    const old = this.byRevision.get(this.current.revision);
    if (old && old.sessions === 0) this.byRevision.delete(this.current.revision);
    this.current = this.byRevision.has(bundle.revision)
      ? { revision: bundle.revision, ...this.byRevision.get(bundle.revision)! }
      : this.make(bundle);
    this.log(`loaded bundle revision ${bundle.revision} (${bundle.policies.length} policies); running sessions keep their revision`);
    this.o.decisionLog?.append({ type: "bundle_loaded", ts: new Date(this.now()).toISOString(), revision: bundle.revision, policies: bundle.policies.length });
    return { changed: true, revision: bundle.revision };
  }

  /** Pins a new session to the current revision. */
  pin(): { revision: string; enforcer: Enforcer } {
    const e = this.byRevision.get(this.current.revision)!;
    e.sessions++;
    return { revision: this.current.revision, enforcer: e.enforcer };
  }

  unpin(revision: string): void {
    const e = this.byRevision.get(revision);
    if (!e) return;
    e.sessions--;
    if (e.sessions <= 0 && revision !== this.current.revision) this.byRevision.delete(revision);
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

  /** A new agent connection. Connect its `server` to a transport. */
  createSession(opts: { sessionId?: string } = {}): ProxySession {
    const s = new ProxySession(this, opts.sessionId);
    this.sessions.add(s);
    return s;
  }

  closed(s: ProxySession): void {
    if (this.sessions.delete(s)) this.unpin(s.revision);
  }

  log(message: string): void {
    this.o.log?.(message);
  }

  record(e: SessionEvent): void {
    const err = this.o.recorder?.append(e);
    if (err) this.log(`cannot record session ${e.session_id}: ${err}`);
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
    for (const s of [...this.sessions]) await s.close();
    await this.o.alerts?.flush(5000);
    for (const u of this.upstreams) await u.close();
  }
}
