/** Removes spans (and other position-only data) from an AST so that trees can be compared. */
export function stripSpans(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripSpans);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === "span" || k === "opSpan" || k === "keySpan" || k === "nameSpan" || k === "comments" || k === "file") continue;
      out[k] = stripSpans(x);
    }
    return out;
  }
  return v;
}
