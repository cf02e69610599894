/**
 * Applies a decision's `sanitize` obligations: returns a copy of the arguments where what the
 * detectors find in each listed field (`args.text`, nested `args.message.body`) is masked.
 * Strings inside arrays and objects under a listed field are masked too.
 */
import type { Decision } from "./types.js";
import { mask, type Detector } from "./detectors.js";

function maskDeep(v: unknown, detectors: readonly Detector[], depth: number): unknown {
  if (depth > 32) return v;
  if (typeof v === "string") return mask(detectors, v);
  if (Array.isArray(v)) return v.map((x) => maskDeep(x, detectors, depth + 1));
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) Object.defineProperty(out, k, { value: maskDeep((v as Record<string, unknown>)[k], detectors, depth + 1), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

export function applySanitize(args: Record<string, unknown>, decision: Pick<Decision, "sanitize">, detectors: readonly Detector[]): Record<string, unknown> {
  const out = structuredClone(args);
  for (const s of decision.sanitize) {
    for (const field of s.fields) {
      const path = field.split(".").slice(1);
      let parent: unknown = out;
      for (let i = 0; i < path.length - 1; i++) {
        parent = parent && typeof parent === "object" && Object.prototype.hasOwnProperty.call(parent, path[i]!) ? (parent as Record<string, unknown>)[path[i]!] : undefined;
      }
      const last = path[path.length - 1]!;
      if (parent && typeof parent === "object" && Object.prototype.hasOwnProperty.call(parent, last)) {
        (parent as Record<string, unknown>)[last] = maskDeep((parent as Record<string, unknown>)[last], detectors, 0);
      }
    }
  }
  return out;
}
