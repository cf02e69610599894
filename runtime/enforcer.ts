/**
 * The enforcer: a bundle (or several, for sessions pinned to older revisions), a session store,
 * and `decide` / `observe` / `visibleTools`.
 * INVARIANT: nothing here throws into the caller; any fault is a `block` with a reason.
 */
import type { Bundle, BundlePolicy, CExpr, Decision, SessionEvent, UserInfo } from "./types.js";
import { callTypeOf, commandArgs, eventProblem, mcpInfo, parseTs, resolveCall, resolveCommands, withArgs, type ResolvedCall, type ToolInfo } from "./event.js";
import type { ShellParser } from "./argv.js";
import { strictest, withUnknownReason } from "./combine.js";
import { callFacts, countersOf, evaluate, lookback, needsState, resourceKey, type EvalContext } from "./evaluate.js";
import { compileDetectors, type Detector } from "./detectors.js";
import { MemoryStore, toMicros, type CountQuery, type ResponseResult, type ResponseUpdate, type SessionStore, type StateSnapshot, type StateQuery, type StateUpdate } from "./store.js";
import { reviewOf, staticEval, toolReviewOf } from "./static-eval.js";
import { decide, decideBucket, metaOf } from "./fast.js";
import { bundleProblem } from "./bundle-check.js";
import { canonicalArgs } from "./canonical-args.js";
import type { PathContext } from "./canonical-path.js";

export interface EnforcerOptions {
  /**
   * Session state; a private in-memory store by default. A store passed in is treated as shared
   * (several enforcers, replicas): every tool call goes through it, so that all agree on the
   * revision each session is pinned to.
   */
  readonly store?: SessionStore;
  /** The clock for events without a `ts` (ms since the epoch). */
  readonly now?: () => number;
  /**
   * `decideAsync` / `observe`: how long to wait for the store (each of `begin` and `finish`) before
   * blocking with "session store timed out". No timeout when absent.
   */
  readonly storeTimeoutMs?: number;
  /**
   * Debugging (`policy explain`, test traces): called after each decision of `decide` /
   * `decideAsync` that got past event validation, with the state snapshot and clamped time it was
   * evaluated with (`state` is undefined when the store was not consulted). Absent: nothing is
   * kept or called. A hook that throws is ignored.
   */
  readonly trace?: (t: DecisionTrace) => void;
  /**
   * Splits a shell line (`sh -c '…'`, a string `call.command`, an MCP argument the catalog marks
   * `command`) into its simple commands. The runtime ships none (it has no dependencies): our hosts
   * inject the parser of `policy-toolchain` (`loadShellParser()`). Absent: every shell line is an
   * unknown command, decided by the default for `Unknown`.
   */
  readonly shell?: ShellParser;
}

/** What `EnforcerOptions.trace` receives. */
export interface DecisionTrace {
  readonly event: SessionEvent;
  readonly decision: Decision;
  readonly state: StateSnapshot | undefined;
  /** The event time after clamping (ms). */
  readonly now: number;
  /** The revision that decided (the session's pinned one). */
  readonly revision: string;
}

/** Rejects when `p` does not settle within `ms` (no timer when `ms` is absent). */
function within<T>(p: T | Promise<T>, ms: number | undefined): T | Promise<T> {
  if (ms === undefined || !(p instanceof Promise)) return p;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`session store timed out after ${ms} ms`)), ms); });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

interface Compiled {
  readonly bundle: Bundle;
  readonly detectors: readonly Detector[];
  readonly stateful: boolean;
  readonly lookback: number;
  /** `rate` / `burst` counters (id → filter) and the counts to read. */
  readonly filters: ReadonlyMap<string, CExpr | undefined>;
  readonly counts: ReadonlyMap<string, CountQuery>;
  /** MCP calls resolved so far (bounded): raw integration → raw tool → facts and decision-table entries. */
  readonly calls: { n: number; readonly m: Map<string, Map<string, Slot>> };
}

interface Slot { readonly info: ToolInfo; readonly entries: readonly number[] }

const EMPTY: readonly number[] = [];
const MAX_CALLS = 10_000;

/** The decision-table entries for a call (SPEC §8: a hash lookup, then residual checks). */
function entriesOf(b: Bundle, call: ToolInfo | undefined): readonly number[] {
  const ix = b.index;
  if (!call) return ix.agent_discovered;
  if (call.known) return own.call(ix.tool_call.tools, call.key) ? ix.tool_call.tools[call.key]! : EMPTY;
  if (own.call(ix.tool_call.integrations, call.integration)) return ix.tool_call.integrations[call.integration]!;
  return own.call(b.integrations, call.integration) ? EMPTY : ix.tool_call.other;
}

/** An MCP call resolved through the per-bundle cache. */
function slotOf(c: Compiled, integration: string, tool: string): Slot {
  const calls = c.calls;
  let m = calls.m.get(integration);
  let s = m?.get(tool);
  if (s) return s;
  const info = mcpInfo(c.bundle, integration, tool);
  s = { info, entries: entriesOf(c.bundle, info) };
  if (++calls.n > MAX_CALLS) { calls.m.clear(); calls.n = 1; m = undefined; }
  if (!m) calls.m.set(integration, (m = new Map()));
  m.set(tool, s);
  return s;
}

function compile(b: Bundle): Compiled {
  const problem = bundleProblem(b);
  if (problem) throw new Error(problem);
  const all = (b.policies as readonly BundlePolicy[]).flatMap((p) => p.ifs.map((i) => i.expr));
  return {
    bundle: b,
    detectors: compileDetectors(b.detectors ?? []),
    stateful: all.some(needsState),
    lookback: all.reduce((m, e) => Math.max(m, lookback(e)), 0),
    ...counters(all),
    calls: { n: 0, m: new Map() },
  };
}

const own = Object.prototype.hasOwnProperty;

function counters(exprs: readonly CExpr[]): { filters: Map<string, CExpr | undefined>; counts: Map<string, CountQuery> } {
  const into = { filters: new Map<string, CExpr | undefined>(), counts: new Map<string, CountQuery>() };
  for (const e of exprs) countersOf(e, into);
  return into;
}

function blockDecision(reason: string, revision: string): Decision {
  return { effect: "block", policy: null, reason, matched: [], alerts: [], sanitize: [], approvers: [], hidden: false, revision };
}

const sameWords = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((w, i) => w === b[i]);

/** Session state is per tenant and session id. */
function sessionKeyOf(e: SessionEvent): string {
  return `${e.tenant ?? ""}\u0000${e.session_id ?? ""}`;
}

/** Agent state (rate, burst, resources, spend) is per tenant and agent id (or name). */
function agentKeyOf(e: SessionEvent): string {
  return `${e.tenant ?? ""}\u0000${e.agent?.id ?? e.agent?.name ?? ""}`;
}

/** The event's `ts`, or the enforcer's clock when it has none. */
function eventTime(e: SessionEvent, now: () => number): number {
  const parsed = e.ts ? parseTs(e.ts) : NaN;
  return Number.isFinite(parsed) ? parsed : now();
}

/** The `call` a response may carry (same shape as in a request), when it is well-formed. */
function responseCall(e: SessionEvent): NonNullable<SessionEvent["call"]> | undefined {
  const c = e.call as unknown;
  if (typeof c !== "object" || c === null || Array.isArray(c)) return undefined;
  const o = c as Record<string, unknown>;
  if (typeof o["integration"] === "string" && typeof o["tool"] === "string") return { type: "mcp", integration: o["integration"], tool: o["tool"] };
  if (Array.isArray(o["command"]) && o["command"].length > 0 && o["command"].every((x) => typeof x === "string")) return { type: "cli", command: o["command"] as string[] };
  return undefined;
}

/** The folders path arguments of a call are read against (`call.root`, `call.home`). */
export function pathContextOf(call: SessionEvent["call"]): PathContext {
  if (!call || (call.root === undefined && call.home === undefined)) return NO_PATHS;
  return { ...(call.root !== undefined ? { root: call.root } : {}), ...(call.home !== undefined ? { home: call.home } : {}) };
}
const NO_PATHS: PathContext = {};

/**
 * The call with the arguments its catalog tool marks (paths, URLs) in canonical form; a string
 * when a marked path is ambiguous (the call is then blocked: fail closed).
 */
export function canonicalCall(call: ResolvedCall, ec: NonNullable<SessionEvent["call"]>): ResolvedCall | string {
  if (!call.argKinds || call.argv) return call;
  const r = canonicalArgs(call.args, call.argKinds, pathContextOf(ec));
  if (r.ambiguous) return `ambiguous path: ${r.ambiguous}; the server could read it in more than one way, so the call is blocked (write the path plainly)`;
  return r.changed ? { ...call, args: r.args } : call;
}

/** Is the policy in scope for the event (platform, tenant or agent)? */
export function inScope(p: BundlePolicy, e: SessionEvent): boolean {
  const s = p.scope;
  if (s[0] === "platform" || s.length === 1) return true;
  if (s[0] === "tenant") return e.tenant === s[1];
  return e.agent?.name === s[1];
}

const MAX_REVISIONS = 16;
const NO_NOTES: string[] = [];
const MAX_PINS = 100_000;

/** One part of a call decided on its own: a simple command, or the MCP call itself. */
interface Part { readonly call: ResolvedCall; readonly entries: readonly number[] }

type Prepared = {
  c: Compiled; e: SessionEvent; call: ResolvedCall | undefined; entries: readonly number[]; now: number; sessionKey: string; agentKey: string;
  /** Set when the call has several parts (or a command line that was normalised): each is decided, the strictest wins. */
  parts: readonly Part[] | undefined;
  query: StateQuery | undefined; notes: string[];
  /** Every string of the MCP arguments (collected by the event check); undefined for a command line. */
  strings: string[] | undefined;
};

export class Enforcer {
  private current: Compiled | undefined;
  private loadError: string | undefined;
  private readonly byRevision = new Map<string, Compiled>();
  /** Pinned sessions: tenant → session id → revision. */
  private readonly pins = new Map<string, Map<string, string>>();
  /** The pinned sessions in pinning order (a ring of MAX_PINS): the oldest is forgotten first. */
  private readonly pinTenants: string[] = [];
  private readonly pinSessions: string[] = [];
  private pinHead = 0;
  private stateful = false;
  private lookback = 0;
  private filters = new Map<string, CExpr | undefined>();
  private counts: CountQuery[] = [];
  /** A store passed in is shared (replicas): every tool call goes through it, for the revision pin. */
  private readonly shared: boolean;
  readonly store: SessionStore;
  private readonly now: () => number;
  private readonly storeTimeoutMs: number | undefined;
  private readonly trace: ((t: DecisionTrace) => void) | undefined;
  private readonly shell: ShellParser | undefined;

  constructor(bundle: unknown, opts: EnforcerOptions = {}) {
    this.shell = opts.shell;
    this.shared = opts.store !== undefined;
    this.store = opts.store ?? new MemoryStore();
    this.now = opts.now ?? Date.now;
    this.storeTimeoutMs = opts.storeTimeoutMs;
    this.trace = opts.trace;
    this.load(bundle);
  }

  /**
   * Loads a new bundle; sessions already running keep the revision they started with (in this
   * process, and across replicas through the store, which pins each session to a revision).
   */
  load(bundle: unknown): boolean {
    try {
      const c = compile(bundle as Bundle);
      this.current = c;
      this.loadError = undefined;
      this.byRevision.delete(c.bundle.revision);
      this.byRevision.set(c.bundle.revision, c);
      if (this.byRevision.size > MAX_REVISIONS) this.byRevision.delete(this.byRevision.keys().next().value!);
      const all = [...this.byRevision.values()];
      this.stateful = all.some((x) => x.stateful);
      this.lookback = Math.max(0, ...all.map((x) => x.lookback));
      this.filters = new Map(all.flatMap((x) => [...x.filters]));
      this.counts = [...new Map(all.flatMap((x) => [...x.counts])).values()];
      return true;
    } catch (e) {
      if (!this.current) this.loadError = `bundle rejected: ${(e as Error).message}`;
      return false;
    }
  }

  get revision(): string {
    return this.current?.bundle.revision ?? "";
  }

  /** The revision this process pinned the session to (the current one for a session it has not seen). */
  private pinned(e: SessionEvent): Compiled {
    const cur = this.current!;
    const r = this.pins.get(e.tenant ?? "")?.get(e.session_id ?? "");
    if (r === cur.bundle.revision) return cur;
    if (r !== undefined) {
      const c = this.byRevision.get(r);
      if (c) return c;
    }
    this.pin(e, cur.bundle.revision);
    return cur;
  }

  private pin(e: SessionEvent, revision: string): void {
    const tenant = e.tenant ?? "";
    const session = e.session_id ?? "";
    let m = this.pins.get(tenant);
    if (!m) this.pins.set(tenant, (m = new Map()));
    if (!m.has(session)) {
      if (this.pinTenants.length < MAX_PINS) {
        this.pinTenants.push(tenant);
        this.pinSessions.push(session);
      } else {
        const h = this.pinHead;
        const old = this.pins.get(this.pinTenants[h]!);
        old?.delete(this.pinSessions[h]!);
        if (old && !old.size && old !== m) this.pins.delete(this.pinTenants[h]!);
        this.pinTenants[h] = tenant;
        this.pinSessions[h] = session;
        this.pinHead = (h + 1) % MAX_PINS;
      }
    }
    m.set(session, revision);
  }

  /** Decides a `tool_call_request` or `agent_discovered` event. Synchronous stores only. */
  decide(event: unknown): Decision {
    try {
      if (!this.store.sync) return blockDecision("this store is asynchronous: call decideAsync()", this.revision);
      const r = this.prepare(event);
      if ("decision" in r) return r.decision;
      const state = r.query ? (this.store.begin(r.query) as StateSnapshot) : undefined;
      const s = this.settle(r, state);
      const d = this.run(s, state);
      const u = this.update(s, state, d);
      if (u) this.store.finish(u);
      return d;
    } catch (e) {
      return blockDecision(`internal error: ${(e as Error)?.message ?? String(e)}`, this.revision);
    }
  }

  /** Decides with any store (sync or async); a store failure blocks (fail closed). */
  async decideAsync(event: unknown): Promise<Decision> {
    let r: Prepared;
    try {
      const p = this.prepare(event);
      if ("decision" in p) return p.decision;
      r = p;
    } catch (e) {
      return blockDecision(`internal error: ${(e as Error)?.message ?? String(e)}`, this.revision);
    }
    let state: StateSnapshot | undefined;
    try {
      if (r.query) state = await within(this.store.begin(r.query), this.storeTimeoutMs);
    } catch (e) {
      return blockDecision(`session store unavailable: ${(e as Error)?.message ?? String(e)}`, r.c.bundle.revision);
    }
    let d: Decision;
    let u: StateUpdate | undefined;
    try {
      const s = this.settle(r, state);
      d = this.run(s, state);
      u = this.update(s, state, d);
    } catch (e) {
      return blockDecision(`internal error: ${(e as Error)?.message ?? String(e)}`, r.c.bundle.revision);
    }
    try {
      if (u) await within(this.store.finish(u), this.storeTimeoutMs);
    } catch (e) {
      return blockDecision(`session store unavailable: ${(e as Error)?.message ?? String(e)}`, d.revision);
    }
    return d;
  }

  private prepare(event: unknown): { decision: Decision } | Prepared {
    const cur = this.current;
    if (!cur) return { decision: blockDecision(this.loadError ?? "no bundle loaded", "") };
    const strings: string[] = [];
    const problem = eventProblem(event, strings);
    if (problem) return { decision: blockDecision(`invalid event: ${problem}`, cur.bundle.revision) };
    const e = event as SessionEvent;
    if (e.type !== "tool_call_request" && e.type !== "agent_discovered") {
      return { decision: blockDecision(`decide() takes tool_call_request and agent_discovered events, not ${e.type} (use observe())`, cur.bundle.revision) };
    }
    const c = this.pinned(e);
    // The store is consulted when some loaded revision has session conditions, when several
    // revisions are loaded, or when it was passed in (it knows which revision a session started on).
    // Only then (and for `time`, a session condition) is the event time needed; a valid `ts` is a
    // finite time, so without one the clock is still checked.
    const store = this.stateful || this.shared || this.byRevision.size > 1;
    let now = NaN;
    if (store || e.ts === undefined) {
      now = eventTime(e, this.now);
      if (!Number.isFinite(now)) return { decision: blockDecision(`no usable time: the event has no ts and the clock gave ${String(now)}`, cur.bundle.revision) };
    }
    let call: ResolvedCall | undefined;
    let entries: readonly number[];
    let parts: readonly Part[] | undefined;
    const ec = e.call!;
    if (e.type !== "tool_call_request") entries = c.bundle.index.agent_discovered;
    else {
      let ambiguous: string | undefined;
      ({ call, entries, parts, ambiguous } = this.resolve(c, ec));
      if (ambiguous !== undefined) return { decision: { ...blockDecision(ambiguous, c.bundle.revision), tool: call.tool, operation: call.operation } };
    }
    let query: StateQuery | undefined;
    let agentKey = "";
    if (call && store) {
      const resource = resourceKey(call);
      agentKey = agentKeyOf(e);
      query = {
        session: sessionKeyOf(e),
        agent: agentKey,
        ts: now,
        call: { ...(ec.id !== undefined ? { id: ec.id } : {}), key: call.key, op: call.operation },
        record: parts ? [...new Set(parts.flatMap((p) => this.recordIn(p.call)))] : this.recordIn(call),
        counts: this.counts,
        lookbackMs: this.lookback,
        ...(resource !== undefined ? { resource } : {}),
        revision: c.bundle.revision,
      };
    }
    return { c, e, call, entries, parts, now, sessionKey: query ? query.session : "", agentKey, query, notes: NO_NOTES, strings: call && !call.argv ? strings : undefined };
  }

  /**
   * A tool call resolved against one revision: an MCP call (with the command lines of its
   * `command` arguments as further parts), or a command line's simple commands.
   */
  /**
   * The call as the policies see it (marked path and URL arguments canonical; `ambiguous` when a
   * path could be read in more than one way) and the parts decided on their own.
   */
  private resolve(c: Compiled, ec: NonNullable<SessionEvent["call"]>): { call: ResolvedCall; entries: readonly number[]; parts: readonly Part[] | undefined; ambiguous?: string } {
    const b = c.bundle;
    if (callTypeOf(ec) === "mcp") {
      const slot = slotOf(c, ec.integration!, ec.tool!);
      const raw = withArgs(slot.info, ec.args ?? {});
      const call = canonicalCall(raw, ec);
      if (typeof call === "string") return { call: raw, entries: slot.entries, parts: undefined, ambiguous: call };
      const lines = call.argKinds ? commandArgs(call) : [];
      if (!lines.length) return { call, entries: slot.entries, parts: undefined };
      const cmds = lines.flatMap((l) => resolveCommands(b, l, this.shell)).map((x) => ({ call: x, entries: entriesOf(b, x) }));
      return { call, entries: slot.entries, parts: [{ call, entries: slot.entries }, ...cmds] };
    }
    const cmds = resolveCommands(b, ec.command!, this.shell);
    const first = cmds[0]!;
    const plain = cmds.length === 1 && first.unknown === undefined && typeof ec.command !== "string" && sameWords(first.argv!, ec.command!);
    const parts = plain ? undefined : cmds.map((x) => ({ call: x, entries: entriesOf(b, x) }));
    return { call: first, entries: parts ? parts[0]!.entries : entriesOf(b, first), parts };
  }

  /** The counters a call is recorded in: every call in `*`, and each `rate` filter it passes. */
  private recordIn(call: ResolvedCall): string[] {
    if (!this.filters.size) return [];
    const f = callFacts(call);
    const out: string[] = [];
    for (const [id, filter] of this.filters) if (!filter || staticEval(filter, f) === true) out.push(id);
    return out;
  }

  /** Applies what the store says: the clamped time and the revision the session is pinned to. */
  private settle(r: Prepared, state: StateSnapshot | undefined): Prepared {
    if (!state) return r;
    let { c, call, entries, parts } = r;
    const notes = [...r.notes];
    const now = state.ts ?? r.now;
    if (now !== r.now) notes.push(`ts ${new Date(r.now).toISOString()} is before the session's last event (${new Date(now).toISOString()}): clamped to it`);
    if (state.revision && state.revision !== c.bundle.revision) {
      const pinned = this.byRevision.get(state.revision);
      if (pinned) {
        c = pinned;
        let ambiguous: string | undefined;
        ({ call, entries, parts, ambiguous } = this.resolve(c, r.e.call!));
        if (ambiguous !== undefined) throw new Error(ambiguous);
        this.pin(r.e, state.revision);
      } else {
        notes.push(`the session started on revision ${state.revision}, which this enforcer has not loaded: decided with ${c.bundle.revision}`);
      }
    }
    return { ...r, c, call, entries, parts, now, notes };
  }

  /** What the store must record after the decision; undefined when there is nothing new. */
  private update(r: Prepared, state: StateSnapshot | undefined, d: Decision): StateUpdate | undefined {
    if (!r.query || !r.call || !state) return undefined;
    const call = r.call;
    if (d.effect === "block") {
      const id = r.e.call?.id;
      return id === undefined ? undefined : { session: r.sessionKey, agent: r.agentKey, labels: [], called: [], blockedCallId: id };
    }
    const resource = r.query.resource !== undefined && !state.resourceSeen ? r.query.resource : undefined;
    const calls = r.parts ? r.parts.map((p) => p.call) : [call];
    const labels = [...new Set(calls.flatMap((x) => x.labels))].filter((l) => !state.labels.includes(l));
    const called = [...new Set(calls.map((x) => x.key))].filter((k) => !state.called.includes(k));
    if (!labels.length && !called.length && resource === undefined) return undefined;
    return { session: r.sessionKey, agent: r.agentKey, labels, called, ...(resource !== undefined ? { resource } : {}) };
  }

  private run(r: Prepared, state: StateSnapshot | undefined): Decision {
    const { c, e, call } = r;
    const toolChanged = (e.call?.definition_changed?.length ?? 0) > 0;
    const ctxOf = (x: ResolvedCall | undefined, strings: string[] | undefined): EvalContext =>
      ({ bundle: c.bundle, call: x, agentName: e.agent?.name, review: reviewOf(e.agent, c.bundle.agent_reviews), toolChanged: toolChanged && x === call, user: e.user, detectors: c.detectors, now: r.now, state, strings, tenant: e.tenant, paths: pathContextOf(e.call) });
    const d = r.parts
      ? strictest(r.parts.map((p) => withUnknownReason(decideBucket(c.bundle, p.entries, ctxOf(p.call, p.call === call ? r.strings : undefined), e), p.call)), r.parts.map((p) => p.call))
      : decideBucket(c.bundle, r.entries, ctxOf(call, r.strings), e);
    if (r.notes.length) d.notes = r.notes;
    if (this.trace) try { this.trace({ event: e, decision: d, state, now: r.now, revision: c.bundle.revision }); } catch { /* never changes a decision */ }
    return d;
  }

  /**
   * Records a `tool_call_response`: its cost (spend) and, when its request was not seen, the labels
   * of the tool its own `call` field names. Messages are accepted and not recorded. Returns a note
   * for anything unusual (unknown call id, response to a blocked call, unknown currency, time going
   * backwards); with an asynchronous store the result is a promise.
   */
  observe(event: unknown): { ok: boolean; note?: string } | Promise<{ ok: boolean; note?: string }> {
    try {
      const problem = eventProblem(event);
      if (problem) return { ok: false, note: `invalid event: ${problem}` };
      const e = event as SessionEvent;
      if (e.type !== "tool_call_response" || !this.current || !this.stateful) return { ok: true };
      const sessionKey = sessionKeyOf(e);
      const c = this.pinned(e);
      const notes: string[] = [];
      const ts = eventTime(e, this.now);
      const fallbackCall = responseCall(e);
      const fb = fallbackCall ? resolveCall(c.bundle, fallbackCall, this.shell) : undefined;
      let cost: ResponseUpdate["cost"];
      if (e.cost && e.cost.amount !== 0) {
        const currency = e.cost.currency.trim().toUpperCase();
        if (!/^[A-Z]{3}$/.test(currency)) notes.push(`cost in unknown currency ${JSON.stringify(e.cost.currency)} ignored`);
        else if (e.cost.amount < 0) notes.push(`negative cost ${e.cost.amount} ${currency} ignored`);
        else {
          cost = { currency, micros: toMicros(e.cost.amount) };
          if (!this.currencies().has(currency)) notes.push(`cost in ${currency} counts only toward limits in ${currency} (no policy has one)`);
        }
      }
      const u: ResponseUpdate = {
        session: sessionKey,
        agent: e.agent ? agentKeyOf(e) : "",
        ts,
        ...(e.call_id !== undefined ? { callId: e.call_id } : {}),
        ...(fb ? { fallback: { key: fb.key, labels: fb.labels } } : {}),
        ...(cost ? { cost } : {}),
      };
      const done = (res: ResponseResult) => {
        if (res.ts !== ts) notes.push(`ts ${new Date(ts).toISOString()} is before the session's last event: clamped to ${new Date(res.ts).toISOString()}`);
        if (res.call === "unknown") notes.push(`response for unknown call id ${JSON.stringify(e.call_id)}: ${fb ? `labels of ${fb.key} recorded from the response's call` : "no labels recorded"}`);
        if (res.call === "blocked") notes.push(`response for call ${JSON.stringify(e.call_id)}, which was blocked: its labels are not recorded`);
        return notes.length ? { ok: true, note: notes.join("; ") } : { ok: true };
      };
      const res = within(this.store.respond(u), this.storeTimeoutMs);
      if (res instanceof Promise) return res.then(done, (err: Error) => ({ ok: false, note: `session store unavailable: ${err?.message ?? String(err)}` }));
      return done(res);
    } catch (err) {
      return { ok: false, note: `internal error: ${(err as Error)?.message}` };
    }
  }

  /** Currencies of the spend limits of the loaded revisions. */
  private currencies(): Set<string> {
    const out = new Set<string>();
    const walk = (x: CExpr) => {
      if (x.k === "spend") out.add(x.currency);
      else if (x.k === "and" || x.k === "or") x.items.forEach(walk);
      else if (x.k === "not") walk(x.x);
    };
    for (const c of this.byRevision.values()) for (const p of c.bundle.policies) for (const i of p.ifs) walk(i.expr);
    return out;
  }

  /**
   * For enforcement points and recordings: whether the current bundle's catalog marks path
   * arguments of this MCP tool (then `call.root` and `call.home` matter), and the call's arguments
   * as the policies see them (`canonical`: undefined when they are as sent, or ambiguous).
   */
  argumentsOf(call: NonNullable<SessionEvent["call"]>): { paths: boolean; canonical?: Record<string, unknown> } {
    try {
      const c = this.current;
      if (!c || callTypeOf(call) !== "mcp" || typeof call.integration !== "string" || typeof call.tool !== "string") return { paths: false };
      const kinds = slotOf(c, call.integration, call.tool).info.argKinds;
      if (!kinds) return { paths: false };
      const r = canonicalArgs(call.args ?? {}, kinds, pathContextOf(call));
      return { paths: Object.values(kinds).includes("path"), ...(r.changed && !r.ambiguous ? { canonical: r.args } : {}) };
    } catch {
      return { paths: false };
    }
  }

  /**
   * The tools an agent may see: those no `hide` policy removes for it. `agent.user` (`null`: known
   * to have none) lets `user` conditions of a hide policy decide; absent, they leave the tool listed
   * (a call to it is still decided in full). A tool given with `changed: true` (its live definition
   * differs from the pinned one) counts as `Unreviewed` for `tool.review_status`.
   */
  visibleTools<T extends string | { name: string; integration?: string; changed?: boolean }>(agent: { name?: string; review_status?: string; tenant?: string; user?: UserInfo | null }, tools: readonly T[], integration?: string): T[] {
    try {
      const c = this.current;
      if (!c) return [];
      const hides = c.bundle.policies.filter((p) => p.effect === "hide" && p.trigger === "tool_call" && inScope(p, { type: "tool_call_request", ...(agent.tenant ? { tenant: agent.tenant } : {}), agent: { ...(agent.name ? { name: agent.name } : {}) } }));
      if (!hides.length) return [...tools];
      const reviewed = { ...agent, review_status: reviewOf(agent, c.bundle.agent_reviews) };
      return tools.filter((t) => {
        const raw = typeof t === "string" ? t : t.integration ? `${t.integration}.${t.name}` : t.name;
        const dot = raw.indexOf(".");
        const integ = (dot > 0 ? raw.slice(0, dot) : integration ?? "").toLowerCase();
        const name = (dot > 0 ? raw.slice(dot + 1) : raw).toLowerCase();
        const call = resolveCall(c.bundle, { type: "mcp", integration: integ, tool: name });
        const changed = typeof t !== "string" && t.changed === true;
        const facts = { ...callFacts(call), review: toolReviewOf(c.bundle.tool_reviews, call.key, call.known, changed) };
        return !hides.some((p) => p.ifs.every((i) => staticEval(i.expr, facts, reviewed) === true));
      });
    } catch {
      return [];
    }
  }
}

/** SPEC §5 over matched policies given in decision order (obligations, block wins, priorities, default). */
export function decisionOf(b: Bundle, matched: readonly BundlePolicy[], call: ResolvedCall | undefined, e: SessionEvent): Decision {
  return decide(b, matched.map(metaOf), matched.length, call, e);
}
