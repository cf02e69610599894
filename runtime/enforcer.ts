/**
 * The enforcer: a bundle (or several, for sessions pinned to older revisions), a session store,
 * and `decide` / `observe` / `visibleTools`.
 * INVARIANT: nothing here throws into the caller; any fault is a `block` with a reason.
 */
import type { Bundle, BundlePolicy, Decision, SessionEvent } from "./types.js";
import { eventProblem, resolveCall, type ResolvedCall } from "./event.js";
import { evaluate, lookback, needsState, type EvalContext } from "./evaluate.js";
import { compileDetectors, type Detector } from "./detectors.js";
import { MemoryStore, type SessionStore, type StateSnapshot, type StateQuery } from "./store.js";
import { staticEval } from "./static-eval.js";

export interface EnforcerOptions {
  /** Session state; the in-memory store by default. */
  readonly store?: SessionStore;
  /** The clock for events without a `ts` (ms since the epoch). */
  readonly now?: () => number;
}

interface Compiled {
  readonly bundle: Bundle;
  readonly detectors: readonly Detector[];
  readonly stateful: boolean;
  readonly lookback: number;
}

function compile(b: Bundle): Compiled {
  if (!b || b.format !== "policy-bundle/1" || !Array.isArray(b.policies) || !b.index || !b.tools) throw new Error("not a policy-bundle/1 document");
  const all = (b.policies as readonly BundlePolicy[]).flatMap((p) => p.ifs.map((i) => i.expr));
  return {
    bundle: b,
    detectors: compileDetectors(b.detectors ?? []),
    stateful: all.some(needsState),
    lookback: Math.max(0, ...all.map(lookback)),
  };
}

const own = Object.prototype.hasOwnProperty;

function blockDecision(reason: string, revision: string): Decision {
  return { effect: "block", policy: null, reason, matched: [], alerts: [], sanitize: [], approvers: [], hidden: false, revision };
}

function inScope(p: BundlePolicy, e: SessionEvent): boolean {
  const s = p.scope;
  if (s[0] === "platform" || s.length === 1) return true;
  if (s[0] === "tenant") return e.tenant === s[1];
  return e.agent?.name === s[1];
}

export class Enforcer {
  private current: Compiled | undefined;
  private loadError: string | undefined;
  private readonly byRevision = new Map<string, Compiled>();
  private readonly pins = new Map<string, string>();
  private readonly callKeys = new Map<string, { key: string; labels: readonly string[] }>();
  readonly store: SessionStore;
  private readonly now: () => number;

  constructor(bundle: unknown, opts: EnforcerOptions = {}) {
    this.store = opts.store ?? new MemoryStore();
    this.now = opts.now ?? Date.now;
    this.load(bundle);
  }

  /** Loads a new bundle; sessions already running keep the revision they started with. */
  load(bundle: unknown): boolean {
    try {
      const c = compile(bundle as Bundle);
      this.current = c;
      this.loadError = undefined;
      this.byRevision.set(c.bundle.revision, c);
      return true;
    } catch (e) {
      if (!this.current) this.loadError = `bundle rejected: ${(e as Error).message}`;
      return false;
    }
  }

  get revision(): string {
    return this.current?.bundle.revision ?? "";
  }

  private pinned(sessionKey: string): Compiled {
    const cur = this.current!;
    if (this.byRevision.size === 1) return cur;
    const r = this.pins.get(sessionKey);
    if (r === undefined) {
      if (this.pins.size > 100_000) this.pins.clear();
      this.pins.set(sessionKey, cur.bundle.revision);
      return cur;
    }
    return this.byRevision.get(r) ?? cur;
  }

  /** Decides a `tool_call_request` or `agent_discovered` event. Synchronous stores only. */
  decide(event: unknown): Decision {
    try {
      if (!this.store.sync) return blockDecision("this store is asynchronous: call decideAsync()", this.revision);
      const r = this.prepare(event);
      if ("decision" in r) return r.decision;
      const state = r.query ? (this.store.begin(r.query) as StateSnapshot) : undefined;
      const d = this.run(r, state);
      if (r.query) this.store.finish(this.update(r, d));
      return d;
    } catch (e) {
      return blockDecision(`internal error: ${(e as Error)?.message ?? String(e)}`, this.revision);
    }
  }

  /** Decides with any store (sync or async); a store failure blocks. */
  async decideAsync(event: unknown): Promise<Decision> {
    let r: ReturnType<Enforcer["prepare"]>;
    try {
      r = this.prepare(event);
      if ("decision" in r) return r.decision;
    } catch (e) {
      return blockDecision(`internal error: ${(e as Error)?.message ?? String(e)}`, this.revision);
    }
    let state: StateSnapshot | undefined;
    try {
      if (r.query) state = await this.store.begin(r.query);
    } catch (e) {
      return blockDecision(`session store unavailable: ${(e as Error)?.message ?? String(e)}`, r.c.bundle.revision);
    }
    try {
      const d = this.run(r, state);
      if (r.query) await this.store.finish(this.update(r, d));
      return d;
    } catch (e) {
      return blockDecision(`internal error: ${(e as Error)?.message ?? String(e)}`, r.c.bundle.revision);
    }
  }

  private prepare(event: unknown):
    | { decision: Decision }
    | { c: Compiled; e: SessionEvent; call: ResolvedCall | undefined; now: number; sessionKey: string; agentKey: string; query: StateQuery | undefined } {
    if (!this.current) return { decision: blockDecision(this.loadError ?? "no bundle loaded", "") };
    const problem = eventProblem(event);
    if (problem) return { decision: blockDecision(`invalid event: ${problem}`, this.current.bundle.revision) };
    const e = event as SessionEvent;
    if (e.type !== "tool_call_request" && e.type !== "agent_discovered") {
      return { decision: blockDecision(`decide() takes tool_call_request and agent_discovered events, not ${e.type} (use observe())`, this.current.bundle.revision) };
    }
    const sessionKey = `${e.tenant ?? ""}\u0000${e.session_id ?? ""}`;
    const c = this.pinned(sessionKey);
    const parsed = e.ts ? Date.parse(e.ts) : NaN;
    const now = Number.isFinite(parsed) ? parsed : this.now();
    const call = e.type === "tool_call_request" ? resolveCall(c.bundle, e.call!) : undefined;
    const agentKey = `${e.tenant ?? ""}\u0000${e.agent?.id ?? e.agent?.name ?? ""}`;
    let query: StateQuery | undefined;
    if (c.stateful && call) {
      const res = call.resource ? call.args[call.resource] : undefined;
      query = {
        session: sessionKey,
        agent: agentKey,
        call: { ts: now, key: call.key, op: call.operation },
        since: now - c.lookback,
        ...(res !== undefined && res !== null ? { resource: `${call.integration}:${typeof res === "string" ? res : JSON.stringify(res)}` } : {}),
        day: new Date(now).toISOString().slice(0, 10),
        revision: c.bundle.revision,
      };
    }
    return { c, e, call, now, sessionKey, agentKey, query };
  }

  private update(r: { sessionKey: string; call: ResolvedCall | undefined; now: number; e: SessionEvent }, d: Decision) {
    const through = d.effect !== "block" && r.call;
    if (r.call && r.e.call?.id) this.rememberCall(r.sessionKey, r.e.call.id, r.call);
    return { session: r.sessionKey, labels: through ? r.call!.labels : [], called: through ? [r.call!.key] : [], lastTs: r.now };
  }

  private rememberCall(sessionKey: string, id: string, call: ResolvedCall): void {
    if (this.callKeys.size > 100_000) this.callKeys.clear();
    this.callKeys.set(`${sessionKey}\u0000${id}`, { key: call.key, labels: call.labels });
  }

  private run(r: { c: Compiled; e: SessionEvent; call: ResolvedCall | undefined; now: number }, state: StateSnapshot | undefined): Decision {
    const { c, e, call } = r;
    const b = c.bundle;
    const ix = b.index;
    let entries: readonly number[];
    if (!call) entries = ix.agent_discovered;
    else if (call.known) entries = own.call(ix.tool_call.tools, call.key) ? ix.tool_call.tools[call.key]! : [];
    else if (own.call(ix.tool_call.integrations, call.integration)) entries = ix.tool_call.integrations[call.integration]!;
    else entries = own.call(b.integrations, call.integration) ? [] : ix.tool_call.other;
    const ctx: EvalContext = { bundle: b, call, agentName: e.agent?.name, review: e.agent?.review_status, detectors: c.detectors, now: r.now, state };
    const matched: BundlePolicy[] = [];
    for (const entry of entries) {
      const p = b.policies[entry >> 1]!;
      if (!inScope(p, e)) continue;
      let ok = true;
      if (entry & 1) {
        for (const i of p.ifs) if (!evaluate(i.expr, ctx)) { ok = false; break; }
      } else {
        for (const n of p.residual) if (!evaluate(p.ifs[n]!.expr, ctx)) { ok = false; break; }
      }
      if (ok) matched.push(p);
    }
    return decisionOf(b, matched, call, e);
  }

  /** Records a response or message: cost (spend) and the labels of the call it answers. */
  observe(event: unknown): { ok: boolean; note?: string } | Promise<{ ok: boolean; note?: string }> {
    try {
      const problem = eventProblem(event);
      if (problem) return { ok: false, note: `invalid event: ${problem}` };
      const e = event as SessionEvent;
      if (e.type !== "tool_call_response") return { ok: true };
      const sessionKey = `${e.tenant ?? ""}\u0000${e.session_id ?? ""}`;
      const known = e.call_id ? this.callKeys.get(`${sessionKey}\u0000${e.call_id}`) : undefined;
      const notes: string[] = [];
      if (e.call_id && !known) notes.push(`response for unknown call id ${JSON.stringify(e.call_id)}: no labels recorded`);
      const work: (void | Promise<void>)[] = [];
      const parsed = e.ts ? Date.parse(e.ts) : NaN;
      const now = Number.isFinite(parsed) ? parsed : this.now();
      if (e.cost && e.cost.amount !== 0) {
        const currency = e.cost.currency.toUpperCase();
        if (!/^[A-Z]{3}$/.test(currency)) notes.push(`cost in unknown currency ${JSON.stringify(e.cost.currency)} ignored`);
        else work.push(this.store.addSpend({ agent: `${e.tenant ?? ""}\u0000${e.agent?.id ?? e.agent?.name ?? ""}`, day: new Date(now).toISOString().slice(0, 10), currency, amount: e.cost.amount }));
      }
      const note = notes.length ? notes.join("; ") : undefined;
      const result = note ? { ok: true, note } : { ok: true };
      if (work.some((w) => w instanceof Promise)) return Promise.all(work).then(() => result, (err: Error) => ({ ok: false, note: `session store unavailable: ${err.message}` }));
      return result;
    } catch (err) {
      return { ok: false, note: `internal error: ${(err as Error)?.message}` };
    }
  }

  /** The tools an agent may see: those no `hide` policy removes for it. */
  visibleTools<T extends string | { name: string; integration?: string }>(agent: { name?: string; review_status?: string; tenant?: string }, tools: readonly T[], integration?: string): T[] {
    try {
      const c = this.current;
      if (!c) return [];
      const hides = c.bundle.policies.filter((p) => p.effect === "hide" && p.trigger === "tool_call" && inScope(p, { type: "tool_call_request", ...(agent.tenant ? { tenant: agent.tenant } : {}), agent: { ...(agent.name ? { name: agent.name } : {}) } }));
      if (!hides.length) return [...tools];
      return tools.filter((t) => {
        const raw = typeof t === "string" ? t : t.integration ? `${t.integration}.${t.name}` : t.name;
        const dot = raw.indexOf(".");
        const integ = (dot > 0 ? raw.slice(0, dot) : integration ?? "").toLowerCase();
        const name = (dot > 0 ? raw.slice(dot + 1) : raw).toLowerCase();
        const call = resolveCall(c.bundle, { type: "mcp", integration: integ, tool: name });
        const facts = { integration: call.integration, name: call.name, operation: call.operation, labels: call.labels, method: call.method, category: call.category, verbs: call.verbs };
        return !hides.some((p) => p.ifs.every((i) => staticEval(i.expr, facts, agent) === true));
      });
    } catch {
      return [];
    }
  }
}

function defaultText(e: string): string {
  return e === "allow" ? "allowed" : e === "block" ? "blocked" : "requires approval";
}

/** SPEC §5: obligations from every match; block wins; else lowest priority, approval beats allow on a tie; else the default. */
export function decisionOf(b: Bundle, matched: readonly BundlePolicy[], call: ResolvedCall | undefined, e: SessionEvent): Decision {
  const alerts: Decision["alerts"] = [];
  const sanitize: Decision["sanitize"] = [];
  let blocker: BundlePolicy | undefined;
  let chosen: BundlePolicy | undefined;
  let hidden = false;
  for (const p of matched) {
    for (const a of p.alerts ?? []) {
      alerts.push({
        policy: p.id,
        message: a.message ?? `${p.name}: ${e.agent?.name ?? "an agent"} ${call ? `called ${call.integration}.${call.display}` : "was discovered"}`,
        to: a.to ?? null,
        agent: e.agent?.name ?? null,
        tool: call ? `${call.integration}.${call.display}` : null,
        integration: call?.integration ?? null,
      });
    }
    if (p.sanitize?.length) sanitize.push({ policy: p.id, fields: [...p.sanitize] });
    if (p.effect === "block" || p.effect === "hide") {
      if (p.effect === "hide") hidden = true;
      blocker ??= p;
    } else if (p.effect) {
      if (!chosen) chosen = p;
      else if (chosen.effect === "allow" && p.effect === "require_approval" && p.priority === chosen.priority) chosen = p;
    }
  }
  const decider = blocker ?? chosen;
  const base = {
    matched: matched.map((p) => ({ id: p.id, name: p.name })),
    alerts, sanitize, hidden, revision: b.revision,
    tool: call ? `${call.integration}.${call.display}` : null,
    ...(call ? { operation: call.operation } : {}),
  };
  if (decider) {
    const effect = decider.effect === "hide" ? "block" : (decider.effect as Decision["effect"]);
    const reason = decider.reason ?? (decider.effect === "hide" ? `${call ? `${call.integration}.${call.display}` : "this tool"} is not available to this agent (policy "${decider.name}")` : `${defaultText(effect)} by policy "${decider.name}"`);
    return { effect, policy: { id: decider.id, name: decider.name, file: decider.file, line: decider.line }, reason, approvers: effect === "require_approval" ? [...(decider.approvers ?? [])] : [], ...base };
  }
  if (!call) return { effect: "allow", policy: null, reason: "no policy matched; agent_discovered events are allowed by default", approvers: [], ...base };
  const d = b.default;
  const effect = d ? d[call.operation] : "allow";
  const reason = !d ? "no policy matched; allowed by default" : d.form === "single" ? `no policy matched; default ${effect}` : `no policy matched; default by operation: ${call.operation} → ${effect}`;
  return { effect, policy: null, reason, approvers: [], ...base };
}
