/**
 * Counterfactuals: for one decision, the smallest changes that give another effect — changes of
 * the event's fields (agent, review status, tenant, call type, an argument), of facts that are no
 * single field (content, session history, the user, the clock: stated as conditions), or of the
 * policy set (a policy's status). Computed from the target's rows, never by random search:
 * dimensions are tried in sets of growing size, each with the values its atoms name (dims.ts).
 *
 * A reported counterfactual is checked before it is reported: applied to the event (and the
 * policy set) it gives its effect, and with any one of its changes left out the decision keeps
 * the original effect (by the runtime itself when every change is a field or a status; on the
 * atoms otherwise). Minimal: no proper subset of its dimensions gives another effect with the
 * values tried (smaller sets are tried first and their supersets skipped).
 */
import type { Bundle, SessionEvent } from "../../runtime/types.js";
import { createEnforcer } from "../../runtime/index.js";
import type { StateSnapshot } from "../../runtime/store.js";
import { AtomTable, atomsIn, truth, type Cond } from "./atoms.js";
import { decide3, type Outcome } from "./decide.js";
import { atomHolds, candidates } from "./dims.js";
import { applyEdit, fieldOf } from "./edit.js";
import { assignmentOf, eventFacts, type EventFacts } from "./event-atoms.js";
import { loadedShellParser } from "../shell/shell-parser.js";
import { reviewOf } from "../../runtime/static-eval.js";
import { integrationOf } from "./explore.js";
import { keepPolicies } from "./policy-set.js";
import { modelOf, type TargetModel } from "./targets.js";
import { litText } from "./text.js";

/** One change: a dimension set so that its atoms take the values in `lits`. */
export interface Change {
  readonly dim: string;
  /** The atoms whose value changes, with their new value. */
  readonly lits: readonly (readonly [number, boolean])[];
  /** The new value of the event field (absent: the field is removed), when the dimension is one field. */
  readonly value?: { readonly v: unknown };
}

export interface Counterfactual {
  readonly outcome: Outcome;
  readonly changes: readonly Change[];
}

export interface CounterfactualResult {
  readonly atoms: AtomTable;
  readonly model: TargetModel;
  readonly universe: Bundle;
  readonly counterfactuals: readonly Counterfactual[];
  /** Why none are computed for this decision (the call's form decides it beside the policies). */
  readonly undecidable?: string;
}

export interface CounterfactualOptions {
  /** The session state the decision was made with (else an empty history). */
  readonly state?: StateSnapshot;
  /** Every policy, drafts included (e.g. a `--include-drafts` build); default: the bundle's. */
  readonly universe?: Bundle;
  /** At most this many (default 5). */
  readonly max?: number;
  /** At most this many changes in one counterfactual (default 3). */
  readonly maxSize?: number;
}

const CONCRETE = (dim: string) => dim === "agent" || dim === "review" || dim === "tenant" || dim === "call_type" || dim === "definition_changed" || dim.startsWith("args.");

/**
 * Why a decision has no counterfactuals from one target's conditions: a call blocked for an
 * ambiguous path before any policy ran, or a call of several parts (the strictest part wins).
 */
export function undecidableReason(f: EventFacts): string | undefined {
  if (f.ambiguous) return "the call was blocked before any policy ran (a path argument can be read more than one way): only writing the path plainly changes it, no change of the policies does";
  if (f.parts.length > 1) return `the call has ${f.parts.length} parts (a shell line's commands, or an MCP tool's command arguments), each decided on its own with the strictest winning: not decidable from one part's conditions alone (explain each command on its own)`;
  return undefined;
}

/** The ways one dimension can change: each a set of new atom values, with a field value when concrete. */
function optionsOf(dim: string, idx: readonly number[], atoms: AtomTable, base: Int8Array, integration: string): Change[] {
  const differs = (vec: boolean[]) => vec.some((v, n) => (v ? 1 : 0) !== base[idx[n]!]);
  if (!CONCRETE(dim)) {
    if (dim === "tool_name") return [];
    return [{ dim, lits: idx.map((i) => [i, base[i] !== 1] as const) }];
  }
  const { values } = candidates(dim, idx.map((i) => atoms.atoms[i]!.x), integration);
  const seen = new Set<string>(), out: Change[] = [];
  for (const v of values) {
    const vec = idx.map((i) => atomHolds(atoms.atoms[i]!.x, v, integration));
    const key = vec.join();
    if (seen.has(key) || !differs(vec)) continue;
    seen.add(key);
    out.push({ dim, lits: idx.map((i, n) => [i, vec[n]!] as const).filter(([i, v2]) => (v2 ? 1 : 0) !== base[i]), value: { v } });
  }
  return out;
}

/** The dimensions the target's rows read, each with its atoms. */
function dimsOf(m: TargetModel, atoms: AtomTable): Map<string, number[]> {
  const used = new Set<number>();
  for (const r of m.rows) if (r.effect) atomsIn(r.cond, used);
  for (const d of m.defaults) atomsIn(d.cond, used);
  const dims = new Map<string, number[]>();
  for (const i of [...used].sort((a, b) => a - b)) {
    const d = atoms.atoms[i]!.dim;
    dims.set(d, [...(dims.get(d) ?? []), i]);
  }
  return dims;
}

function* combinations<T>(xs: readonly T[], k: number, from = 0): Generator<T[]> {
  if (k === 0) { yield []; return; }
  for (let i = from; i <= xs.length - k; i++) for (const rest of combinations(xs, k - 1, i + 1)) yield [xs[i]!, ...rest];
}

function* product(lists: readonly Change[][], cap: number): Generator<Change[]> {
  let n = 0;
  const go = function* (i: number, acc: Change[]): Generator<Change[]> {
    if (n >= cap) return;
    if (i === lists.length) { n++; yield acc; return; }
    for (const c of lists[i]!) yield* go(i + 1, [...acc, c]);
  };
  yield* go(0, []);
}

function outcomeWith(m: TargetModel, base: Int8Array, changes: readonly Change[]): Outcome {
  const a = base.slice();
  for (const c of changes) for (const [i, v] of c.lits) a[i] = v ? 1 : 0;
  const s = decide3(m, a);
  return "done" in s ? s.done : { effect: "block", policy: null };
}

/** The counterfactuals of one event's decision. */
export function counterfactuals(bundle: Bundle, event: SessionEvent, opts: CounterfactualOptions = {}): CounterfactualResult {
  const universe = opts.universe ?? bundle;
  const active = new Set(bundle.policies.map((p) => p.id));
  const f = eventFacts(universe, event, opts.state);
  const atoms = new AtomTable();
  const model = modelOf(universe, f.target, atoms, { statusAtoms: true });
  const undecidable = undecidableReason(f);
  if (undecidable) return { atoms, model, universe, counterfactuals: [], undecidable };
  const base = assignmentOf(atoms, f, active);
  const start = decide3(model, base);
  if (!("done" in start)) return { atoms, model, universe, counterfactuals: [] };
  const integration = integrationOf(f.target);
  // An agent reviewed by name (the bundle's agent reviews) keeps its status under another name only
  // when the event carries it: other names would change two facts, so they are not offered.
  const review = reviewOf(event.agent, universe.agent_reviews);
  const keeps = (ch: Change) => ch.dim !== "agent" || event.agent?.review_status !== undefined || reviewOf({ name: ch.value?.v as string }, universe.agent_reviews) === review;
  const dims = [...dimsOf(model, atoms)].map(([d, idx]) => optionsOf(d, idx, atoms, base, integration).filter(keeps)).filter((o) => o.length);
  const found: Counterfactual[] = [];
  const ctx: Check = { bundle, universe, active, event, state: opts.state, model, atoms, target: f.target, from: start.done };
  for (let k = 1; k <= Math.min(opts.maxSize ?? 3, dims.length); k++) {
    for (const combo of combinations(dims, k)) {
      const dimNames = combo.map((o) => o[0]!.dim);
      if (found.some((c) => c.changes.every((ch) => dimNames.includes(ch.dim)))) continue;
      const effects = new Set<string>();
      for (const changes of product(combo, 64)) {
        const o = outcomeWith(model, base, changes);
        if (o.effect === start.done.effect || effects.has(o.effect)) continue;
        if (!verified(ctx, changes, o)) continue;
        effects.add(o.effect);
        found.push({ outcome: o, changes });
      }
    }
  }
  return { atoms, model, universe, counterfactuals: rank(found).slice(0, opts.max ?? 5) };
}

/** For each alert of the decision, the single changes after which its policy no longer alerts. */
export function alertCounterfactuals(bundle: Bundle, event: SessionEvent, opts: CounterfactualOptions = {}): { atoms: AtomTable; alerts: { policy: string; changes: Change[] }[] } {
  const universe = opts.universe ?? bundle;
  const active = new Set(bundle.policies.map((p) => p.id));
  const f = eventFacts(universe, event, opts.state);
  const atoms = new AtomTable();
  const model = modelOf(universe, f.target, atoms, { statusAtoms: true });
  if (undecidableReason(f)) return { atoms, alerts: [] };
  const base = assignmentOf(atoms, f, active);
  const integration = integrationOf(f.target);
  const ctx: Check = { bundle, universe, active, event, state: opts.state, model, atoms, target: f.target, from: { effect: "allow", policy: null } };
  const alerting = model.rows.filter((r) => truth(r.cond, base) === 1 && universe.policies[r.index]?.alerts?.length);
  const alerts = alerting.map((row) => {
    const dims = new Map<string, number[]>();
    for (const i of [...atomsIn(row.cond)].sort((a, b) => a - b)) dims.set(atoms.atoms[i]!.dim, [...(dims.get(atoms.atoms[i]!.dim) ?? []), i]);
    // Its own status is no answer to "why did it alert".
    dims.forEach((_, d) => { if (d.startsWith("policy:")) dims.delete(d); });
    const review = reviewOf(event.agent, universe.agent_reviews);
    const keeps = (ch: Change) => ch.dim !== "agent" || event.agent?.review_status !== undefined || reviewOf({ name: ch.value?.v as string }, universe.agent_reviews) === review;
    const changes = [...dims].flatMap(([d, idx]) => optionsOf(d, idx, atoms, base, integration).filter(keeps).filter((ch) => stillAlerts(ctx, row.id, row.cond, [ch]) === false).slice(0, 1));
    return { policy: row.id, changes: changes.slice(0, opts.max ?? 5) };
  });
  return { atoms, alerts: alerts.filter((a) => a.changes.length) };
}

/** Whether the policy still alerts after the changes (by the runtime when every change is a field or a status). */
function stillAlerts(c: Check, id: string, cond: Cond, changes: readonly Change[]): boolean | undefined {
  const applied = applyAll(c, changes);
  if (!applied) return undefined;
  const f = eventFacts(c.universe, applied.event, c.state);
  if (f.target !== c.target || undecidableReason(f)) return undefined;
  if (!applied.overrides.length && !c.state) {
    const b = keepPolicies(c.universe, (i) => applied.active.has(c.universe.policies[i]!.id));
    return enforcerOf(b).decide(applied.event).alerts.some((a) => a.policy === id);
  }
  const a = assignmentOf(c.atoms, f, applied.active);
  for (const [i, v] of applied.overrides) a[i] = v ? 1 : 0;
  return truth(cond, a) !== 0;
}

/** The runtime with the shell parser the host loaded (as `policy explain` decides). */
function enforcerOf(b: Bundle) {
  const shell = loadedShellParser();
  return createEnforcer(b, shell ? { shell } : {});
}

function rank(cs: Counterfactual[]): Counterfactual[] {
  const policyEdits = (c: Counterfactual) => c.changes.filter((x) => x.dim.startsWith("policy:")).length;
  return [...cs].sort((a, b) => a.changes.length - b.changes.length || policyEdits(a) - policyEdits(b));
}

interface Check {
  readonly bundle: Bundle;
  readonly universe: Bundle;
  readonly active: ReadonlySet<string>;
  readonly event: SessionEvent;
  readonly state: StateSnapshot | undefined;
  readonly model: TargetModel;
  readonly atoms: AtomTable;
  readonly target: string;
  readonly from: Outcome;
}

/** The event, the policy set and the atom overrides that a set of changes gives. */
function applyAll(c: Check, changes: readonly Change[]): { event: SessionEvent; active: Set<string>; overrides: (readonly [number, boolean])[] } | undefined {
  let event: SessionEvent | undefined = c.event;
  const active = new Set(c.active);
  const overrides: (readonly [number, boolean])[] = [];
  for (const ch of [...changes].sort((x, y) => (x.dim === "call_type" ? -1 : y.dim === "call_type" ? 1 : 0))) {
    if (ch.dim.startsWith("policy:")) {
      const id = ch.dim.slice(7);
      if (ch.lits[0]![1]) active.add(id); else active.delete(id);
    } else if (ch.value) {
      event = applyEdit(c.universe, event!, ch.dim, ch.value.v);
      if (!event) return undefined;
    } else overrides.push(...ch.lits);
  }
  return { event: event!, active, overrides };
}

/** The effect the changes give, by the runtime when every change is a field or a status. */
function effectWith(c: Check, changes: readonly Change[]): string | undefined {
  const applied = applyAll(c, changes);
  if (!applied) return undefined;
  const f = eventFacts(c.universe, applied.event, c.state);
  if (f.target !== c.target || undecidableReason(f)) return undefined;
  if (!applied.overrides.length && !c.state) {
    const b = keepPolicies(c.universe, (i) => applied.active.has(c.universe.policies[i]!.id));
    return enforcerOf(b).decide(applied.event).effect;
  }
  const a = assignmentOf(c.atoms, f, applied.active);
  for (const [i, v] of applied.overrides) a[i] = v ? 1 : 0;
  const s = decide3(c.model, a);
  return "done" in s ? s.done.effect : undefined;
}

/** Applied, the changes give `o`'s effect; without any one of them, the original effect. */
function verified(c: Check, changes: readonly Change[], o: Outcome): boolean {
  if (effectWith(c, changes) !== o.effect) return false;
  return changes.every((_, n) => effectWith(c, changes.filter((_, m) => m !== n)) === c.from.effect);
}

// ─── Words and JSON ───────────────────────────────────────────────────────────────────

const EFFECT_WORDS = { allow: "allowed", block: "blocked", require_approval: "needs approval instead" } as const;

/** The value a change writes into the event (`definition_changed` is a list of what changed). */
function eventValue(ch: Change): unknown {
  if (ch.dim === "definition_changed") return ch.value?.v === true ? ["definition"] : undefined;
  return ch.value?.v;
}

/** One change in words: `args.repo does not match "secrets-*"`, `policy x had status draft`. */
export function changeText(atoms: AtomTable, ch: Change): string {
  if (ch.dim.startsWith("policy:")) return ch.lits[0]![1] ? `draft policy ${ch.dim.slice(7)} were active` : `policy ${ch.dim.slice(7)} had status draft`;
  const lits = ch.lits.map(([i, v]) => litText(atoms.atoms[i]!.x, v)).join(" and ");
  const field = fieldOf(ch.dim);
  if (!ch.value || !field) return lits;
  // The example value, unless the conditions already name it.
  const v = eventValue(ch) === undefined ? "absent" : `= ${JSON.stringify(eventValue(ch))}`;
  return ch.value.v !== undefined && lits.includes(JSON.stringify(ch.value.v).replace(/^"|"$/g, "")) && ch.lits.every(([, h]) => h) ? lits : `${lits} (${field} ${v})`;
}

/** A counterfactual in words: `allowed by default if policy gh-readonly had status draft`. */
export function counterfactualText(atoms: AtomTable, c: Counterfactual): string {
  const by = c.outcome.policy === null ? " by default" : ` by ${c.outcome.policy}`;
  return `${EFFECT_WORDS[c.outcome.effect]}${by} if ${c.changes.map((ch) => changeText(atoms, ch)).join(" and ")}`;
}

/** An alert's counterfactual in words: `no alert from x if agent is not "Cursor"`. */
export function alertText(atoms: AtomTable, policy: string, ch: Change): string {
  return `no alert from ${policy} if ${changeText(atoms, ch)}`;
}

/** One change as a structured edit of the event, of the policy set, or of other facts. */
export function editJson(atoms: AtomTable, ch: Change): Record<string, unknown> {
  const conditions = ch.lits.map(([i, v]) => ({ condition: litText(atoms.atoms[i]!.x, true), holds: v }));
  if (ch.dim.startsWith("policy:")) return { target: "policy", policy: ch.dim.slice(7), status: ch.lits[0]![1] ? "active" : "draft", conditions };
  const field = fieldOf(ch.dim);
  const v = eventValue(ch);
  if (ch.value && field) return { target: "event", field, ...(v === undefined ? { remove: true } : { value: v }), conditions };
  return { target: "facts", conditions };
}

/** The `--format json` form: structured edits of the event or of the policy set. */
export function counterfactualJson(atoms: AtomTable, c: Counterfactual): Record<string, unknown> {
  return { effect: c.outcome.effect, policy: c.outcome.policy, text: counterfactualText(atoms, c), edits: c.changes.map((ch) => editJson(atoms, ch)) };
}
