/**
 * Small pure pieces of a proxied call: the safe message an agent gets on a refusal, the cost a
 * response reports, and `sanitize` applied to the arguments before they are forwarded.
 */
import { compileDetectors, mask } from "../runtime/index.js";
import type { Bundle, Decision } from "../runtime/types.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

type Detectors = ReturnType<typeof compileDetectors>;

/** Reasons that describe a fault of the enforcement point rather than a policy: never shown to the agent. */
const INTERNAL = /^(internal error|session store unavailable|invalid event|bundle rejected|no bundle loaded|this store is asynchronous)/i;

/** Whether a block comes from a fault of the enforcement point (logged for the operator). */
export function isFault(d: Decision): boolean {
  return d.effect === "block" && d.policy === null && INTERNAL.test(d.reason);
}

/** The text an agent sees when a call is refused: the policy's reason, never internal details. */
export function safeReason(d: Decision): string {
  if (isFault(d)) return "the policy engine could not decide this call, so it was blocked (fail closed). Ask an administrator to check the enforcement point's log.";
  return d.reason;
}

export function refusal(text: string): CallToolResult {
  return { content: [{ type: "text", text }], isError: true };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function costIn(v: unknown): { amount: number; currency: string } | undefined {
  if (!isObj(v)) return undefined;
  const amount = v["amount"];
  const currency = v["currency"];
  if (typeof amount === "number" && Number.isFinite(amount) && typeof currency === "string" && /^[A-Za-z]{3}$/.test(currency)) return { amount, currency: currency.toUpperCase() };
  return undefined;
}

/**
 * The cost a tool result reports, if any: `_meta.cost`, `_meta["policy/cost"]` or
 * `structuredContent.cost`, each `{amount, currency}`.
 */
export function costOf(result: unknown): { amount: number; currency: string } | undefined {
  if (!isObj(result)) return undefined;
  const meta = result["_meta"];
  if (isObj(meta)) {
    const c = costIn(meta["cost"]) ?? costIn(meta["policy/cost"]);
    if (c) return c;
  }
  const sc = result["structuredContent"];
  return isObj(sc) ? costIn(sc["cost"]) : undefined;
}

/** Detectors of a bundle, compiled once per revision. */
const detectorCache = new WeakMap<Bundle, Detectors>();
function detectorsOf(b: Bundle): Detectors {
  let d = detectorCache.get(b);
  if (!d) { d = compileDetectors(b.detectors ?? []); detectorCache.set(b, d); }
  return d;
}

function maskDeep(v: unknown, det: Detectors): unknown {
  if (typeof v === "string") return mask(det, v);
  if (Array.isArray(v)) return v.map((x) => maskDeep(x, det));
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskDeep(x, det)]));
  return v;
}

/**
 * Applies the decision's `sanitize` instructions (`args.text`, `args.body.html`) to a copy of the
 * arguments: what the detectors find in those fields is masked. Returns the fields changed.
 */
export function sanitizeArgs(b: Bundle, d: Decision, args: Record<string, unknown>): { args: Record<string, unknown>; changed: string[] } {
  if (!d.sanitize.length) return { args, changed: [] };
  const det = detectorsOf(b);
  const out = structuredClone(args);
  const changed: string[] = [];
  for (const field of d.sanitize.flatMap((s) => s.fields)) {
    const parts = field.split(".");
    if (parts[0] === "args") parts.shift();
    if (!parts.length) continue;
    let parent: unknown = out;
    for (const p of parts.slice(0, -1)) parent = isObj(parent) ? parent[p] : undefined;
    const last = parts[parts.length - 1]!;
    if (!isObj(parent) || !(last in parent)) continue;
    const before = JSON.stringify(parent[last]);
    parent[last] = maskDeep(parent[last], det);
    if (JSON.stringify(parent[last]) !== before) changed.push(field);
  }
  return { args: out, changed };
}
