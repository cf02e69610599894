/**
 * Three-valued evaluation of a condition knowing only the tool (and optionally the agent and its user):
 * `true` / `false` when the tool decides it, `undefined` when it depends on more.
 * Used at build time to fill the decision tables and at run time for `visibleTools`.
 */
import type { CExpr, Operation, UserInfo } from "./types.js";
import { userConditionHolds } from "./user.js";

export interface ToolFacts {
  readonly integration: string;
  /** Bare tool name, lower-case; null when not known yet (build time, non-catalog tools). */
  readonly name: string | null;
  readonly operation: Operation;
  readonly labels: readonly string[];
  readonly method: string | null;
  readonly category: string | null;
  readonly verbs: readonly string[];
  /** The tool's review status (`toolReviewOf`); absent at build time, where it is left to run time. */
  readonly review?: string;
}

export interface AgentFacts {
  readonly name?: string;
  readonly review_status?: string;
  /** The person behind the agent: `null` when known to be none, absent when not known. */
  readonly user?: UserInfo | null;
}

/**
 * An agent's review status: the event's, else the bundle's review of its name (`agent_reviews`),
 * else `Unreviewed` (SPEC §5, second round).
 */
export function reviewOf(agent: AgentFacts | undefined, reviews?: Readonly<Record<string, string>>): string {
  if (agent?.review_status !== undefined) return agent.review_status;
  const name = agent?.name;
  return name !== undefined && reviews && Object.prototype.hasOwnProperty.call(reviews, name) ? reviews[name]! : "Unreviewed";
}

/**
 * A tool's review status: the bundle's review of a catalog tool (`known`), else `Unreviewed`; a
 * tool whose live definition differs from the pinned one (`changed`) is `Unreviewed` unless its
 * review is `Disallowed`. Nothing an event says can make a tool more reviewed than the bundle does.
 */
export function toolReviewOf(reviews: Readonly<Record<string, string>> | undefined, key: string, known: boolean, changed: boolean): string {
  const r = known && reviews && Object.prototype.hasOwnProperty.call(reviews, key) ? reviews[key]! : "Unreviewed";
  return r === "Disallowed" || !changed ? r : "Unreviewed";
}

const reCache = new Map<string, RegExp>();
export function cachedRegex(src: string): RegExp {
  let re = reCache.get(src);
  if (!re) {
    re = new RegExp(src);
    if (reCache.size > 10_000) reCache.clear();
    reCache.set(src, re);
  }
  return re;
}

/**
 * `true` / `false` when the tool (and the agent, when given) decides the condition, `undefined`
 * when it depends on more.
 */
export function staticEval(e: CExpr, t: ToolFacts, agent?: AgentFacts): boolean | undefined {
  switch (e.k) {
    case "true": return true;
    case "false": return false;
    case "and": case "or": {
      // `and` stops at the first false, `or` at the first true; an undecided item makes the rest undecided.
      const stop = e.k === "or";
      let r: boolean | undefined = !stop;
      for (const x of e.items) {
        const v = staticEval(x, t, agent);
        if (v === stop) return stop;
        if (v === undefined) r = undefined;
      }
      return r;
    }
    case "not": {
      const v = staticEval(e.x, t, agent);
      return v === undefined ? undefined : !v;
    }
    case "agent": return agent && agent.name !== undefined ? e.names.includes(agent.name) : undefined;
    case "review": return agent ? e.values.includes(reviewOf(agent)) : undefined;
    case "tool_review": return t.review === undefined ? undefined : e.values.includes(t.review);
    case "user": return agent && agent.user !== undefined ? userConditionHolds(e, agent.user ?? undefined) : undefined;
    // Static leaves: decided by the tool alone.
    case "integration": return e.ids.includes(t.integration);
    case "tool": return t.name === null ? (e.keys.some((k) => k.startsWith(`${t.integration}.`)) ? undefined : false) : e.keys.includes(`${t.integration}.${t.name}`);
    case "tool_glob": return t.name === null ? undefined : cachedRegex(e.re).test(e.dotted ? `${t.integration}.${t.name}` : t.name);
    case "label": return t.labels.includes(e.label);
    case "operation": return e.ops.includes(t.operation);
    case "method": return t.method !== null && e.values.includes(t.method.toUpperCase());
    case "category": return t.category !== null && e.values.includes(t.category.toLowerCase());
    case "verb": return t.verbs.some((v) => e.values.includes(v.toLowerCase()));
    default: return undefined;
  }
}

/** True when the condition mentions only tool-level subjects (so it is decided per catalog tool). */
export function isToolStatic(e: CExpr): boolean {
  switch (e.k) {
    case "true": case "false": return true;
    case "and": case "or": return e.items.every(isToolStatic);
    case "not": return isToolStatic(e.x);
    case "integration": case "tool": case "tool_glob": case "label": case "operation": case "method": case "category": case "verb": return true;
    default: return false;
  }
}
