/**
 * The enforcer: `decide` / `decideAsync` for requests, `observe` for responses, `decideResponse` /
 * `decideResponseAsync` for responses and messages (a message from the user may change its session), `visibleTools` and
 * `argumentsOf` for enforcement points. The call path of a decision: `prepare` (event check, the
 * session's pinned revision, the call resolved against that revision's catalog, the store query),
 * the store's `begin`, `settle` (the store's answer), `run` (each part of the call through its
 * bucket: runtime/fast.ts, then the rule of SPEC §5: runtime/decide.ts), the store's `finish`.
 * Concerns live beside it: loaded revisions and pinning (revisions.ts), one compiled revision
 * (compiled.ts), the store protocol (store-protocol.ts), responses (observe.ts), hidden tools
 * (visible-tools.ts).
 * INVARIANT: nothing here throws into the caller; any fault is a `block` with a reason.
 */
import type { Bundle, Decision, SessionEvent } from "./types.js";
import { callTypeOf, commandArgs, eventProblem, resolveCommands, withArgs, type ResolvedCall } from "./event.js";
import type { ShellParser } from "./argv.js";
import { decisionOf, strictest, withUnknownReason } from "./decide.js";
import { callFacts, resourceKey, type EvalContext } from "./evaluate.js";
import { MemoryStore, type MarkUpdate, type SessionStore, type StateSnapshot, type StateQuery, type StateUpdate } from "./store.js";
import { reviewOf, staticEval } from "./static-eval.js";
import { decideBucket } from "./fast.js";
import { compile, slotOf, type Compiled } from "./compiled.js";
import { canonicalCall, entriesOf, pathContextOf } from "./lookup.js";
import { canonicalArgs } from "./canonical-args.js";
import { Revisions } from "./revisions.js";
import { addsOf, agentKeyOf, clampedTime, eventTime, pendingNote, pendingWorlds, sessionAtoms, sessionKeyOf, stateUpdate, strictestOutcome, within } from "./store-protocol.js";
import { refundOf, tallyQuery } from "./tally.js";
import { observe, type Observed } from "./observe.js";
import { inScope, visibleTools, type AgentFacts } from "./visible-tools.js";
import { responseCall } from "./observe.js";
import { compileDetectors, type Detector } from "./detectors.js";
import { decideReturn, passDecision, responseEntries, sanitizeResult, sanitizeText, withheldResult as withheld } from "./response.js";
import type { ReturnTrigger } from "./types.js";
import { markUpdateOf } from "./session-changes.js";

export { decisionOf, inScope, canonicalCall, pathContextOf };

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

function blockDecision(reason: string, revision: string): Decision {
  return { effect: "block", policy: null, reason, matched: [], alerts: [], sanitize: [], approvers: [], hidden: false, revision };
}

const sameWords = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((w, i) => w === b[i]);

const NO_NOTES: string[] = [];

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
  /** The loaded revisions and the sessions pinned to them. */
  private readonly revisions = new Revisions();
  private loadError: string | undefined;
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
   * False when the bundle is rejected (the loaded one stays current).
   */
  load(bundle: unknown): boolean {
    try {
      this.revisions.add(compile(bundle as Bundle));
      this.loadError = undefined;
      return true;
    } catch (e) {
      if (!this.revisions.current) this.loadError = `bundle rejected: ${(e as Error).message}`;
      return false;
    }
  }

  get revision(): string {
    return this.revisions.current?.bundle.revision ?? "";
  }

  /**
   * For a host that knows when a session opens (the MCP proxy): pins the session (its events'
   * `tenant` and `session_id`) to the current revision and keeps that revision loaded until
   * `closeSession`, whatever is loaded meanwhile. Returns the revision ("" when none is loaded).
   */
  openSession(s: { tenant?: string; session_id?: string }): string {
    if (!this.revisions.current) return "";
    return this.revisions.openSession(s.tenant ?? "", s.session_id ?? "");
  }

  /** Ends what `openSession` started. */
  closeSession(s: { tenant?: string; session_id?: string }): void {
    this.revisions.closeSession(s.tenant ?? "", s.session_id ?? "");
  }

  /** The bundle of a loaded revision (the current one when absent or not loaded). */
  bundleAt(revision?: string): Bundle | undefined {
    return this.at(revision)?.bundle;
  }

  private at(revision: string | undefined): Compiled | undefined {
    return (revision !== undefined ? this.revisions.get(revision) : undefined) ?? this.revisions.current;
  }

  /** Decides a `tool_call_request` or `agent_discovered` event. Synchronous stores only. */
  decide(event: unknown): Decision {
    try {
      if (!this.store.sync) return blockDecision("this store is asynchronous: call decideAsync()", this.revision);
      const r = this.prepare(event);
      if ("decision" in r) return r.decision;
      const state = r.query ? (this.store.begin(r.query) as StateSnapshot) : undefined;
      const s = this.settle(r, state);
      const d = this.decideIn(s, state);
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
      d = this.decideIn(s, state);
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
    const cur = this.revisions.current;
    if (!cur) return { decision: blockDecision(this.loadError ?? "no bundle loaded", "") };
    const strings: string[] = [];
    const problem = eventProblem(event, strings);
    if (problem) return { decision: blockDecision(`invalid event: ${problem}`, cur.bundle.revision) };
    const e = event as SessionEvent;
    if (e.type !== "tool_call_request" && e.type !== "agent_discovered") {
      return { decision: blockDecision(`decide() takes tool_call_request and agent_discovered events, not ${e.type} (use observe())`, cur.bundle.revision) };
    }
    const c = this.revisions.pinned(e.tenant ?? "", e.session_id ?? "");
    // The store is consulted when some loaded revision has session conditions, when several
    // revisions are loaded, or when it was passed in (it knows which revision a session started on).
    // Only then (and for `time`, a session condition) is the event time needed; a valid `ts` is a
    // finite time, so without one the clock is still checked.
    const store = this.revisions.stateful || this.shared || this.revisions.size > 1;
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
        counts: this.revisions.counts,
        lookbackMs: this.revisions.lookback,
        ...(resource !== undefined ? { resource } : {}),
        revision: c.bundle.revision,
        ...(this.revisions.tallies.length ? { tallies: tallyQuery(this.revisions.tallies, e, c.bundle, parts ? parts.map((p) => p.call) : [call], callFacts, now) } : {}),
        adds: addsOf(parts ? parts.map((p) => p.call) : [call]),
      };
    }
    return { c, e, call, entries, parts, now, sessionKey: query ? query.session : "", agentKey, query, notes: NO_NOTES, strings: call && !call.argv ? strings : undefined };
  }

  /**
   * A tool call resolved against one revision: an MCP call (with the command lines of its
   * `command` arguments as further parts), or a command line's simple commands. The call is as the
   * policies see it (marked path and URL arguments canonical; `ambiguous` when a path could be read
   * in more than one way), with the parts decided on their own.
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
    const filters = this.revisions.filters;
    if (!filters.size) return [];
    const f = callFacts(call);
    const out: string[] = [];
    for (const [id, filter] of filters) if (!filter || staticEval(filter, f) === true) out.push(id);
    return out;
  }

  /** Applies what the store says: the clamped time and the revision the session is pinned to. */
  private settle(r: Prepared, state: StateSnapshot | undefined): Prepared {
    if (!state) return r;
    let { c, call, entries, parts } = r;
    const notes = [...r.notes];
    const now = clampedTime(r.now, state, notes);
    if (state.revision && state.revision !== c.bundle.revision) {
      const pinned = this.revisions.get(state.revision);
      if (pinned) {
        c = pinned;
        let ambiguous: string | undefined;
        ({ call, entries, parts, ambiguous } = this.resolve(c, r.e.call!));
        if (ambiguous !== undefined) throw new Error(ambiguous);
        this.revisions.pin(r.e.tenant ?? "", r.e.session_id ?? "", state.revision);
      } else {
        notes.push(`the session started on revision ${state.revision}, which this enforcer has not loaded: decided with ${c.bundle.revision}`);
      }
    }
    return { ...r, c, call, entries, parts, now, notes };
  }

  /**
   * Decides with the store's answer; when it reports other calls of the session still pending
   * (recorded, not yet settled: store-protocol.ts `pendingWorlds`), under each of their outcomes,
   * keeping the strictest (fail closed).
   */
  private decideIn(r: Prepared, state: StateSnapshot | undefined): Decision {
    if (!state?.pending?.length) return this.run(r, state);
    const worlds = pendingWorlds(state, sessionAtoms(r.c.bundle));
    if (typeof worlds === "string") return blockDecision(worlds, r.c.bundle.revision);
    if (worlds.length === 1) return this.run(r, worlds[0]);
    const w = { ...r, notes: [...r.notes, pendingNote(worlds.length)] };
    return strictestOutcome(worlds.map((x) => this.run(w, x)));
  }

  /** What the store must record after the decision; undefined when there is nothing new. */
  private update(r: Prepared, state: StateSnapshot | undefined, d: Decision): StateUpdate | undefined {
    if (!r.query || !r.call || !state) return undefined;
    const calls = r.parts ? r.parts.map((p) => p.call) : [r.call];
    const u = stateUpdate({ e: r.e, sessionKey: r.sessionKey, agentKey: r.agentKey, call: r.call, calls, resource: r.query.resource }, state, d);
    const refund = r.query.tallies ? refundOf(this.revisions.tallies, r.query.tallies, state, d.effect === "block") : undefined;
    if (!refund) return u;
    return { ...(u ?? { session: r.sessionKey, agent: r.agentKey, labels: [], called: [] }), refund };
  }

  /** What the conditions of one part (`x`) of the call are evaluated against (a method, not a closure per decision). */
  private contextOf(r: Prepared, state: StateSnapshot | undefined, x: ResolvedCall | undefined): EvalContext {
    const { c, e } = r;
    const toolChanged = x === r.call && (e.call?.definition_changed?.length ?? 0) > 0;
    const strings = x === r.call ? r.strings : undefined;
    return { bundle: c.bundle, call: x, agentName: e.agent?.name, review: reviewOf(e.agent, c.bundle.agent_reviews), toolChanged, user: e.user, detectors: c.detectors, now: r.now, state, strings, tenant: e.tenant, paths: pathContextOf(e.call) };
  }

  private run(r: Prepared, state: StateSnapshot | undefined): Decision {
    const { c, e, call } = r;
    let d = r.parts
      ? strictest(r.parts.map((p) => withUnknownReason(decideBucket(c.bundle, p.entries, this.contextOf(r, state, p.call), e), p.call)), r.parts.map((p) => p.call))
      : decideBucket(c.bundle, r.entries, this.contextOf(r, state, call), e);
    if (r.notes.length) d = { ...d, notes: r.notes }; // a decision may be frozen (runtime/frozen-decisions.ts)
    if (this.trace) try { this.trace({ event: e, decision: d, state, now: r.now, revision: c.bundle.revision }); } catch { /* never changes a decision */ }
    return d;
  }

  /**
   * Records a `tool_call_response` (observe.ts): its cost (spend) and, when its request was not
   * seen, the labels of the tool its own `call` field names. With an asynchronous store the result
   * is a promise.
   */
  observe(event: unknown): Observed | Promise<Observed> {
    return observe({ revisions: this.revisions, store: this.store, now: this.now, storeTimeoutMs: this.storeTimeoutMs, shell: this.shell }, event);
  }

  /**
   * Decides a `tool_call_response` (joined to its request: `request` is the `tool_call_request` it
   * answers, else the response's own `call`) or a `message_to_user` / `message_from_user` event,
   * with the session's revision. A response no policy can match is decided without looking at it.
   * A response whose request is unknown, while response policies exist, is withheld (fail closed).
   * A forwarded message from the user applies the `mark` / `clear` of the policies it matched to its
   * session (runtime/session-changes.ts; `session_changed` says whether it did): a synchronous store
   * only (else the message is withheld: use `decideResponseAsync`).
   * Never throws: any fault is a `block` (withheld) with a reason.
   */
  decideResponse(event: unknown, request?: unknown): Decision {
    const d = this.decideReturnEvent(event, request);
    const u = this.changesToApply(event, d);
    if (!u) return d;
    try {
      if (!this.store.sync) return this.unchanged(d, "this store is asynchronous: call decideResponseAsync() for a message that changes the session");
      this.store.mark!(u);
      return { ...d, session_changed: true };
    } catch (e) {
      return this.unchanged(d, `session store unavailable: ${(e as Error)?.message ?? String(e)}`);
    }
  }

  /** `decideResponse` with any store (sync or async): a message's session changes are awaited; a store failure withholds it. */
  async decideResponseAsync(event: unknown, request?: unknown): Promise<Decision> {
    const d = this.decideReturnEvent(event, request);
    const u = this.changesToApply(event, d);
    if (!u) return d;
    try {
      await within(this.store.mark!(u), this.storeTimeoutMs);
      return { ...d, session_changed: true };
    } catch (e) {
      return this.unchanged(d, `session store unavailable: ${(e as Error)?.message ?? String(e)}`);
    }
  }

  /**
   * The store update of a message's session changes (runtime/session-changes.ts); undefined when
   * there is none to apply (then `session_changed` is false on a decision that lists changes).
   */
  private changesToApply(event: unknown, d: Decision): MarkUpdate | undefined {
    if (!d.session_changes?.length) return undefined;
    const u = markUpdateOf(event as SessionEvent, d);
    if (typeof u === "string") { d.session_changed = false; d.notes = [...(d.notes ?? []), u]; return undefined; }
    if (!this.store.mark) { Object.assign(d, this.unchanged(d, "the session store cannot record session changes (no mark())")); return undefined; }
    return u;
  }

  /** A message whose session changes could not be recorded: withheld (fail closed), the changes listed as not applied. */
  private unchanged(d: Decision, reason: string): Decision {
    return { ...d, effect: "block", policy: null, reason, approvers: [], withheld: true, session_changed: false };
  }

  private decideReturnEvent(event: unknown, request?: unknown): Decision {
    const cur = this.revisions.current;
    const revision = cur?.bundle.revision ?? "";
    const fail = (reason: string, trigger?: ReturnTrigger): Decision => ({ ...blockDecision(reason, revision), withheld: true, ...(trigger ? { event: trigger } : {}) });
    try {
      if (!cur) return fail(this.loadError ?? "no bundle loaded");
      const problem = eventProblem(event);
      if (problem) return fail(`invalid event: ${problem}`);
      const e = event as SessionEvent;
      const trigger: ReturnTrigger | undefined = e.type === "tool_call_response" ? "tool_response" : e.type === "message_to_user" || e.type === "message_from_user" ? e.type : undefined;
      if (!trigger) return fail(`decideResponse() takes tool_call_response, message_to_user and message_from_user events, not ${e.type}`);
      const c = this.revisions.pinned(e.tenant ?? "", e.session_id ?? "");
      const b = c.bundle;
      // No policy on this kind of event at all: nothing is resolved or looked at.
      if (trigger === "tool_response" ? !b.index.tool_response : !b.index[trigger]?.length) return passDecision(b, trigger, undefined, `no ${trigger} policy exists`);
      let call: ResolvedCall | undefined;
      if (trigger === "tool_response") {
        const req = request as SessionEvent | undefined;
        const ec = req && typeof req === "object" && req.type === "tool_call_request" && !eventProblem(req) ? req.call! : responseCall(e);
        if (!ec) return b.index.tool_response ? fail("the response's request is unknown (no request and no call in the response): withheld, since response policies apply", trigger) : passDecision(b, trigger, undefined, "no response policy exists");
        const r = this.resolve(c, ec);
        if (r.ambiguous !== undefined) return { ...fail(r.ambiguous, trigger), tool: r.call.tool, operation: r.call.operation };
        call = r.call;
      } else if (typeof e.text !== "string") return fail(`invalid event: text: a ${e.type} event needs its text`, trigger);
      const entries = trigger === "tool_response" ? responseEntries(b, call) : b.index[trigger] ?? [];
      const now = eventTime(e, this.now);
      return decideReturn({ bundle: b, detectors: c.detectors, trigger, event: e, call, entries, now: Number.isFinite(now) ? now : 0, inScope, review: reviewOf(e.agent, b.agent_reviews) });
    } catch (err) {
      return fail(`internal error: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  /**
   * The result as the agent may receive it after a response decision: its `sanitize` applied with
   * the bundle's detectors (structure kept), or, when the decision withholds it, the `isError`
   * result that says so. Never throws: a result that cannot be masked is withheld.
   */
  forwardResult(result: unknown, d: Decision): unknown {
    try {
      if (d.effect === "block") return withheld(d);
      return sanitizeResult(result, d, this.detectorsOf(d.revision));
    } catch (err) {
      return withheld({ ...d, reason: `the result could not be sanitized: ${(err as Error)?.message ?? String(err)}`, policy: null });
    }
  }

  /** A message's text after a message decision's `sanitize` (undefined when the decision withholds it). */
  forwardText(text: string, d: Decision): string | undefined {
    try {
      return d.effect === "block" ? undefined : sanitizeText(text, d, this.detectorsOf(d.revision));
    } catch {
      return undefined;
    }
  }

  private detectorsOf(revision: string): readonly Detector[] {
    return this.at(revision)?.detectors ?? compileDetectors([]);
  }

  /**
   * For enforcement points and recordings: whether the current bundle's catalog marks path
   * arguments of this MCP tool (then `call.root` and `call.home` matter), and the call's arguments
   * as the policies see them (`canonical`: undefined when they are as sent, or ambiguous).
   */
  argumentsOf(call: NonNullable<SessionEvent["call"]>, revision?: string): { paths: boolean; canonical?: Record<string, unknown> } {
    try {
      const c = this.at(revision);
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
   * The tools an agent may see in a revision (the current one when absent): those no `hide`
   * policy removes for it (visible-tools.ts).
   */
  visibleTools<T extends string | { name: string; integration?: string; changed?: boolean }>(agent: AgentFacts, tools: readonly T[], integration?: string, revision?: string): T[] {
    return visibleTools(this.at(revision), agent, tools, integration);
  }
}
