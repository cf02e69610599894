/**
 * PDL4024: `session has mark "x"` where no policy of the project sets the mark `x` (`mark "x"` on a
 * `when message_from_user` policy). Such a condition never holds: a typo (`"reviewd"`) would make
 * `if not session has mark "reviewd"` + `block` block for ever, or an `allow` never apply.
 * Marks are compared as written (case-sensitive), as the runtime compares them.
 */
import type { CExpr } from "../../../runtime/types.js";
import type { CheckedPolicy } from "../../model.js";
import { markLabel } from "../../../runtime/seen.js";
import { didYouMean, type CheckContext } from "../context.js";

function marksIn(e: CExpr, out: Set<string>): Set<string> {
  if (e.k === "and" || e.k === "or") e.items.forEach((x) => marksIn(x, out));
  else if (e.k === "not") marksIn(e.x, out);
  else if (e.k === "session_mark") out.add(e.mark);
  return out;
}

export function checkMarks(ctx: CheckContext, policies: readonly CheckedPolicy[]): void {
  const set = new Set(policies.flatMap((p) => (p.session ?? []).filter((c) => c.change === "mark").map((c) => c.label)));
  const names = [...set].map((l) => l.slice("mark:".length));
  for (const p of policies) {
    for (const i of p.ifs) {
      for (const m of marksIn(i.expr, new Set())) {
        if (set.has(markLabel(m))) continue;
        const dm = didYouMean(m, names, i.span);
        ctx.warn("PDL4024", i.span, `no policy sets the mark "${m}": \`session has mark "${m}"\` never holds`,
          dm.hint ?? `add a \`when message_from_user\` policy with \`action mark "${m}"\``);
      }
    }
  }
}
