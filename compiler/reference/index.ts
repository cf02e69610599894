/**
 * The reference evaluator: SPEC §5 applied literally — a walk over every selected policy, each
 * condition evaluated from the catalog and the event with its own straightforward code (no
 * decision tables, no regexes for globs). The compiled tables must decide exactly as this does;
 * a fast-check property and the fuzzer compare them. Static conditions only: session conditions
 * are out of its scope (they are compared store against store).
 */
import type { CExpr, SessionEvent } from "../../runtime/types.js";
import { scan, compileDetectors } from "../../runtime/detectors.js";
import { reviewOf } from "../../runtime/static-eval.js";
import type { Catalog, CatalogTool } from "../catalog/catalog.js";
import type { BundleDefault, CheckedPolicy, CheckedDetector } from "../model.js";

export interface ReferenceModel {
  readonly policies: readonly CheckedPolicy[];
  readonly default?: BundleDefault;
  readonly detectors: readonly CheckedDetector[];
  readonly catalog: Catalog;
  /** Reviewed catalog tools (lower-case key → status); any other tool is `Unreviewed`. */
  readonly toolReviews?: Readonly<Record<string, string>>;
  /** Reviewed agents by name: the status of an agent whose event carries none. */
  readonly agentReviews?: Readonly<Record<string, string>>;
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

/** Glob match by recursion: `*` any run, `?` one character. */
export function globMatch(glob: string, s: string): boolean {
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const k = i * (s.length + 1) + j;
    const m = memo.get(k);
    if (m !== undefined) return m;
    let r: boolean;
    if (i === glob.length) r = j === s.length;
    else if (glob[i] === "*") r = go(i + 1, j) || (j < s.length && go(i, j + 1));
    else if (j < s.length && (glob[i] === "?" || glob[i] === s[j])) r = go(i + 1, j + 1);
    else r = false;
    memo.set(k, r);
    return r;
  };
  return go(0, 0);
}

interface Call {
  integration: string;
  name: string;
  tool: CatalogTool | undefined;
  callType: string;
  args: Record<string, unknown>;
  text: string[];
}

function resolve(catalog: Catalog, e: SessionEvent): Call | undefined {
  const c = e.call;
  if (!c) return undefined;
  if ((c.type ?? (c.command ? "cli" : "mcp")) === "cli" && c.command) {
    const tool = catalog.resolveCommand(c.command);
    if (tool) return { integration: tool.integration, name: tool.name.toLowerCase(), tool, callType: "cli", args: { argv: [...c.command] }, text: [c.command.join(" ")] };
    const owner = catalog.commands().find((x) => x.pattern[0] === c.command![0]);
    return { integration: owner ? owner.tool.split(".")[0]! : c.command[0]!.toLowerCase(), name: (c.command[1] ?? "").toLowerCase(), tool: undefined, callType: "cli", args: { argv: [...c.command] }, text: [c.command.join(" ")] };
  }
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
  return { integration, name, tool: catalog.tool(`${integration}.${name}`), callType: "mcp", args, text };
}

function argAt(args: unknown, path: readonly string[]): unknown {
  let v = args;
  for (const p of path) {
    if (v === null || typeof v !== "object" || !Object.prototype.hasOwnProperty.call(v, p)) return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

function holds(e: CExpr, ev: SessionEvent, call: Call | undefined, m: ReferenceModel): boolean {
  const op = call?.tool?.operation ?? "Unknown";
  switch (e.k) {
    case "true": return true;
    case "false": return false;
    case "and": return e.items.every((x) => holds(x, ev, call, m));
    case "or": return e.items.some((x) => holds(x, ev, call, m));
    case "not": return !holds(e.x, ev, call, m);
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
    case "arg": {
      if (!call) return false;
      const v = argAt(call.args, e.path);
      switch (e.op) {
        case "exists": return v !== undefined;
        case "eq": return v === e.value;
        case "in": return e.values.includes(v);
        case "matches": return typeof v === "string" && globMatch(e.glob, v);
        case "contains": return Array.isArray(v) ? v.includes(e.value) : typeof v === "string" && typeof e.value === "string" && v.indexOf(e.value) >= 0;
        case ">": return typeof v === "number" && v > e.n;
        case "<": return typeof v === "number" && v < e.n;
        case ">=": return typeof v === "number" && v >= e.n;
        case "<=": return typeof v === "number" && v <= e.n;
      }
      return false;
    }
    case "body": {
      if (!call) return false;
      const low = call.text.map((t) => t.toLowerCase());
      const found = e.needles.map((n) => low.some((t) => t.includes(n)));
      return e.mode === "any" ? found.some(Boolean) : found.every(Boolean);
    }
    case "data_class": {
      if (!call) return false;
      const dets = compileDetectors(m.detectors);
      return call.text.some((t) => scan(dets, t).some((h) => e.classes.includes(h.cls)));
    }
    case "user": return userHolds(e, ev);
    case "arg_user": {
      const a = call ? argAt(call.args, e.path) : undefined;
      const isScalar = a === null || ["string", "number", "boolean"].includes(typeof a);
      return a !== undefined && isScalar && userValues(ev, e.user).some((u) => (e.op === "eq" ? u === a : typeof a === "number" && typeof u === "number" && compare(e.op, a, u)));
    }
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
  const v = argAt(ev.user, path);
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

/** SPEC §5, literally. */
export function referenceDecide(m: ReferenceModel, ev: SessionEvent): ReferenceDecision {
  const trigger = ev.type === "agent_discovered" ? "agent_discovered" : "tool_call";
  const call = trigger === "tool_call" ? resolve(m.catalog, ev) : undefined;
  const matched = m.policies
    .filter((p) => p.trigger === trigger && inScope(p, ev) && p.ifs.every((i) => holds(i.expr, ev, call, m)))
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
  if (trigger === "agent_discovered" || !m.default) return { effect: "allow", policy: null, approvers: [], ...base };
  return { effect: m.default[call?.tool?.operation ?? "Unknown"], policy: null, approvers: [], ...base };
}
