/**
 * The runtime: `import { createEnforcer } from "<package>/runtime"`.
 * Dependency-free; imports nothing from outside `runtime/`; runs in Node, browsers and edge workers.
 */
import { Enforcer, type EnforcerOptions } from "./enforcer.js";

export { Enforcer, decisionOf } from "./enforcer.js";
export type { EnforcerOptions, DecisionTrace } from "./enforcer.js";
export { MemoryStore } from "./store.js";
export { utcDay, toMicros } from "./store.js";
export type { SessionStore, StateQuery, StateSnapshot, StateUpdate, ResponseUpdate, ResponseResult } from "./store.js";
export type { Bundle, BundlePolicy, Decision, SessionEvent, CExpr, Effect, Operation, UserInfo, UserClaim } from "./types.js";
export { eventProblem } from "./event.js";
export { compileDetectors, mask } from "./detectors.js";
// Signature verification is its own entry, `<package>/runtime/verify` (runtime/verify.ts), so that
// the decision runtime stays small.

/** Creates an enforcer for a parsed bundle. A bundle that cannot be loaded makes every decision `block`. */
export function createEnforcer(bundle: unknown, opts: EnforcerOptions = {}): Enforcer {
  return new Enforcer(bundle, opts);
}
