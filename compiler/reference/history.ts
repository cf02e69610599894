/**
 * The reference session model: session conditions decided from the plain list of the events that
 * came before, scanned afresh for every decision (no counters, no tallies, no store): what the
 * docs say each condition means (docs/sessions.md, docs/language.md), written as directly as it
 * reads. The compiled runtime with its stores must decide every event of a sequence exactly as
 * this does (test/compiler/differential-sessions.test.ts). It shares no code with the runtime's
 * session state; only the detectors (regex lists) are shared, as in the static reference.
 *
 * Modelled: `session has <label>` / `called` / `seen` / `mark`, `rate` (sliding, calendar, scoped,
 * `allowed`, filtered), `count(session, …)`, `sum(args.x, …)`, `burst` (all scopes), the event time
 * clamped per session, responses' data classes and fallback labels, and the session changes of
 * messages from the user. Not modelled (they throw): `resource is new`, `spend`, `time`, `principal`.
 */
import type { CExpr, SessionEvent } from "../../runtime/types.js";
import { compileDetectors, scan } from "../../runtime/detectors.js";
import { holds, referenceDecide, referenceDecideReturn, resolveAll, type Call, type ReferenceDecision, type ReferenceModel } from "./index.js";

type RateExpr = Extract<CExpr, { k: "rate" }>;

interface RequestEntry { readonly kind: "request"; readonly ev: SessionEvent; readonly t: number; readonly calls: readonly Call[]; readonly blocked: boolean }
interface ResponseEntry { readonly kind: "response"; readonly ev: SessionEvent; readonly t: number; readonly classes: readonly string[] }
interface MessageEntry { readonly kind: "message"; readonly ev: SessionEvent; readonly changes: readonly { readonly change: "mark" | "clear"; readonly label: string }[] }
type Entry = RequestEntry | ResponseEntry | MessageEntry;

/** A message decision with the session changes it listed and whether they were applied. */
export interface ReferenceMessageDecision extends ReferenceDecision {
  readonly session_changes?: readonly { readonly policy: string; readonly change: "mark" | "clear"; readonly label: string }[];
  readonly session_changed?: boolean;
}

const sessionOf = (e: SessionEvent) => `${e.tenant ?? ""}|${e.session_id ?? ""}`;
const agentOf = (e: SessionEvent) => `${e.tenant ?? ""}|${e.agent?.id ?? e.agent?.name ?? ""}`;
const keyOf = (c: Call) => `${c.integration}.${c.name}`;
const labelsOf = (c: Call) => c.tool?.labels ?? [];

/** `burst`: at least 10 calls in the last minute and at least 5 times the average minute of the 59 before. */
const burst = (recent: number, before: number) => recent >= 10 && recent >= 5 * (before / 59);

function cmp(op: RateExpr["cmp"], a: number, b: number): boolean {
  return op === ">" ? a > b : op === "<" ? a < b : op === ">=" ? a >= b : a <= b;
}

/** What a call adds to a sum: a number or a plain decimal string, in micro-units; negative adds 0; nothing there adds 0. */
function amount(args: Record<string, unknown>, path: readonly string[]): number {
  let v: unknown = args;
  for (const p of path) v = v !== null && typeof v === "object" && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, p) ? (v as Record<string, unknown>)[p] : undefined;
  let n = NaN;
  if (typeof v === "number") n = v;
  else if (typeof v === "string" && /^\s*[-+]?\d+(\.\d+)?\s*$/.test(v)) n = Number(v);
  if (!(n > 0)) return 0;
  return n === Infinity ? 2 ** 52 : Math.min(2 ** 52, Math.round(n * 1e6));
}

/** The local day (`2026-11-23`) or hour (`2026-11-23 22`) of a time in a zone: a period is the times with the same key. */
function periodKey(t: number, period: "day" | "hour", zone: string): string {
  const f = new Intl.DateTimeFormat("en-US", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", hourCycle: "h23" });
  const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
  return period === "day" ? `${p["year"]}-${p["month"]}-${p["day"]}` : `${p["year"]}-${p["month"]}-${p["day"]} ${p["hour"]}`;
}

export class ReferenceSessions {
  private readonly history: Entry[] = [];
  private readonly detectors;
  private readonly wanted: Set<string>;
  private readonly untrustedTested: boolean;

  constructor(private readonly m: ReferenceModel) {
    this.detectors = compileDetectors(m.detectors);
    const seen = new Set<string>();
    let untrusted = false;
    const walk = (e: CExpr): void => {
      if (e.k === "and" || e.k === "or") e.items.forEach(walk);
      else if (e.k === "not") walk(e.x);
      else if (e.k === "session_seen") seen.add(e.cls);
      else if (e.k === "session_label" && e.label === "untrusted_content") untrusted = true;
    };
    for (const p of m.policies) for (const i of p.ifs) walk(i.expr);
    if (untrusted) seen.add("PROMPT_INJECTION");
    this.wanted = seen;
    this.untrustedTested = untrusted;
  }

  /** The event time clamped to the session's last request or response. */
  private clamp(e: SessionEvent): number {
    const own = Date.parse(e.ts!);
    let t = own;
    for (const x of this.history) if (x.kind !== "message" && sessionOf(x.ev) === sessionOf(e) && x.t > t) t = x.t;
    return t;
  }

  /** The session's labels (incl. `seen:` and `mark:`) and tools called, by replaying its history in order. */
  private sessionState(e: SessionEvent): { labels: Set<string>; called: Set<string> } {
    const labels = new Set<string>();
    const called = new Set<string>();
    const s = sessionOf(e);
    const mine = this.history.filter((x) => sessionOf(x.ev) === s);
    mine.forEach((x, i) => {
      if (x.kind === "request" && !x.blocked) for (const c of x.calls) { labelsOf(c).forEach((l) => labels.add(l)); called.add(keyOf(c)); }
      if (x.kind === "message") for (const c of x.changes) { if (c.change === "mark") labels.add(c.label); else labels.delete(c.label); }
      if (x.kind !== "response") return;
      x.classes.forEach((c) => labels.add(`seen:${c}`));
      if (this.untrustedTested && x.classes.includes("PROMPT_INJECTION")) labels.add("untrusted_content");
      // The labels of the response's own `call`, when its call id names no earlier request of the session.
      const id = x.ev.call_id;
      const known = id !== undefined && mine.slice(0, i).some((y) => y.kind === "request" && y.ev.call?.id === id);
      const own = x.ev.call;
      if (!known && own && typeof own.integration === "string" && typeof own.tool === "string") {
        const c = resolveAll(this.m, { ...x.ev, type: "tool_call_request", call: { integration: own.integration, tool: own.tool } })[0]!;
        labelsOf(c).forEach((l) => labels.add(l));
        called.add(keyOf(c));
      }
    });
    return { labels, called };
  }

  /** Does the earlier request count for a tally of this scope, owned as the current event's? */
  private sameOwner(x: RequestEntry, e: SessionEvent, scope: RateExpr["scope"] | "agent", integration: string): boolean {
    switch (scope) {
      case "tenant": return (x.ev.tenant ?? "") === (e.tenant ?? "");
      case "integration": return (x.ev.tenant ?? "") === (e.tenant ?? "") && (x.calls[0]?.integration ?? "") === integration;
      case "session": return sessionOf(x.ev) === sessionOf(e);
      default: return agentOf(x.ev) === agentOf(e);
    }
  }

  /** What one call adds to a count or a sum (0 when it does not pass the filter). */
  private value(e: RateExpr, ev: SessionEvent, c: Call): number {
    if (e.filter && !holds(e.filter, ev, c, this.m)) return 0;
    return e.sum ? amount(c.args, e.sum) : 1;
  }

  /** `rate` / `count` / `sum`: the earlier requests in the window that count, plus the call being decided. */
  private rate(e: RateExpr, ev: SessionEvent, call: Call | undefined, now: number): boolean {
    if (!call) return false;
    const own = Date.parse(ev.ts!);
    const integration = resolveAll(this.m, ev)[0]?.integration ?? "";
    const zone = this.m.organization?.tenant_timezones?.[ev.tenant ?? ""] ?? this.m.organization?.timezone ?? "UTC";
    const inWindow = (t: number): boolean => {
      if (t > now) return false;
      if (e.period === "day" || e.period === "hour") return periodKey(t, e.period, zone) >= periodKey(own, e.period, zone);
      if (e.period === "session") return true;
      return t > now - e.windowMs;
    };
    let total = this.value(e, ev, call);
    for (const x of this.history) {
      if (x.kind !== "request" || !this.sameOwner(x, ev, e.scope, integration) || !inWindow(x.t) || (e.allowed && x.blocked)) continue;
      total += Math.max(...x.calls.map((c) => this.value(e, x.ev, c)));
    }
    return cmp(e.cmp, total, e.sum ? Math.round(e.n * 1e6) : e.n);
  }

  /** `burst` / `burst(tenant)` / `burst(integration)`: the last minute against the 59 before it. */
  private burst(e: Extract<CExpr, { k: "burst" }>, ev: SessionEvent, now: number): boolean {
    const integration = resolveAll(this.m, ev)[0]?.integration ?? "";
    const mine = this.history.filter((x): x is RequestEntry => x.kind === "request" && this.sameOwner(x, ev, e.scope ?? "agent", integration) && x.t <= now);
    const recent = mine.filter((x) => x.t > now - 60_000).length + 1;
    const before = mine.filter((x) => x.t > now - 3_600_000 && x.t <= now - 60_000).length;
    return burst(recent, before);
  }

  /** Decides a `tool_call_request` on the history, then records it. */
  request(ev: SessionEvent): ReferenceDecision {
    const now = this.clamp(ev);
    const state = this.sessionState(ev);
    const d = referenceDecide(this.m, ev, (e, call) => {
      switch (e.k) {
        case "session_label": return state.labels.has(e.label);
        case "session_seen": return state.labels.has(`seen:${e.cls}`);
        case "session_mark": return state.labels.has(`mark:${e.mark}`);
        case "session_called": return state.called.has(e.key);
        case "rate": return this.rate(e, ev, call, now);
        case "burst": return this.burst(e, ev, now);
        default: throw new Error(`the reference session model does not handle ${e.k}`);
      }
    });
    this.history.push({ kind: "request", ev, t: now, calls: resolveAll(this.m, ev), blocked: d.effect === "block" });
    return d;
  }

  /** Records a `tool_call_response` (the classes found in every string of its result) and decides it. */
  response(ev: SessionEvent, request?: SessionEvent): ReferenceDecision {
    const strings: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === "string") strings.push(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v !== null && typeof v === "object") Object.values(v).forEach(walk);
    };
    walk(ev.result);
    const classes = [...this.wanted].filter((cls) => strings.some((s) => scan(this.detectors, s).some((h) => h.cls === cls)));
    this.history.push({ kind: "response", ev, t: this.clamp(ev), classes });
    return referenceDecideReturn(this.m, ev, request);
  }

  /**
   * Decides a message; a message from the user that is forwarded (`allow`) and names its session
   * applies the `mark` / `clear` of the policies it matched, in decision order.
   */
  message(ev: SessionEvent): ReferenceMessageDecision {
    const d = referenceDecideReturn(this.m, ev);
    if (ev.type !== "message_from_user") return d;
    const byId = new Map(this.m.policies.map((p) => [p.id, p]));
    const changes = d.matched.flatMap((id) => (byId.get(id)?.session ?? []).map((c) => ({ policy: id, change: c.change, label: c.label })));
    if (!changes.length) return d;
    const applied = d.effect === "allow" && typeof ev.session_id === "string" && ev.session_id !== "";
    if (applied) this.history.push({ kind: "message", ev, changes });
    return { ...d, session_changes: changes, session_changed: applied };
  }
}
