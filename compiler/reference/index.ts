/**
 * The reference evaluator: SPEC §5 applied literally — a walk over every selected policy, each
 * condition evaluated from the catalog and the event with its own straightforward code (no
 * decision tables, no regexes for globs). The compiled tables must decide exactly as this does;
 * a fast-check property and the fuzzer compare them. Session conditions (`session has …`, `rate`,
 * `count`, `sum`, `burst`) are answered by the session model of history.ts from the plain list of
 * the session's earlier events, through `HistoryHolds`.
 */
import type { CExpr, SessionEvent } from "../../runtime/types.js";
import { scanPlain, compileDetectors } from "../../runtime/detectors.js";
import { reviewOf } from "../../runtime/static-eval.js";
import { canonicalArgs } from "../../runtime/canonical-args.js";
import { canonicalPath, pathUnder } from "../../runtime/canonical-path.js";
import { urlPart } from "../../runtime/canonical-url.js";
import type { Catalog, CatalogTool } from "../catalog/catalog.js";
import type { BundleDefault, CheckedPolicy, CheckedDetector, ScopedDefault } from "../model.js";
import { simpleCommands, type ShellParser } from "../../runtime/argv.js";
import { gitPushArgs } from "../../runtime/git-push.js";

export interface ReferenceModel {
  readonly policies: readonly CheckedPolicy[];
  readonly default?: BundleDefault;
  /** `default for …`, in any order: the precedence is applied here, from the targets. */
  readonly defaults?: readonly ScopedDefault[];
  readonly detectors: readonly CheckedDetector[];
  readonly catalog: Catalog;
  /** Splits shell lines into simple commands (as the enforcer's `shell` option). */
  readonly shell?: ShellParser;
  /** Reviewed catalog tools (lower-case key → status); any other tool is `Unreviewed`. */
  readonly toolReviews?: Readonly<Record<string, string>>;
  /** Reviewed agents by name: the status of an agent whose event carries none. */
  readonly agentReviews?: Readonly<Record<string, string>>;
  /** The time zones of calendar windows (`today`, `this hour`): the tenant's, else the project's, else UTC. */
  readonly organization?: { readonly timezone?: string; readonly tenant_timezones?: Readonly<Record<string, string>> };
}

export interface ReferenceDecision {
  readonly effect: "allow" | "block" | "require_approval";
  readonly policy: string | null;
  readonly matched: readonly string[];
  readonly alerts: readonly { readonly policy: string; readonly to: string | null }[];
  readonly sanitize: readonly { readonly policy: string; readonly fields: readonly string[] }[];
  readonly approvers: readonly string[];
  readonly approver_people?: Readonly<Record<string, readonly string[]>>;
  readonly hidden: boolean;
}

/** A glob as tokens: `*`, `?`, or a literal character (`\*`, `\?`, `\\` escape the character). */
function globTokens(glob: string): { wild: "*" | "?" | undefined; ch: string }[] {
  const out: { wild: "*" | "?" | undefined; ch: string }[] = [];
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "\\" && i + 1 < glob.length && "*?\\".includes(glob[i + 1]!)) out.push({ wild: undefined, ch: glob[++i]! });
    else out.push({ wild: c === "*" || c === "?" ? c : undefined, ch: c });
  }
  return out;
}

/** Glob match by recursion: `*` any run, `?` one character, `\*` `\?` `\\` literal. */
export function globMatch(glob: string, s: string): boolean {
  const g = globTokens(glob);
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const k = i * (s.length + 1) + j;
    const m = memo.get(k);
    if (m !== undefined) return m;
    let r: boolean;
    if (i === g.length) r = j === s.length;
    else if (g[i]!.wild === "*") r = go(i + 1, j) || (j < s.length && go(i, j + 1));
    else if (j < s.length && (g[i]!.wild === "?" || g[i]!.ch === s[j])) r = go(i + 1, j + 1);
    else r = false;
    memo.set(k, r);
    return r;
  };
  return go(0, 0);
}

/** One part of a call as the reference sees it (exported for the session model, history.ts). */
export interface Call {
  /** A marked path argument without a canonical form: the call is blocked. */
  ambiguous?: string;
  root?: string;
  home?: string;
  integration: string;
  name: string;
  tool: CatalogTool | undefined;
  callType: string;
  args: Record<string, unknown>;
  text: string[];
  /** A command's argv as policies see it. */
  argv?: readonly string[];
}

/**
 * A command line's simple commands (normalised by the runtime's `simpleCommands`, the same facts
 * as the catalog's patterns), each resolved by the catalog: an unknown one is never a catalog tool.
 */
function commandCalls(m: ReferenceModel, command: readonly string[] | string): Call[] {
  return simpleCommands(command, { globals: m.catalog.globalOptions(), shell: m.shell }).map((s) => {
    const argv = s.argv.length ? s.argv : s.raw;
    const args = { argv: [...argv], raw_argv: [...s.raw] };
    const text = [s.raw.join(" ")];
    const tool = s.unknown === undefined ? m.catalog.resolveCommand(argv) : undefined;
    if (tool?.argKinds["argv"] === "git_push") Object.assign(args, gitPushArgs(argv, s.raw));
    if (tool) return { integration: tool.integration, name: tool.name.toLowerCase(), tool, callType: "cli", args, text, argv };
    const owner = m.catalog.commands().find((x) => x.pattern[0] === (argv[0] ?? "").toLowerCase());
    return { integration: owner ? owner.tool.split(".")[0]! : (argv[0] ?? "").toLowerCase(), name: (argv[1] ?? "").toLowerCase(), tool: undefined, callType: "cli", args, text, argv };
  });
}

/** The parts of a tool call: its simple commands, or the MCP call and the command lines in its `command` arguments. */
export function resolveAll(m: ReferenceModel, e: SessionEvent): Call[] {
  const c = e.call;
  if (!c) return [];
  if ((c.type ?? (c.command ? "cli" : "mcp")) === "cli" && c.command) return commandCalls(m, c.command);
  const call = resolve(m.catalog, e)!;
  const lines: (string | readonly string[])[] = [];
  for (const [path, kind] of Object.entries(call.tool?.argKinds ?? {})) {
    if (kind !== "command") continue;
    for (const v of valuesAt(call.args, path)) {
      if (typeof v === "string") lines.push(v);
      else if (Array.isArray(v) && v.length && v.every((x) => typeof x === "string")) lines.push(v as string[]);
    }
  }
  return [call, ...lines.flatMap((l) => commandCalls(m, l))];
}

/** Values at `a.b`, `a[*]`, `a[*].b`. */
function valuesAt(args: unknown, path: string): unknown[] {
  let cur: unknown[] = [args];
  for (const step of path.replace(/\[\*\]/g, ".[*]").split(".").filter(Boolean)) {
    cur = cur.flatMap((v) => (step === "[*]" ? (Array.isArray(v) ? v : []) : v && typeof v === "object" && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, step) ? [(v as Record<string, unknown>)[step]] : []));
  }
  return cur;
}

function resolve(catalog: Catalog, e: SessionEvent): Call | undefined {
  const c = e.call;
  if (!c) return undefined;
  const integration = (c.integration ?? "").toLowerCase();
  const name = (c.tool ?? "").toLowerCase();
  const args = c.args ?? {};
  const text: string[] = [];
  const walk = (v: unknown, d: number): void => {
    if (d > 32) return;
    if (typeof v === "string") text.push(v);
    else if (Array.isArray(v)) v.forEach((x) => walk(x, d + 1));
    else if (v && typeof v === "object") Object.keys(v).forEach((k) => walk((v as Record<string, unknown>)[k], d + 1));
  };
  walk(args, 0);
  const tool = catalog.tool(`${integration}.${name}`);
  const ctx = { ...(c.root !== undefined ? { root: c.root } : {}), ...(c.home !== undefined ? { home: c.home } : {}) };
  const canon = canonicalArgs(args, tool && Object.keys(tool.argKinds).length ? tool.argKinds : null, ctx);
  return { integration, name, tool, callType: "mcp", args: canon.args, text, ...ctx, ...(canon.ambiguous ? { ambiguous: canon.ambiguous } : {}) };
}

/** Does `test` hold at the argument path: keys, `[n]` one element, `[*]` some element, `[all]` every element (of an array)? */
function argHoldsAt(v: unknown, path: readonly string[], test: (x: unknown) => boolean): boolean {
  if (path.length === 0) return v !== undefined && test(v);
  const [p, ...rest] = path as [string, ...string[]];
  if (p === "[*]") return Array.isArray(v) && v.some((x) => argHoldsAt(x, rest, test));
  if (p === "[all]") return Array.isArray(v) && v.every((x) => argHoldsAt(x, rest, test));
  if (/^\[\d+\]$/.test(p)) { const i = Number(p.slice(1, -1)); return Array.isArray(v) && i < v.length && argHoldsAt(v[i], rest, test); }
  return v !== null && typeof v === "object" && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, p) && argHoldsAt((v as Record<string, unknown>)[p], rest, test);
}

/** The strings a value stands for in `matches`, URL and path tests: itself, or an array's string elements. */
const stringsIn = (v: unknown): string[] => (typeof v === "string" ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

function argHolds(e: Extract<CExpr, { k: "arg" }>, v: unknown): boolean {
  switch (e.op) {
    case "exists": return true;
    case "eq": return v === e.value;
    case "in": return e.values.includes(v);
    case "matches": return stringsIn(v).some((s) => globMatch(e.glob, s));
    case "contains":
      if (typeof v === "string") return typeof e.value === "string" && v.indexOf(e.value) >= 0;
      return Array.isArray(v) && v.some((y) => (typeof y === "string" ? typeof e.value === "string" && y.indexOf(e.value) >= 0 : y === e.value));
    case ">": return typeof v === "number" && v > e.n;
    case "<": return typeof v === "number" && v < e.n;
    case ">=": return typeof v === "number" && v >= e.n;
    case "<=": return typeof v === "number" && v <= e.n;
  }
  return false;
}

function urlHolds(e: Extract<CExpr, { k: "url" }>, v: unknown): boolean {
  return stringsIn(v).some((s) => {
    const p = urlPart(s, e.part);
    if (p === undefined) return false;
    return e.op === "eq" ? p === e.value : e.op === "in" ? e.values.includes(p) : globMatch(e.glob, p);
  });
}

function underHolds(e: Extract<CExpr, { k: "under" }>, v: unknown, call: Call): boolean {
  const ctx = { ...(call.root !== undefined ? { root: call.root } : {}), ...(call.home !== undefined ? { home: call.home } : {}) };
  const a = canonicalPath(e.anchor, ctx);
  if (!("path" in a)) return false;
  return stringsIn(v).some((s) => { const p = canonicalPath(s, ctx); return "path" in p && pathUnder(p.path, a.path, ctx); });
}

/** `command starts with`: the words before the last equal; the last equal, or its start when it ends in a non-word character. */
function prefixHolds(argv: readonly string[], p: readonly string[]): boolean {
  const n = p.length;
  if (argv.length < n || JSON.stringify(argv.slice(0, n - 1)) !== JSON.stringify(p.slice(0, n - 1))) return false;
  const last = p[n - 1]!;
  const boundary = !/[A-Za-z0-9_]/.test(last.charAt(last.length - 1));
  return argv[n - 1] === last || (boundary && argv[n - 1]!.slice(0, last.length) === last);
}

/** A response's or message's text (what `body` and `data_class` scan) and the result. */
interface Returned { readonly text: readonly string[]; readonly result?: unknown }

/** Session conditions, answered by the session model (history.ts) from the events before this one. */
export type HistoryHolds = (e: CExpr, call: Call | undefined) => boolean;

/** Session condition kinds the session model answers. */
const HISTORY: ReadonlySet<string> = new Set(["session_label", "session_called", "session_seen", "session_mark", "rate", "burst"]);

export function holds(e: CExpr, ev: SessionEvent, call: Call | undefined, m: ReferenceModel, r?: Returned, h?: HistoryHolds): boolean {
  const op = call?.tool?.operation ?? "Unknown";
  if (h && HISTORY.has(e.k)) return h(e, call);
  switch (e.k) {
    case "true": return true;
    case "false": return false;
    case "and": return e.items.every((x) => holds(x, ev, call, m, r, h));
    case "or": return e.items.some((x) => holds(x, ev, call, m, r, h));
    case "not": return !holds(e.x, ev, call, m, r, h);
    case "integration": return !!call && e.ids.includes(call.integration);
    case "tool": return !!call && e.keys.includes(`${call.integration}.${call.name}`);
    case "tool_glob": return !!call && globMatch(e.glob.toLowerCase(), e.dotted ? `${call.integration}.${call.name}` : call.name);
    case "label": return !!call?.tool?.labels.includes(e.label);
    case "operation": return !!call && e.ops.includes(op);
    case "method": return !!call?.tool?.method && e.values.includes(call.tool.method.toUpperCase());
    case "category": return !!call?.tool?.category && e.values.includes(call.tool.category.toLowerCase());
    case "verb": return !!call?.tool && call.tool.verbs.some((v) => e.values.includes(v.toLowerCase()));
    case "agent": return ev.agent?.name !== undefined && e.names.includes(ev.agent.name);
    case "review": return e.values.includes(reviewOf(ev.agent, m.agentReviews));
    case "tool_review": return !!call && e.values.includes(toolReview(m, call, ev));
    case "call_type": return !!call && e.values.includes(call.callType);
    case "arg": return !!call && argHoldsAt(call.args, e.path, (v) => argHolds(e, v));
    case "url": return !!call && argHoldsAt(call.args, e.path, (v) => urlHolds(e, v));
    case "under": return !!call && argHoldsAt(call.args, e.path, (v) => underHolds(e, v, call));
    case "body": {
      const text = r ? r.text : call?.text;
      if (!text) return false;
      const low = text.map((t) => t.toLowerCase());
      const found = e.needles.map((n) => low.some((t) => t.includes(n)));
      return e.mode === "any" ? found.some(Boolean) : found.every(Boolean);
    }
    case "data_class": {
      const text = r ? r.text : call?.text;
      if (!text) return false;
      const dets = compileDetectors(m.detectors);
      return text.some((t) => scanPlain(dets, t).some((h) => e.classes.includes(h.cls)));
    }
    case "user": return userHolds(e, ev);
    case "arg_user": {
      if (!call) return false;
      const isScalar = (a: unknown) => a === null || ["string", "number", "boolean"].includes(typeof a);
      return argHoldsAt(call.args, e.path, (a) => isScalar(a) && userValues(ev, e.user).some((u) => (e.op === "eq" ? u === a : typeof a === "number" && typeof u === "number" && compare(e.op, a, u))));
    }
    case "command_prefix": return !!call?.argv && e.prefixes.some((p) => prefixHolds(call.argv!, p));
    case "result": return !!r && "result" in r && argHoldsAt(resultFields(r.result), e.path, (v) => argHolds({ ...e, k: "arg" } as Extract<CExpr, { k: "arg" }>, v));
    case "result_size": return !!r && "result" in r && compare(e.cmp, new TextEncoder().encode(JSON.stringify(r.result) ?? "").length, e.bytes);
    case "result_error": return !!r && "result" in r && isObject(r.result) && r.result["isError"] === true;
    default:
      throw new Error(`the reference evaluator does not handle ${e.k}`);
  }
}

/** SPEC: the review of a catalog tool, `Unreviewed` otherwise or when its definition changed (unless `Disallowed`). */
function toolReview(m: ReferenceModel, call: Call, ev: SessionEvent): string {
  const key = `${call.integration}.${call.name}`;
  const reviewed = call.tool && m.toolReviews && Object.prototype.hasOwnProperty.call(m.toolReviews, key) ? m.toolReviews[key]! : "Unreviewed";
  if (reviewed === "Disallowed") return reviewed;
  return (ev.call?.definition_changed?.length ?? 0) > 0 ? "Unreviewed" : reviewed;
}

/** The values of a user field: a list's elements, a scalar alone, nothing when absent. */
function userValues(ev: SessionEvent, path: readonly string[]): unknown[] {
  let v: unknown = ev.user;
  for (const p of path) v = v !== null && typeof v === "object" && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, p) ? (v as Record<string, unknown>)[p] : undefined;
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function compare(op: ">" | "<" | ">=" | "<=", a: number, b: number): boolean {
  switch (op) {
    case ">": return a > b;
    case "<": return a < b;
    case ">=": return a >= b;
    case "<=": return a <= b;
  }
}

function userHolds(e: Extract<CExpr, { k: "user" }>, ev: SessionEvent): boolean {
  const vs = userValues(ev, e.path);
  switch (e.op) {
    case "exists": return vs.some((v) => v !== null);
    case "eq": return vs.includes(e.value);
    case "in": return vs.some((v) => e.values.includes(v));
    case "matches": return vs.some((v) => typeof v === "string" && globMatch(e.glob, v));
    default: { const op = e.op, n = e.n; return vs.some((v) => typeof v === "number" && compare(op, v, n)); }
  }
}

/** `approver_people`: the user's manager fills `manager`; the requester never approves their own request. */
function approverPeople(approvers: readonly string[], ev: SessionEvent): Record<string, string[]> | undefined {
  const u = ev.user;
  if (!u || !approvers.includes("manager") || typeof u.manager !== "string" || u.manager === "") return undefined;
  return { manager: u.manager === u.id ? [] : [u.manager] };
}

function inScope(p: CheckedPolicy, ev: SessionEvent): boolean {
  switch (p.scope.kind) {
    case "platform": return true;
    case "tenant": return p.scope.tenant === undefined || ev.tenant === p.scope.tenant;
    case "agent": return ev.agent?.name === p.scope.agent;
  }
}

const RANK = { allow: 0, require_approval: 1, block: 2 } as const;

/**
 * SPEC §5, literally; a call of several parts (simple commands) is each part decided, and the
 * strictest wins: its policy and approvers; matched policies (once each), alerts and sanitize of all.
 */
export function referenceDecide(m: ReferenceModel, ev: SessionEvent, h?: HistoryHolds): ReferenceDecision {
  if (ev.type === "agent_discovered") return decideOne(m, ev, undefined, h);
  const ds = resolveAll(m, ev).map((call) => decideOne(m, ev, call, h));
  if (ds.length <= 1) return ds[0] ?? decideOne(m, ev, undefined, h);
  const best = ds.reduce((a, d) => (RANK[d.effect] > RANK[a.effect] ? d : a));
  const matched = [...new Set(ds.flatMap((d) => d.matched))];
  const sanitize = ds.flatMap((d) => d.sanitize).filter((s, i, all) => all.findIndex((x) => x.policy === s.policy) === i);
  return { ...best, matched, alerts: ds.flatMap((d) => d.alerts), sanitize, hidden: ds.some((d) => d.hidden) };
}

function decideOne(m: ReferenceModel, ev: SessionEvent, call: Call | undefined, h?: HistoryHolds): ReferenceDecision {
  const trigger = ev.type === "agent_discovered" ? "agent_discovered" : "tool_call";
  if (call?.ambiguous) return { effect: "block", policy: null, matched: [], alerts: [], sanitize: [], approvers: [], hidden: false };
  const matched = m.policies
    .filter((p) => p.trigger === trigger && inScope(p, ev) && p.ifs.every((i) => holds(i.expr, ev, call, m, undefined, h)))
    .sort((a, b) => a.priority - b.priority || a.order - b.order);
  const alerts = matched.flatMap((p) => p.alerts.map((a) => ({ policy: p.id, to: a.to ?? null })));
  const sanitize = matched.filter((p) => p.sanitize.length).map((p) => ({ policy: p.id, fields: [...p.sanitize] }));
  const base = { matched: matched.map((p) => p.id), alerts, sanitize, hidden: matched.some((p) => p.effect === "hide") };
  const blocks = matched.filter((p) => p.effect === "block" || p.effect === "hide");
  if (blocks.length) return { effect: "block", policy: blocks[0]!.id, approvers: [], ...base };
  const effects = matched.filter((p) => p.effect === "allow" || p.effect === "require_approval");
  if (effects.length) {
    const top = effects.filter((p) => p.priority === effects[0]!.priority);
    const d = top.find((p) => p.effect === "require_approval") ?? top[0]!;
    const approvers = d.effect === "require_approval" ? [...d.approvers] : [];
    const people = approverPeople(approvers, ev);
    return { effect: d.effect as "allow" | "require_approval", policy: d.id, approvers, ...(people ? { approver_people: people } : {}), ...base };
  }
  if (trigger === "agent_discovered") return { effect: "allow", policy: null, approvers: [], ...base };
  return { effect: referenceDefault(m, ev, call), policy: null, approvers: [], ...base };
}

/**
 * The default for a call (docs/language.md, "Defaults"): among the `default for …` that fit the
 * call and name its operation, the narrowest scope first (agent, then tenant, then none) and,
 * within a scope, the one for the call's integration before the one for every integration; then
 * the project-wide `default`; then allow.
 */
function referenceDefault(m: ReferenceModel, ev: SessionEvent, call: Call | undefined): "allow" | "block" | "require_approval" {
  const op = call?.tool?.operation ?? "Unknown";
  const integration = call?.integration ?? "";
  const scopeOf = (d: ScopedDefault): number => (d.agent !== undefined ? 0 : d.tenant !== undefined ? 1 : 2);
  const fitting = (m.defaults ?? []).filter((d) => d.ops[op] !== undefined &&
    (d.tenant === undefined || d.tenant === ev.tenant) &&
    (d.agent === undefined || d.agent === ev.agent?.name) &&
    (d.integration === undefined || d.integration === integration));
  for (const scope of [0, 1, 2]) {
    const inScope = fitting.filter((d) => scopeOf(d) === scope);
    const pick = inScope.find((d) => d.integration !== undefined) ?? inScope[0];
    if (pick) return pick.ops[op]!;
  }
  return m.default ? m.default[op] : "allow";
}

// ─── responses and messages ──────────────────────────────────────────────────────────────
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** `result.<path>` reads: `content` → the text of the content items; any other name → `structuredContent`. */
function resultFields(result: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const sc = isObject(result) ? result["structuredContent"] : undefined;
  if (isObject(sc)) for (const k of Object.keys(sc)) if (k !== "content") Object.defineProperty(out, k, { value: sc[k], enumerable: true });
  const items = isObject(result) && Array.isArray(result["content"]) ? result["content"] : [];
  const texts: string[] = [];
  for (const it of items) {
    if (!isObject(it)) continue;
    if (typeof it["text"] === "string") texts.push(it["text"]);
    if (isObject(it["resource"]) && typeof it["resource"]["text"] === "string") texts.push(it["resource"]["text"]);
  }
  out["content"] = texts;
  return out;
}

/** The result's text: every string but binary data and type tags outside `structuredContent` (docs/language.md). */
function resultText(result: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown, structured: boolean, top: boolean): void => {
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) v.forEach((x) => walk(x, structured, false));
    else if (isObject(v)) {
      for (const k of Object.keys(v)) {
        if (!structured && ["data", "blob", "type", "mimeType"].includes(k) && typeof v[k] === "string") continue;
        walk(v[k], structured || (top && k === "structuredContent"), false);
      }
    }
  };
  walk(result, false, true);
  return out;
}

/**
 * A `tool_call_response` (joined to `request`, else to its own `call`) or a message, decided by
 * SPEC §5 over the `when tool_response` / `message_…` policies; no default applies (allow). A
 * response whose request is unknown is blocked while response policies exist.
 */
export function referenceDecideReturn(m: ReferenceModel, ev: SessionEvent, request?: SessionEvent): ReferenceDecision {
  const trigger = ev.type === "tool_call_response" ? "tool_response" : ev.type;
  const none: ReferenceDecision = { effect: "allow", policy: null, matched: [], alerts: [], sanitize: [], approvers: [], hidden: false };
  let call: Call | undefined;
  let r: Returned;
  if (trigger === "tool_response") {
    const req = request?.call ? request : ev.call ? { ...ev, type: "tool_call_request", call: ev.call } : undefined;
    if (!req) return m.policies.some((p) => p.trigger === "tool_response") ? { ...none, effect: "block" } : none;
    call = resolveAll(m, req)[0];
    if (call?.ambiguous) return { ...none, effect: "block" };
    r = { text: resultText(ev.result), result: ev.result };
  } else r = { text: [typeof ev.text === "string" ? ev.text : ""] };
  const matched = m.policies
    .filter((p) => p.trigger === trigger && inScope(p, ev) && p.ifs.every((i) => holds(i.expr, ev, call, m, r)))
    .sort((a, b) => a.priority - b.priority || a.order - b.order);
  const alerts = matched.flatMap((p) => p.alerts.map((a) => ({ policy: p.id, to: a.to ?? null })));
  const sanitize = matched.filter((p) => p.sanitize.length).map((p) => ({ policy: p.id, fields: [...p.sanitize] }));
  const base = { matched: matched.map((p) => p.id), alerts, sanitize, hidden: false };
  const blocks = matched.filter((p) => p.effect === "block");
  if (blocks.length) return { ...none, ...base, effect: "block", policy: blocks[0]!.id };
  const effects = matched.filter((p) => p.effect === "allow" || p.effect === "require_approval");
  if (!effects.length) return { ...none, ...base };
  const top = effects.filter((p) => p.priority === effects[0]!.priority);
  const d = top.find((p) => p.effect === "require_approval") ?? top[0]!;
  const approvers = d.effect === "require_approval" ? [...d.approvers] : [];
  const people = approverPeople(approvers, ev);
  return { ...none, ...base, effect: d.effect as "allow" | "require_approval", policy: d.id, approvers, ...(people ? { approver_people: people } : {}) };
}
