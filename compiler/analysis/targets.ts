/**
 * Targets and rows: what an analysis decides over. A target is one kind of call the tables tell
 * apart — a catalog tool (`tool:github.create_issue`), a tool of a catalog integration that the
 * catalog does not list (`unknown:github`), a tool outside every integration (`other`), or agent
 * discovery (`discovered`). For a target, each policy of a bundle becomes a row: its effect and
 * its condition folded with the tool's facts (`staticEval`, the function the tables are built
 * with), so that what is left is a condition over atoms (atoms.ts).
 */
import type { Bundle, BundlePolicy, CExpr, Effect, Operation } from "../../runtime/types.js";
import { staticEval, toolReviewOf, type ToolFacts } from "../../runtime/static-eval.js";
import { and, AtomTable, not, or, TRUE, FALSE, type Cond } from "./atoms.js";

export type TargetKey = string;

export interface Row {
  readonly id: string;
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly priority: number;
  readonly effect?: Effect;
  readonly reason?: string;
  readonly approvers?: readonly string[];
  readonly cond: Cond;
  /** Index of the policy in its bundle (or in the list of inactive policies). */
  readonly index: number;
}

type DefaultEffect = "allow" | "block" | "require_approval";

/** A `default for …` that names the target's operation: where it fits, and what it gives. */
export interface DefaultRow {
  readonly cond: Cond;
  readonly effect: DefaultEffect;
}

/**
 * One policy set over one target: what blocks before any policy runs (`pre`: an ambiguous path),
 * rows in decision order, the `default for …` rows in precedence order, and what the project
 * default (or allow) gives when none fits.
 */
export interface TargetModel {
  readonly target: TargetKey;
  readonly pre: Cond;
  readonly rows: readonly Row[];
  readonly defaults: readonly DefaultRow[];
  readonly fallback: DefaultEffect;
  /** Whether the fallback is the project's `default` (else the implicit allow). */
  readonly hasDefault: boolean;
  readonly operation: Operation;
}

const NONE: ToolFacts = { integration: "", name: null, operation: "Unknown", labels: [], method: null, category: null, verbs: [] };

/** Every target of the bundles: their catalog tools, their integrations' unknown tools, the rest. */
export function targetsOf(bundles: readonly Bundle[]): TargetKey[] {
  const tools = new Set<string>(), integrations = new Set<string>();
  for (const b of bundles) {
    for (const k of Object.keys(b.tools)) tools.add(k);
    for (const k of Object.keys(b.integrations)) integrations.add(k);
  }
  return [...[...tools].sort().map((k) => `tool:${k}`), ...[...integrations].sort().map((k) => `unknown:${k}`), "other", "discovered"];
}

/** The target an event's resolved call falls in (`tool:` only when the bundle knows the tool). */
export function targetOfCall(b: Bundle, call: { key: string; known: boolean; integration: string } | undefined): TargetKey {
  if (!call) return "discovered";
  if (call.known) return `tool:${call.key}`;
  return Object.prototype.hasOwnProperty.call(b.integrations, call.integration) ? `unknown:${call.integration}` : "other";
}

/** The tool facts a bundle has for a target (a tool it does not list is an unknown tool). */
export function factsIn(b: Bundle, t: TargetKey): ToolFacts {
  if (t.startsWith("tool:")) {
    const key = t.slice(5);
    const dot = key.indexOf(".");
    const integration = key.slice(0, dot);
    const f = Object.prototype.hasOwnProperty.call(b.tools, key) ? b.tools[key] : undefined;
    if (f) return { integration, name: key.slice(dot + 1), operation: f[0], labels: f[1], method: f[2], category: f[3], verbs: f[4] };
    return Object.prototype.hasOwnProperty.call(b.integrations, integration) ? { ...NONE, integration } : NONE;
  }
  if (t.startsWith("unknown:")) {
    const integration = t.slice(8);
    return Object.prototype.hasOwnProperty.call(b.integrations, integration) ? { ...NONE, integration } : NONE;
  }
  return NONE;
}

/** Can a command line resolve to this target (so `call_type is cli` can hold)? */
function cliPossible(b: Bundle, t: TargetKey, f: ToolFacts): boolean {
  if (t === "other") return true;
  if (f.name !== null) return b.commands.some((c) => c[1] === `${f.integration}.${f.name}`);
  return f.integration === "" || b.commands.some((c) => c[1].startsWith(`${f.integration}.`));
}

/** Leaves of `agent_discovered` events: no call, so only the agent, its user and the clock can hold. */
const DISCOVERY_LEAVES = new Set(["agent", "review", "user", "time"]);

/**
 * `tool.review_status` of a target: the bundle's review of a catalog tool (else `Unreviewed`),
 * and `Unreviewed` when the event says its definition changed, unless it is `Disallowed`
 * (`toolReviewOf`). So the condition is a constant, or reads the `definition_changed` atom.
 */
function foldToolReview(e: Extract<CExpr, { k: "tool_review" }>, b: Bundle, t: TargetKey, atoms: AtomTable): Cond {
  const key = t.startsWith("tool:") ? t.slice(5) : "";
  const known = key !== "" && Object.prototype.hasOwnProperty.call(b.tools, key);
  const steady = toolReviewOf(b.tool_reviews, key, known, false), changed = toolReviewOf(b.tool_reviews, key, known, true);
  const a = e.values.includes(steady), c = e.values.includes(changed);
  if (a === c) return { k: "c", v: a };
  const atom: Cond = { k: "a", i: atoms.of({ k: "definition_changed" }) };
  return c ? atom : not(atom);
}

/** A condition folded for a target: tool-decided leaves become constants, the rest atoms. */
export function fold(e: CExpr, t: TargetKey, f: ToolFacts, cli: boolean, atoms: AtomTable, b?: Bundle): Cond {
  switch (e.k) {
    case "true": return TRUE;
    case "false": return FALSE;
    case "and": return and(e.items.map((x) => fold(x, t, f, cli, atoms, b)));
    case "or": return or(e.items.map((x) => fold(x, t, f, cli, atoms, b)));
    case "not": return not(fold(e.x, t, f, cli, atoms, b));
    default: break;
  }
  if (t === "discovered") return DISCOVERY_LEAVES.has(e.k) ? { k: "a", i: atoms.of(e) } : FALSE;
  if (e.k === "tool_review" && b) return foldToolReview(e, b, t, atoms);
  if (e.k === "call_type" && !cli) return { k: "c", v: e.values.includes("mcp") };
  // Without command lines, a tool outside the catalog never has a catalog tool's name.
  if (e.k === "tool" && f.name === null && !cli) return FALSE;
  const v = staticEval(e, f);
  return v === undefined ? { k: "a", i: atoms.of(e) } : { k: "c", v };
}

function scopeCond(p: BundlePolicy, atoms: AtomTable): Cond {
  const s = p.scope;
  if (s[0] === "platform" || s.length === 1) return TRUE;
  if (s[0] === "tenant") return { k: "a", i: atoms.of({ k: "tenant", tenant: s[1]! }) };
  return { k: "a", i: atoms.of({ k: "agent", names: [s[1]!] }) };
}


export interface ModelOptions {
  /** Give each policy a status atom (true for the bundle's, false for `inactive` ones). */
  readonly statusAtoms?: boolean;
  /** Policies not in the bundle (drafts left out of it), placed in decision order. */
  readonly inactive?: readonly BundlePolicy[];
}

function rowOf(p: BundlePolicy, index: number, cond: Cond): Row {
  return { id: p.id, name: p.name, file: p.file, line: p.line, priority: p.priority, ...(p.effect ? { effect: p.effect } : {}), ...(p.reason !== undefined ? { reason: p.reason } : {}), ...(p.approvers ? { approvers: p.approvers } : {}), cond, index };
}

/** Decision order across files: priority, then file path, then line. */
function byDecisionOrder(a: { p: BundlePolicy }, b: { p: BundlePolicy }): number {
  return a.p.priority - b.p.priority || (a.p.file < b.p.file ? -1 : a.p.file > b.p.file ? 1 : 0) || a.p.line - b.p.line;
}

/** One bundle's policies over one target. */
export function modelOf(b: Bundle, t: TargetKey, atoms: AtomTable, opts: ModelOptions = {}): TargetModel {
  const f = factsIn(b, t);
  const cli = t !== "discovered" && cliPossible(b, t, f);
  const trigger = t === "discovered" ? "agent_discovered" : "tool_call";
  const all = [...b.policies.map((p, i) => ({ p, i, active: true })), ...(opts.inactive ?? []).map((p, i) => ({ p, i, active: false }))];
  if (opts.inactive?.length) all.sort(byDecisionOrder);
  const rows: Row[] = [];
  for (const { p, i } of all) {
    if (p.trigger !== trigger) continue;
    const parts = [scopeCond(p, atoms), ...p.ifs.map((x) => fold(x.expr, t, f, cli, atoms, b))];
    if (opts.statusAtoms) parts.unshift({ k: "a", i: atoms.of({ k: "policy_active", id: p.id }) });
    const cond = and(parts);
    if (cond.k === "c" && !cond.v) continue;
    rows.push(rowOf(p, i, cond));
  }
  const fallback = t === "discovered" || !b.default ? "allow" : b.default[f.operation];
  const defaults = t === "discovered" ? [] : defaultRows(b, t, f, atoms);
  return { target: t, pre: preCond(b, t, f, atoms), rows, defaults, fallback, hasDefault: t !== "discovered" && !!b.default, operation: f.operation };
}

/**
 * The call is blocked before any policy when a marked path argument has no canonical form: only
 * a catalog tool with marked arguments (through MCP) can be; a command line's arguments are words.
 */
function preCond(b: Bundle, t: TargetKey, f: ToolFacts, atoms: AtomTable): Cond {
  if (!t.startsWith("tool:")) return FALSE;
  const entry = Object.prototype.hasOwnProperty.call(b.tools, t.slice(5)) ? b.tools[t.slice(5)] : undefined;
  const kinds = entry?.[7];
  if (!kinds || !Object.values(kinds).some((k) => k === "path" || k === "url")) return FALSE;
  void f;
  return { k: "a", i: atoms.of({ k: "ambiguous_path" }) };
}

/** `default for …` rows of a target (runtime/defaults.ts: the first that fits and names the operation). */
function defaultRows(b: Bundle, t: TargetKey, f: ToolFacts, atoms: AtomTable): DefaultRow[] {
  const out: DefaultRow[] = [];
  for (const d of b.defaults ?? []) {
    const effect = d.ops[f.operation];
    if (effect === undefined) continue;
    const parts: Cond[] = [];
    if (d.tenant !== undefined) parts.push({ k: "a", i: atoms.of({ k: "tenant", tenant: d.tenant }) });
    if (d.agent !== undefined) parts.push({ k: "a", i: atoms.of({ k: "agent", names: [d.agent] }) });
    // A call outside every catalog integration names its integration itself: an atom there.
    if (d.integration !== undefined) parts.push(t === "other" ? { k: "a", i: atoms.of({ k: "integration", ids: [d.integration] }) } : { k: "c", v: d.integration === f.integration });
    const cond = and(parts);
    if (cond.k === "c" && !cond.v) continue;
    out.push({ cond, effect });
  }
  return out;
}
