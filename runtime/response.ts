/**
 * What comes back: a tool's response (joined to its request) and the messages between an agent and
 * its user, decided by `when tool_response` / `when message_to_user` / `when message_from_user`
 * policies with the same rule as requests (SPEC §5, `decide` of decide.ts), and the masking their
 * `sanitize` asks for.
 *
 * A result's *text* is every string in it except binary data and MCP type tags: the `text` of its
 * content items, embedded resources' `text`, every string of `structuredContent` and `_meta`, but
 * not `data` / `blob` (base64), `type` or `mimeType` outside `structuredContent`. `body` and
 * `data_class` scan exactly that text, and `sanitize` masks exactly that text, so what a policy
 * can see is what it can mask.
 * INVARIANT: a result or text that cannot be inspected (nested past MAX_DEPTH) is withheld, never
 * forwarded unscanned; a masked string holds no detector match (masking is repeated to a fixed
 * point, and a string that will not settle is replaced whole).
 */
import type { Bundle, BundlePolicy, CExpr, Decision, ReturnTrigger, SessionEvent } from "./types.js";
import type { ResolvedCall } from "./event.js";
import { evaluate, type EvalContext } from "./evaluate.js";
import { mask, scan, type Detector } from "./detectors.js";
import { decide, metaOf } from "./decide.js";
import { changesOf } from "./session-changes.js";

/** Deepest nesting of a result that is inspected; a deeper one is withheld. */
export const MAX_DEPTH = 64;
/** Keys outside `structuredContent` whose strings are not text (binary data, MCP type tags). */
const NOT_TEXT = new Set(["data", "blob", "type", "mimeType"]);
const own = Object.prototype.hasOwnProperty;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** What conditions read of one result (filled lazily, once per decision). */
export interface ResultFacts {
  readonly result: unknown;
  readonly isError: boolean;
  /** `result.<path>`: `content` (the content items' text) and the fields of `structuredContent`. */
  view?: Record<string, unknown>;
  size?: number;
  /** Bounds of `size` (sizeBounds; null: none). */
  bounds?: [number, number] | null;
}

/**
 * Calls `f` on every string of the result's text (see the header) and returns a copy with what it
 * returned; `f` returning its argument everywhere gives an equal copy. Throws past MAX_DEPTH.
 */
export function mapText(v: unknown, f: (s: string) => string, structured = false, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new Error(`the result is nested deeper than ${MAX_DEPTH} levels`);
  if (typeof v === "string") return f(v);
  if (Array.isArray(v)) return v.map((x) => mapText(x, f, structured, depth + 1));
  if (!isObj(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const x = v[k];
    const keep = !structured && NOT_TEXT.has(k) && typeof x === "string";
    const y = keep ? x : mapText(x, f, structured || (depth === 0 && k === "structuredContent"), depth + 1);
    Object.defineProperty(out, k, { value: y, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Every string of the result's text, in document order. Throws past MAX_DEPTH. */
export function resultStrings(result: unknown): string[] {
  const out: string[] = [];
  mapText(result, (s) => { out.push(s); return s; });
  return out;
}

/** The content items' text: `text` items and embedded resources' `text`. */
function contentText(result: unknown): string[] {
  const items = isObj(result) && Array.isArray(result["content"]) ? result["content"] : [];
  const out: string[] = [];
  for (const it of items) {
    if (!isObj(it)) continue;
    if (typeof it["text"] === "string") out.push(it["text"]);
    const r = it["resource"];
    if (isObj(r) && typeof r["text"] === "string") out.push(r["text"]);
  }
  return out;
}

/** What `result.<path>` reads: `content` → the content items' text; other names → `structuredContent`. */
export function resultView(f: ResultFacts): Record<string, unknown> {
  if (f.view) return f.view;
  const view: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const sc = isObj(f.result) ? f.result["structuredContent"] : undefined;
  if (isObj(sc)) for (const k of Object.keys(sc)) if (k !== "content") view[k] = sc[k];
  view["content"] = contentText(f.result);
  return (f.view = view);
}

/** The result's size as UTF-8 JSON, in bytes. */
export function resultSize(f: ResultFacts): number {
  if (f.size !== undefined) return f.size;
  const s = JSON.stringify(f.result) ?? "";
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) n += c < 0x800 ? 1 : c >= 0xd800 && c < 0xdc00 ? 0 : 2;
  }
  return (f.size = n);
}

/**
 * Bounds of the result's size as UTF-8 JSON without serialising it: each character of a string or
 * key is 1 to 6 bytes (an escape such as `\u001f` is 6, a UTF-16 unit of text at most 3), numbers
 * and literals are exact. Undefined when the walk cannot tell (a `toJSON`, a boxed primitive, a
 * BigInt, nesting past MAX_DEPTH): the size is then measured.
 */
export function sizeBounds(v: unknown, depth = 0): [number, number] | undefined {
  if (typeof v === "string") return [v.length + 2, 6 * v.length + 2];
  if (typeof v === "number") { const n = isFinite(v) ? String(v).length : 4; return [n, n]; }
  if (typeof v === "boolean") return v ? [4, 4] : [5, 5];
  if (v === null) return [4, 4];
  if (typeof v !== "object" || depth > MAX_DEPTH || typeof (v as { toJSON?: unknown }).toJSON === "function" || v instanceof Number || v instanceof String || v instanceof Boolean) return undefined;
  let lo = 2, hi = 2, n = 0;
  const arr = Array.isArray(v);
  for (const k of arr ? v.keys() : Object.keys(v)) {
    const x = (v as Record<string | number, unknown>)[k];
    const skipped = x === undefined || typeof x === "function" || typeof x === "symbol";
    if (skipped && !arr) continue;
    const b = skipped ? [4, 4] as [number, number] : sizeBounds(x, depth + 1);
    if (!b) return undefined;
    const key = arr ? 0 : (k as string).length;
    lo += b[0] + (arr ? 0 : key + 3) + (n ? 1 : 0);
    hi += b[1] + (arr ? 0 : 6 * key + 3) + (n ? 1 : 0);
    n++;
  }
  return [lo, hi];
}

/** `result size <op> bytes`: decided from the bounds when they agree, else from the measured size. */
export function sizeHolds(f: ResultFacts, holds: (size: number) => boolean): boolean {
  if (f.size === undefined) {
    const b = (f.bounds ??= sizeBounds(f.result) ?? null);
    if (b && holds(b[0]) === holds(b[1])) {
      // The comparisons of `result size` are monotone (> >= < <=): the same at both ends, the same between.
      return holds(b[0]);
    }
  }
  return holds(resultSize(f));
}

/** Does the result say it is an error (MCP `isError: true`)? */
export function isErrorResult(result: unknown): boolean {
  return isObj(result) && result["isError"] === true;
}

// ─── masking ───────────────────────────────────────────────────────────────────────────
const MAX_PASSES = 4;

/**
 * `text` with what the detectors find masked, repeated until nothing is found (a mask next to the
 * text around it could form a new match); a string that does not settle is replaced whole. A
 * string in which nothing is found is returned unchanged.
 */
export function maskFully(detectors: readonly Detector[], text: string): string {
  let s = text;
  for (let i = 0; i < MAX_PASSES; i++) {
    // The built-in detectors look only where a match can start (detectors.ts: anchors).
    const m = mask(detectors, s);
    if (m === s) return s;
    s = m;
  }
  return scan(detectors, s).length ? "[REDACTED:UNMASKABLE]" : s;
}

/** The sanitize fields of a decision that apply to a result (`result`, `result.content`, `result.<field>`). */
function resultFields(d: Pick<Decision, "sanitize">): string[] {
  return d.sanitize.flatMap((s) => s.fields.filter((f) => f === "result" || f.startsWith("result.")));
}

/**
 * The result as forwarded after the decision's `sanitize`: `result` and `result.content` mask its
 * whole text; `result.<field>` masks that field of `structuredContent` and every text outside
 * `structuredContent` (the content items usually carry the same data serialised, so masking only
 * the field would leak it there). Structure is kept: same items, same keys, only strings change.
 */
export function sanitizeResult(result: unknown, d: Pick<Decision, "sanitize">, detectors: readonly Detector[]): unknown {
  const fields = resultFields(d);
  if (!fields.length) return result;
  // The same string (content and structuredContent often repeat it) is masked once.
  const done = new Map<string, string>();
  const m = (s: string) => { let x = done.get(s); if (x === undefined) done.set(s, (x = maskFully(detectors, s))); return x; };
  if (fields.some((f) => f === "result" || f === "result.content")) return mapText(result, m);
  if (!isObj(result)) return result;
  const sc = result["structuredContent"];
  const out = mapText({ ...result, structuredContent: undefined }, m) as Record<string, unknown>;
  if (sc === undefined) { delete out["structuredContent"]; return out; }
  out["structuredContent"] = maskFields(sc, fields.map((f) => f.slice("result.".length).split(".")), m);
  return out;
}

/** `sc` with the strings under each path masked (a path whose value is absent changes nothing). */
function maskFields(sc: unknown, paths: readonly string[][], m: (s: string) => string): unknown {
  const out = mapText(sc, (s) => s, true);
  for (const p of paths) {
    let parent: unknown = out;
    for (const k of p.slice(0, -1)) parent = isObj(parent) && own.call(parent, k) ? parent[k] : undefined;
    const last = p[p.length - 1]!;
    if (isObj(parent) && own.call(parent, last)) parent[last] = mapText(parent[last], m, true);
  }
  return out;
}

/** A message's text after the decision's `sanitize` (`sanitize` on a message masks its whole text). */
export function sanitizeText(text: string, d: Pick<Decision, "sanitize">, detectors: readonly Detector[]): string {
  return d.sanitize.some((s) => s.fields.includes("text")) ? maskFully(detectors, text) : text;
}

/** The `isError` result that replaces a withheld one: it says that it was withheld, and why. */
export function withheldResult(d: Pick<Decision, "reason" | "policy">): { content: { type: "text"; text: string }[]; isError: true } {
  const by = d.policy ? ` (policy "${d.policy.name}")` : "";
  return { content: [{ type: "text", text: `The tool's result was withheld by the enforcement point${by}: ${d.reason}` }], isError: true };
}

// ─── deciding ──────────────────────────────────────────────────────────────────────────
const NO_ENTRIES: readonly number[] = [];

/** The entries that can match a response to `call` (none: no response policy exists for its tool). */
export function responseEntries(b: Bundle, call: ResolvedCall | undefined): readonly number[] {
  const ix = b.index.tool_response;
  if (!ix) return NO_ENTRIES;
  if (!call) return ix.other;
  if (call.known) return own.call(ix.tools, call.key) ? ix.tools[call.key]! : NO_ENTRIES;
  if (own.call(ix.integrations, call.integration)) return ix.integrations[call.integration]!;
  return own.call(b.integrations, call.integration) ? NO_ENTRIES : ix.other;
}

/** Does the bundle hold any policy on responses or messages? */
export function decidesReturns(b: Bundle): boolean {
  const ix = b.index;
  return !!ix.tool_response || !!ix.message_to_user?.length || !!ix.message_from_user?.length;
}

/** The bundle as `decide` sees it for a response or message: defaults are for requests only. */
const noDefaults = new WeakMap<Bundle, Bundle>();
function withoutDefaults(b: Bundle): Bundle {
  let x = noDefaults.get(b);
  if (!x) { const { default: _d, defaults: _ds, ...rest } = b; x = rest as Bundle; noDefaults.set(b, x); }
  return x;
}

/** What a response or message decision is taken with (built by the enforcer). */
export interface ReturnInput {
  readonly bundle: Bundle;
  readonly detectors: readonly Detector[];
  readonly trigger: ReturnTrigger;
  readonly event: SessionEvent;
  /** The request's call (responses), resolved against the same revision; undefined for messages. */
  readonly call: ResolvedCall | undefined;
  readonly entries: readonly number[];
  readonly now: number;
  readonly inScope: (p: BundlePolicy, e: SessionEvent) => boolean;
  readonly review: string | undefined;
}

/** A decision that no policy made: the response or message is forwarded as it is. */
export function passDecision(b: Bundle, trigger: ReturnTrigger, call: ResolvedCall | undefined, reason: string): Decision {
  const d: Decision = { effect: "allow", policy: null, reason, matched: [], alerts: [], sanitize: [], approvers: [], hidden: false, revision: b.revision, event: trigger, withheld: false };
  if (call) { d.tool = call.tool; d.operation = call.operation; }
  return d;
}

/** Does the condition read the text (`body`, `data_class`)? */
function readsText(e: CExpr): boolean {
  switch (e.k) {
    case "and": case "or": return e.items.some(readsText);
    case "not": return readsText(e.x);
    default: return e.k === "body" || e.k === "data_class";
  }
}

/** Per list of entries (one per tool, fixed when the bundle loads): whether a policy of it reads the text. */
const textReaders = new WeakMap<readonly number[], boolean>();
function entriesReadText(b: Bundle, entries: readonly number[]): boolean {
  let r = textReaders.get(entries);
  if (r === undefined) textReaders.set(entries, (r = entries.some((entry) => b.policies[entry >> 1]!.ifs.some((i) => readsText(i.expr)))));
  return r;
}

/**
 * SPEC §5 over the policies of `entries` that hold for the response or message. The text is
 * gathered only when one of those policies reads it, and each detector class is scanned only when
 * a `data_class` condition asks for it (evaluate.ts), at most once per decision.
 */
export function decideReturn(x: ReturnInput): Decision {
  const { bundle: b, event: e, trigger } = x;
  if (!x.entries.length) return passDecision(b, trigger, x.call, trigger === "tool_response" ? `no response policy applies to ${x.call?.tool ?? "this tool"}` : `no ${trigger} policy applies`);
  // A result often carries its text twice (content items and structuredContent): each string is scanned once.
  const text = !entriesReadText(b, x.entries) ? [] : trigger === "tool_response" ? [...new Set(resultStrings(e.result))] : [typeof e.text === "string" ? e.text : ""];
  const ctx: EvalContext = {
    bundle: b, call: x.call, agentName: e.agent?.name, review: x.review, user: e.user, detectors: x.detectors, now: x.now,
    state: undefined, strings: text, tenant: e.tenant,
    ...(trigger === "tool_response" ? { result: { result: e.result, isError: isErrorResult(e.result) } } : {}),
  };
  const matched: BundlePolicy[] = [];
  for (const entry of x.entries) {
    const p = b.policies[entry >> 1]!;
    if (p.trigger !== trigger || !x.inScope(p, e)) continue;
    const lines = entry & 1 ? p.ifs.map((_, i) => i) : p.residual;
    if (lines.every((i) => evaluate(p.ifs[i]!.expr, ctx))) matched.push(p);
  }
  const d = decide(withoutDefaults(b), matched.map(metaOf), matched.length, x.call, e);
  return finish(d, matched, trigger, x.call);
}

const WHAT: Readonly<Record<ReturnTrigger, string>> = { tool_response: "response", message_to_user: "message to the user", message_from_user: "message from the user" };

/** The response-specific parts of a decision: its event, `withheld`, a reason and alerts that speak of the response. */
function finish(d: Decision, matched: readonly BundlePolicy[], trigger: ReturnTrigger, call: ResolvedCall | undefined): Decision {
  d.event = trigger;
  d.withheld = d.effect === "block";
  const changes = changesOf(matched);
  if (changes.length) d.session_changes = changes;
  if (!d.policy) d.reason = matched.length ? `no policy decided this ${WHAT[trigger]} (matched only for alerts or sanitizing: ${matched.map((p) => p.id).join(", ")}); it is forwarded` : `no policy decided this ${WHAT[trigger]}; it is forwarded`;
  else if (d.policy && !matched.find((p) => p.id === d.policy!.id)?.reason) d.reason = `${WHAT[trigger]} ${d.effect === "block" ? "withheld" : d.effect === "allow" ? "forwarded" : "held for approval"} by policy "${d.policy.name}"`;
  let i = 0;
  for (const p of matched) {
    for (const a of p.alerts ?? []) {
      const out = d.alerts[i++];
      if (out && a.message === undefined) out.message = `${p.name}: ${out.agent ?? "an agent"} ${trigger === "tool_response" ? `received a response from ${call?.tool ?? "a tool"}` : trigger === "message_to_user" ? "sent a message to its user" : "received a message from its user"}`;
    }
  }
  return d;
}
