/**
 * One differential case: a project source and events, decided three ways — the compiled runtime
 * (`decide` and `decideAsync`), the reference evaluator (SPEC §5 literally), and `policy explain`
 * (its matched set and its decision). Returns the first disagreement, or undefined.
 * Shared by the differential test (fixed seed) and `npm run fuzz` (long mode).
 */
import { checkProject } from "../../compiler/check/index.js";
import { buildBundle, selectPolicies } from "../../compiler/emit/index.js";
import { referenceDecide, type ReferenceModel } from "../../compiler/reference/index.js";
import { explain } from "../../compiler/explain.js";
import { createEnforcer } from "../../runtime/index.js";
import type { Bundle, Decision, SessionEvent } from "../../runtime/types.js";
import type { Catalog } from "../../compiler/catalog/catalog.js";
import type { ReviewStatuses } from "../../compiler/catalog/reviews.js";
import { SMALL_REVIEWS } from "../support/small-catalog.js";

export interface Disagreement {
  readonly kind: "compile error" | "runtime vs reference" | "explain vs decision" | "decide vs decideAsync" | "exception";
  readonly source: string;
  readonly includeDrafts: boolean;
  readonly event?: SessionEvent;
  readonly detail: string;
}

export interface Prepared {
  readonly bundle: Bundle;
  readonly model: ReferenceModel;
  readonly messages: ReadonlyMap<string, readonly (string | undefined)[]>;
}

/** Checks and builds; a string when the source does not compile (a generator bug). */
export function prepare(source: string, includeDrafts: boolean, catalog: Catalog, reviews: ReviewStatuses = SMALL_REVIEWS): Prepared | string {
  const project = checkProject([{ file: "gen.policy", text: source }], catalog, [], { reviews });
  const errors = project.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) return errors.map((d) => `${d.code} ${d.span.line}:${d.span.column} ${d.message}`).join("\n");
  const policies = selectPolicies(project, { includeDrafts });
  const model: ReferenceModel = { policies, ...(project.default ? { default: project.default } : {}), ...(project.defaults ? { defaults: project.defaults } : {}), detectors: project.detectors, catalog, toolReviews: reviews.tools, agentReviews: reviews.agents, ...(project.organization ? { organization: project.organization } : {}) };
  return { bundle: buildBundle(project, { includeDrafts }), model, messages: new Map(policies.map((p) => [p.id, p.alerts.map((a) => a.message)])) };
}

/** The part of a decision the reference evaluator also computes. */
export function view(d: Decision) {
  return {
    effect: d.effect,
    policy: d.policy?.id ?? null,
    matched: d.matched.map((m) => m.id),
    alerts: d.alerts.map((a) => ({ policy: a.policy, to: a.to })),
    sanitize: d.sanitize,
    approvers: d.approvers,
    approver_people: d.approver_people,
    hidden: d.hidden,
  };
}

const j = (x: unknown) => JSON.stringify(x);

/** Compares one event; `async` also runs decideAsync. */
export function compareEvent(p: Prepared, ev: SessionEvent, enforcer = createEnforcer(p.bundle)): string | undefined {
  const got = enforcer.decide(ev);
  const r = referenceDecide(p.model, ev);
  const want = { effect: r.effect, policy: r.policy, matched: r.matched, alerts: r.alerts, sanitize: r.sanitize, approvers: r.approvers, approver_people: r.approver_people, hidden: r.hidden };
  if (j(view(got)) !== j(want)) return `runtime ${j(view(got))}\nreference ${j(want)}`;
  // Alert messages: the policy's own message when it gave one.
  const seen = new Map<string, number>();
  for (const a of got.alerts) {
    const i = seen.get(a.policy) ?? 0;
    seen.set(a.policy, i + 1);
    const m = p.messages.get(a.policy)?.[i];
    if (m !== undefined && a.message !== m) return `alert of ${a.policy}: message ${j(a.message)}, policy says ${j(m)}`;
    if (!a.message) return `alert of ${a.policy} has no message`;
  }
  const x = explain(p.bundle, ev, undefined, got);
  const traced = x.policies.filter((t) => t.outcome === "matched").map((t) => t.id).sort();
  const matched = got.matched.map((m) => m.id).sort();
  if (j(traced) !== j(matched)) return `explain matched ${j(traced)}, decision matched ${j(matched)}`;
  const fresh = explain(p.bundle, ev);
  if (j(view(fresh.decision)) !== j(view(got))) return `explain's own decision ${j(view(fresh.decision))} differs from decide ${j(view(got))}`;
  return undefined;
}

/** Runs one case; returns the first disagreement. */
export function compareCase(source: string, includeDrafts: boolean, events: readonly SessionEvent[], catalog: Catalog): Disagreement | undefined {
  try {
    const p = prepare(source, includeDrafts, catalog);
    if (typeof p === "string") return { kind: "compile error", source, includeDrafts, detail: p };
    const enforcer = createEnforcer(p.bundle);
    for (const ev of events) {
      const detail = compareEvent(p, ev, enforcer);
      if (detail) return { kind: detail.startsWith("explain") ? "explain vs decision" : "runtime vs reference", source, includeDrafts, event: ev, detail };
    }
    return undefined;
  } catch (e) {
    return { kind: "exception", source, includeDrafts, detail: (e as Error)?.stack ?? String(e) };
  }
}

/** decide and decideAsync (memory store) agree on every event. */
export async function compareAsync(p: Prepared, events: readonly SessionEvent[]): Promise<string | undefined> {
  const a = createEnforcer(p.bundle);
  const b = createEnforcer(p.bundle);
  for (const ev of events) {
    const x = a.decide(ev);
    const y = await b.decideAsync(ev);
    if (j(x) !== j(y)) return `decide ${j(x)}\ndecideAsync ${j(y)}`;
  }
  return undefined;
}
