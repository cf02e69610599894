/** Two policies with the same id (explicit or derived from the name) are an error: every one after the first is reported. */
import type { Diagnostic } from "../../../grammar/diagnostic.js";
import { diagnostic } from "../../diagnostics/codes.js";
import type { CheckedPolicy } from "../../model.js";
import type { CheckContext } from "../context.js";

/** PDL2030 on `p`, whose id the earlier policy `prev` already has. */
export function duplicateDiagnostic(p: CheckedPolicy, prev: CheckedPolicy): Diagnostic {
  return diagnostic("PDL2030", p.ast.name.span, `policy id "${p.id}" is already used by "${prev.name}" (${prev.file}:${prev.line})`, "give each policy its own `id`",
    { related: [{ span: prev.ast.name.span, message: "the other policy" }] });
}

export function checkDuplicateIds(ctx: CheckContext, policies: readonly CheckedPolicy[]): void {
  const seen = new Map<string, CheckedPolicy>();
  for (const p of policies) {
    const prev = seen.get(p.id);
    if (prev) ctx.diagnostics.push(duplicateDiagnostic(p, prev));
    else seen.set(p.id, p);
  }
}
