/**
 * `policy check` analyses of the whole policy set, from its regions (explore.ts), one exploration
 * per distinct target model (catalog tools with the same rows share one):
 * - PDL4020: a policy whose effect decides no call — everywhere it matches, the named policies
 *   decide instead (or it matches nothing); only claimed when every target was split completely.
 * - PDL4021: catalog tools of an integration the policies name that no policy and no default
 *   decides (they are allowed implicitly).
 * - PDL4022: two policies of the same priority that both decide a region with different actions
 *   (block against hide, or require_approval from different approvers; a different reason alone
 *   is not reported), so that only source order picks one: the region where swapping them changes
 *   the decision.
 * Sound: a region is only ever reported where the split proves the decisions; opaque atoms are
 * independent booleans, so an empty region may be kept but a real one is never dropped.
 */
import type { Bundle, CExpr } from "../../runtime/types.js";
import type { Diagnostic } from "../../grammar/diagnostic.js";
import type { Span } from "../../grammar/span.js";
import { diagnostic } from "../diagnostics/codes.js";
import type { CheckedPolicy, CheckedProject } from "../model.js";
import { buildBundle } from "../emit/index.js";
import { AtomTable, FALSE } from "./atoms.js";
import { sameOutcome, type Outcome } from "./decide.js";
import { explore, integrationOf, type Region } from "./explore.js";
import { modelOf, targetsOf, type Row, type TargetKey, type TargetModel } from "./targets.js";
import { regionText } from "./text.js";
import { targetLabel } from "./diff.js";

/** A diagnostic with the severity its code is registered with. */
function report(code: "PDL4020" | "PDL4021" | "PDL4022", span: Span, message: string, hint: string, extra?: Parameters<typeof diagnostic>[4]): Diagnostic {
  return diagnostic(code, span, message, hint, extra);
}

/** A distinct model and the targets that share it. */
interface Group { readonly model: TargetModel; readonly targets: TargetKey[] }

function groupsOf(b: Bundle, atoms: AtomTable): Group[] {
  const groups = new Map<string, Group>();
  for (const t of targetsOf([b])) {
    const m = modelOf(b, t, atoms);
    const key = JSON.stringify([t.startsWith("tool:") ? "" : integrationOf(t), t === "discovered", m.fallback, m.pre, m.defaults, m.rows.map((r) => [r.index, r.cond])]);
    const g = groups.get(key);
    if (g) g.targets.push(t); else groups.set(key, { model: m, targets: [t] });
  }
  return [...groups.values()];
}

const where = (atoms: AtomTable, g: Group, b: Bundle, r: Region | { lits: Region["lits"] }) => {
  const names = g.targets.map((t) => targetLabel(t, [b]));
  const on = names.length > 3 ? `${names.slice(0, 3).join(", ")} and ${names.length - 3} more` : names.join(", ");
  return r.lits.length ? `${on} when ${regionText(atoms, r.lits)}` : on;
};

/** The analyses' diagnostics for a checked project without errors. */
export function analyzeProject(project: CheckedProject): Diagnostic[] {
  if (project.diagnostics.some((d) => d.severity === "error")) return [];
  const b = buildBundle(project);
  const atoms = new AtomTable();
  const groups = groupsOf(b, atoms);
  const explored = groups.map((g) => ({ g, x: explore([g.model], atoms) }));
  const byId = new Map(project.policies.filter((p) => p.status === "active").map((p) => [p.id, p]));
  return [...neverDecides(project, b, atoms, explored, byId), ...undecidedTools(project, b, explored), ...orderTies(b, atoms, groups, byId)];
}

type Explored = { g: Group; x: ReturnType<typeof explore> }[];

function neverDecides(project: CheckedProject, b: Bundle, atoms: AtomTable, ex: Explored, byId: ReadonlyMap<string, CheckedPolicy>): Diagnostic[] {
  if (ex.some((e) => !e.x.complete)) return [];
  const shadowed = new Set(project.diagnostics.filter((d) => d.code === "PDL4001").map((d) => `${d.span.file}:${d.span.start}`));
  // A policy decides somewhere when it is the decision of some region (the regions cover every call).
  const deciding = new Set(ex.flatMap(({ x }) => x.regions.map((r) => r.outcomes[0]!.policy)));
  const out: Diagnostic[] = [];
  for (const p of b.policies) {
    const cp = byId.get(p.id);
    // Policies on what comes back (`when tool_response`, messages) decide no call: not analysed here.
    if (p.trigger !== "tool_call" && p.trigger !== "agent_discovered") continue;
    if (!p.effect || !cp || deciding.has(p.id) || shadowed.has(`${cp.ast.name.span.file}:${cp.ast.name.span.start}`)) continue;
    out.push(neverDecidesDiag(cp, winners(b, atoms, ex, p.id)));
  }
  return out;
}

/** Where a policy matches, who decides instead: split each target also on the policy's own conditions. */
function winners(b: Bundle, atoms: AtomTable, ex: Explored, id: string): Map<string, string[]> {
  const instead = new Map<string, string[]>();
  for (const { g } of ex) {
    const row = g.model.rows.find((r) => r.id === id);
    if (!row) continue;
    const alone: TargetModel = { ...g.model, pre: FALSE, rows: [{ ...row, effect: "block" }], defaults: [], fallback: "allow" };
    for (const r of explore([g.model, alone], atoms).regions) {
      if (r.outcomes[1]!.policy !== id) continue;
      const by = r.outcomes[0]!.policy ?? "the default";
      instead.set(by, [...(instead.get(by) ?? []), where(atoms, g, b, r)]);
    }
  }
  return instead;
}

function neverDecidesDiag(p: CheckedPolicy, instead: ReadonlyMap<string, string[]>): Diagnostic {
  const span = p.ast.name.span;
  if (!instead.size) return report("PDL4020", span, `the ${p.effect} of "${p.name}" never decides: it matches no call of the catalog`, "fix its conditions, or remove it");
  const parts = [...instead].slice(0, 3).map(([by, regions]) => `${by === "the default" ? by : `"${by}"`} decides ${regions.slice(0, 2).join("; ")}${regions.length > 2 ? `; and ${regions.length - 2} more` : ""}`);
  return report("PDL4020", span, `the ${p.effect} of "${p.name}" never decides: wherever it matches, another policy wins — ${parts.join(" · ")}`,
    "remove this policy, narrow the policies that win, or change the priorities");
}

/** Integrations a condition names (`integration is X`, `tool is x.y`). */
function named(e: CExpr, into: Set<string>): void {
  if (e.k === "and" || e.k === "or") e.items.forEach((x) => named(x, into));
  else if (e.k === "not") named(e.x, into);
  else if (e.k === "integration") e.ids.forEach((i) => into.add(i));
  else if (e.k === "tool") e.keys.forEach((k) => into.add(k.slice(0, k.indexOf("."))));
}

function undecidedTools(project: CheckedProject, b: Bundle, ex: Explored): Diagnostic[] {
  if (b.default) return [];
  const out: Diagnostic[] = [];
  const first = new Map<string, CheckedPolicy>();
  for (const p of project.policies) {
    if (p.status !== "active" || p.trigger !== "tool_call") continue;
    const s = new Set<string>();
    for (const i of p.ifs) named(i.expr, s);
    for (const integ of s) if (!first.has(integ)) first.set(integ, p);
  }
  for (const [integ, p] of [...first].sort(([x], [y]) => (x < y ? -1 : 1))) {
    // Every region: no policy and no default (an ambiguous path blocks before both).
    const undecided = (o: Outcome) => o.policy === null && o.by !== "default";
    const tools = ex.filter(({ x }) => x.complete && x.regions.every((r) => undecided(r.outcomes[0]!)) && x.regions.some((r) => r.outcomes[0]!.by === "nothing"))
      .flatMap(({ g }) => g.targets.filter((t) => t.startsWith(`tool:${integ}.`))).map((t) => targetLabel(t, [b])).sort();
    if (!tools.length) continue;
    const list = tools.length > 8 ? `${tools.slice(0, 8).join(", ")} and ${tools.length - 8} more` : tools.join(", ");
    out.push(report("PDL4021", p.ast.name.span, `${tools.length} tool${tools.length === 1 ? "" : "s"} of ${integ} ${tools.length === 1 ? "is" : "are"} decided by no policy and no default (allowed implicitly): ${list}`,
      "add a `default` (e.g. `default by operation { Read: allow  Write: require_approval  Delete: require_approval  Unknown: block }`) or a policy that covers them"));
  }
  return out;
}

/** What a person or the agent gets from the deciding policy beyond its reason: the effect (hide or block) and who approves. */
const actionOf = (r: Row) => JSON.stringify([r.effect, r.approvers ?? []]);
const cls = (r: Row) => (r.effect === "block" || r.effect === "hide" ? "block" : r.effect);

/** Pairs of rows of one priority and one kind of effect whose actions differ. */
function rivals(m: TargetModel): [Row, Row][] {
  const out: [Row, Row][] = [];
  const rows = m.rows.filter((r) => r.effect);
  for (let i = 0; i < rows.length; i++) for (let j = i + 1; j < rows.length; j++) {
    const p = rows[i]!, q = rows[j]!;
    if (p.priority === q.priority && cls(p) === cls(q) && actionOf(p) !== actionOf(q)) out.push([p, q]);
  }
  return out;
}

function orderTies(b: Bundle, atoms: AtomTable, groups: readonly Group[], byId: ReadonlyMap<string, CheckedPolicy>): Diagnostic[] {
  const found = new Map<string, { p: Row; q: Row; where: string[] }>();
  let budget = 300;
  for (const g of groups) {
    for (const [p, q] of rivals(g.model)) {
      if (budget-- <= 0) break;
      const rows = g.model.rows.map((r) => (r === p ? q : r === q ? p : r));
      const x = explore([g.model, { ...g.model, rows }], atoms);
      const hits = x.regions.filter((r) => !sameOutcome(r.outcomes[0]!, r.outcomes[1]!));
      if (!hits.length) continue;
      const key = `${p.id}\u0000${q.id}`;
      const f = found.get(key) ?? { p, q, where: [] };
      f.where.push(...hits.map((r) => where(atoms, g, b, r)));
      found.set(key, f);
    }
  }
  return [...found.values()].flatMap(({ p, q, where: w }) => {
    const later = byId.get(q.id), earlier = byId.get(p.id);
    if (!later || !earlier) return [];
    const region = `${w.slice(0, 2).join("; ")}${w.length > 2 ? `; and ${w.length - 2} more` : ""}`;
    return [report("PDL4022", later.ast.name.span, `"${earlier.name}" and "${later.name}" (both priority ${p.priority}) decide the same calls differently and only source order picks "${earlier.name}": ${region}`,
      "give one of them a lower priority number, or narrow one so that they no longer overlap", { related: [{ span: earlier.ast.name.span, message: "the policy that wins by source order" }] })];
  });
}
