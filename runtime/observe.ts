/**
 * `Enforcer.observe`: what a `tool_call_response` records in the session store (its cost toward
 * spend limits and, when its request was not seen, the labels of the tool its own `call` names).
 * Never throws: a fault is `{ ok: false, note }`.
 */
import type { CExpr, SessionEvent } from "./types.js";
import { eventProblem, resolveCall } from "./event.js";
import type { ShellParser } from "./argv.js";
import { toMicros, type ResponseResult, type ResponseUpdate, type SessionStore } from "./store.js";
import type { Revisions } from "./revisions.js";
import { agentKeyOf, eventTime, sessionKeyOf, within } from "./store-protocol.js";

export type Observed = { ok: boolean; note?: string };

/** What `observe` needs of its enforcer. */
export interface ObserveContext {
  readonly revisions: Revisions;
  readonly store: SessionStore;
  readonly now: () => number;
  readonly storeTimeoutMs: number | undefined;
  readonly shell: ShellParser | undefined;
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

/** Currencies of the spend limits of the loaded revisions. */
function currencies(revisions: Revisions): Set<string> {
  const out = new Set<string>();
  const walk = (x: CExpr) => {
    if (x.k === "spend") out.add(x.currency);
    else if (x.k === "and" || x.k === "or") x.items.forEach(walk);
    else if (x.k === "not") walk(x.x);
  };
  for (const c of revisions.values()) for (const p of c.bundle.policies) for (const i of p.ifs) walk(i.expr);
  return out;
}

/** The cost a response records, with a note for one that is ignored or counts toward no limit. */
function costOf(o: ObserveContext, e: SessionEvent, notes: string[]): ResponseUpdate["cost"] {
  if (!e.cost || e.cost.amount === 0) return undefined;
  const currency = e.cost.currency.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) notes.push(`cost in unknown currency ${JSON.stringify(e.cost.currency)} ignored`);
  else if (e.cost.amount < 0) notes.push(`negative cost ${e.cost.amount} ${currency} ignored`);
  else {
    if (!currencies(o.revisions).has(currency)) notes.push(`cost in ${currency} counts only toward limits in ${currency} (no policy has one)`);
    return { currency, micros: toMicros(e.cost.amount) };
  }
  return undefined;
}

/**
 * Records a `tool_call_response`. Messages are accepted and not recorded. Returns a note for
 * anything unusual (unknown call id, response to a blocked call, unknown currency, time going
 * backwards); with an asynchronous store the result is a promise.
 */
export function observe(o: ObserveContext, event: unknown): Observed | Promise<Observed> {
  try {
    const problem = eventProblem(event);
    if (problem) return { ok: false, note: `invalid event: ${problem}` };
    const e = event as SessionEvent;
    if (e.type !== "tool_call_response" || !o.revisions.current || !o.revisions.stateful) return { ok: true };
    const c = o.revisions.pinned(e.tenant ?? "", e.session_id ?? "");
    const notes: string[] = [];
    const ts = eventTime(e, o.now);
    const fallbackCall = responseCall(e);
    const fb = fallbackCall ? resolveCall(c.bundle, fallbackCall, o.shell) : undefined;
    const cost = costOf(o, e, notes);
    const u: ResponseUpdate = {
      session: sessionKeyOf(e),
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
    const res = within(o.store.respond(u), o.storeTimeoutMs);
    if (res instanceof Promise) return res.then(done, (err: Error) => ({ ok: false, note: `session store unavailable: ${err?.message ?? String(err)}` }));
    return done(res);
  } catch (err) {
    return { ok: false, note: `internal error: ${(err as Error)?.message}` };
  }
}
