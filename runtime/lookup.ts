/**
 * A call looked up in a bundle, shared by both entries of the runtime (runtime/index.ts,
 * runtime/decide-only.ts): its decision-table entries (SPEC §8: a hash lookup, then residual
 * checks), the folders its path arguments are read against, and its arguments in the canonical
 * form the catalog marks.
 */
import type { Bundle, SessionEvent } from "./types.js";
import type { ResolvedCall, ToolInfo } from "./event.js";
import { canonicalArgs } from "./canonical-args.js";
import type { PathContext } from "./canonical-path.js";

const EMPTY: readonly number[] = [];
const own = Object.prototype.hasOwnProperty;

/** The decision-table entries for a call (SPEC §8: a hash lookup, then residual checks). */
export function entriesOf(b: Bundle, call: ToolInfo | undefined): readonly number[] {
  const ix = b.index;
  if (!call) return ix.agent_discovered;
  if (call.known) return own.call(ix.tool_call.tools, call.key) ? ix.tool_call.tools[call.key]! : EMPTY;
  if (own.call(ix.tool_call.integrations, call.integration)) return ix.tool_call.integrations[call.integration]!;
  return own.call(b.integrations, call.integration) ? EMPTY : ix.tool_call.other;
}

const NO_PATHS: PathContext = {};

/** The folders path arguments of a call are read against (`call.root`, `call.home`). */
export function pathContextOf(call: SessionEvent["call"]): PathContext {
  if (!call || (call.root === undefined && call.home === undefined)) return NO_PATHS;
  return { ...(call.root !== undefined ? { root: call.root } : {}), ...(call.home !== undefined ? { home: call.home } : {}) };
}

/**
 * The call with the arguments its catalog tool marks (paths, URLs) in canonical form; a string
 * when a marked path is ambiguous (the call is then blocked: fail closed).
 */
export function canonicalCall(call: ResolvedCall, ec: NonNullable<SessionEvent["call"]>): ResolvedCall | string {
  if (!call.argKinds || call.argv) return call;
  const r = canonicalArgs(call.args, call.argKinds, pathContextOf(ec));
  if (r.ambiguous) return `ambiguous path: ${r.ambiguous}; the server could read it in more than one way, so the call is blocked (write the path plainly)`;
  return r.changed ? { ...call, args: r.args } : call;
}
