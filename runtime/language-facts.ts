/**
 * Facts of the condition language that the runtime, the compiler, the editor and the test runner
 * all read, kept once (here, because `runtime/` imports nothing from outside and everything may
 * import it): the operations, the condition kinds that read session history, which conditions
 * need the session store, and the conjuncts of a condition.
 */
import type { CExpr, Operation } from "./types.js";

/** The operations of a tool (SPEC §3), in the order defaults and completions list them. */
export const OPERATIONS = ["Read", "Write", "Delete", "Unknown"] as const satisfies readonly Operation[];

export function isOperation(x: unknown): x is Operation {
  return typeof x === "string" && (OPERATIONS as readonly string[]).includes(x);
}

/** Condition kinds that read the session's history (what earlier events of the session or agent did). */
export const HISTORY_KINDS: ReadonlySet<CExpr["k"]> = new Set<CExpr["k"]>(["session_label", "session_called", "resource_new", "rate", "burst", "spend"]);

/** Does the condition read session history (`session has`, `resource is new`, `rate`, `burst`, `spend`)? */
export function readsHistory(e: CExpr): boolean {
  switch (e.k) {
    case "and": case "or": return e.items.some(readsHistory);
    case "not": return readsHistory(e.x);
    default: return HISTORY_KINDS.has(e.k);
  }
}

/**
 * Does deciding the condition need the session store: history, or `time` (which is read at the
 * session's clamped time, so that a session's clock never runs backwards)?
 */
export function needsState(e: CExpr): boolean {
  switch (e.k) {
    case "and": case "or": return e.items.some(needsState);
    case "not": return needsState(e.x);
    case "time": return true;
    default: return HISTORY_KINDS.has(e.k);
  }
}

/** The conjuncts of a condition: the items of nested `and`s, else the condition itself. */
export function conjunctsOf<E extends CExpr>(e: E, out: E[] = []): E[] {
  if (e.k === "and") for (const x of e.items) conjunctsOf(x as E, out);
  else out.push(e);
  return out;
}
