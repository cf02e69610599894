/** Two policies with the same id (explicit or derived from the name) are an error. */
import type { CheckedPolicy } from "../../model.js";
import type { CheckContext } from "../context.js";

export function checkDuplicateIds(ctx: CheckContext, policies: readonly CheckedPolicy[]): void {
  const seen = new Map<string, CheckedPolicy>();
  for (const p of policies) {
    const prev = seen.get(p.id);
    if (prev) {
      ctx.error("PDL2030", p.ast.name.span, `policy id "${p.id}" is already used by "${prev.name}" (${prev.file}:${prev.line})`, "give each policy its own `id`",
        { related: [{ span: prev.ast.name.span, message: "the other policy" }] });
    } else seen.set(p.id, p);
  }
}
