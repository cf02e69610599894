/**
 * Hostile events for the fuzzer: arbitrary JSON-ish values (with `__proto__` / `constructor` keys,
 * null prototypes, typed arrays, …) and corruptions of a valid event. `decide`, `decideAsync`'s
 * sync path and `observe` never throw, never pollute prototypes, never allow an invalid event.
 */
import fc from "fast-check";
import { createEnforcer } from "../../runtime/index.js";
import { checkProject } from "../../compiler/check/index.js";
import { buildBundle } from "../../compiler/emit/index.js";
import { smallCatalog } from "../support/small-catalog.js";

const SOURCE = `detector EmployeeId /EMP-[0-9]{6}/ class INTERNAL
policy "no secrets" {
  id no-secrets
  if data_class in [SECRETS, INTERNAL]
  action block, alert "secret"
}
policy "alpha writes" {
  id alpha-writes
  if integration is alpha
  if operation in [Write, Delete]
  action require_approval, sanitize [args.name]
}
policy "reads" {
  id reads
  if operation is Read
  action allow
}
default by operation { Read: allow  Write: require_approval  Delete: block  Unknown: block }
`;
const enforcer = createEnforcer(buildBundle(checkProject([{ file: "h.policy", text: SOURCE }], smallCatalog())));

const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("__proto__", "constructor", "prototype", "type", "call", "args", "tool", "integration", "command", "agent", "name", "toString", "valueOf"));
const anything = fc.anything({ key, withNullPrototype: true, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withBoxedValues: true, maxDepth: 5 });
const BASE = { type: "tool_call_request", session_id: "s", agent: { name: "A" }, call: { id: "c", type: "mcp", integration: "alpha", tool: "create_item", args: { name: "x", nested: { x: "y" } } } };
const PATHS = ["", "type", "call", "agent", "agent.name", "call.args", "call.args.name", "call.args.nested", "call.tool", "call.integration", "call.type", "call.command", "ts", "tenant", "session_id", "seq"];

/** A hostile event: anything at all, or a valid event with one field replaced by anything. */
export const hostileEvent: fc.Arbitrary<unknown> = fc.oneof(anything, fc.tuple(fc.constantFrom(...PATHS), anything).map(([path, v]) => replaceAt(BASE, path, v)));

/** A copy of `base` with the value at a dotted path replaced by `v` (own property, even `__proto__`); `""` replaces all. */
export function replaceAt(base: unknown, path: string, v: unknown): unknown {
  const ev = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  if (!path) return v;
  const parts = path.split(".");
  let o = ev;
  for (const p of parts.slice(0, -1)) o = o[p] as Record<string, unknown>;
  Object.defineProperty(o, parts.at(-1)!, { value: v, enumerable: true, configurable: true, writable: true });
  return ev;
}

const protoKeys = () => JSON.stringify([Object.prototype, Array.prototype, Function.prototype].map((p) => Object.getOwnPropertyNames(p).sort()));
const BEFORE = protoKeys();

/** Returns what went wrong, or undefined. */
export function hostileCase(ev: unknown): string | undefined {
  let d;
  try {
    d = enforcer.decide(ev);
    const o = enforcer.observe(ev);
    if (o instanceof Promise) return "observe returned a promise with a synchronous store";
  } catch (e) {
    return `threw: ${(e as Error)?.stack ?? String(e)}`;
  }
  if (!["allow", "block", "require_approval"].includes(d.effect)) return `effect ${String(d.effect)}`;
  if (d.reason.startsWith("invalid event") && d.effect !== "block") return `an invalid event was not blocked: ${d.reason}`;
  if (protoKeys() !== BEFORE || ({} as Record<string, unknown>)["polluted"] !== undefined) return "prototype polluted";
  return undefined;
}
