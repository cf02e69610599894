/** `integration is X` · `integration in [X, Y]` (and their negations): resolved to catalog ids. */
import type * as A from "../../../grammar/ast.js";
import type { CExpr } from "../../model.js";
import { didYouMean, itemsOf, wordOf, type CheckContext, type PolicyScope } from "../context.js";

export function resolveIntegrationNames(ctx: CheckContext, values: readonly A.Value[], report: boolean): string[] | undefined {
  const ids: string[] = [];
  let ok = true;
  for (const v of values) {
    const w = wordOf(v);
    const integ = w === undefined ? undefined : ctx.catalog.integration(w);
    if (integ) { ids.push(integ.id); continue; }
    ok = false;
    if (!report) continue;
    if (w === undefined) { ctx.error("PDL2007", v.span, "expected an integration name", "e.g. `integration is GitHub`"); continue; }
    const names = [...ctx.catalog.integrations.values()].map((i) => i.name.replace(/\s+/g, "_"));
    const dm = didYouMean(w, [...names, ...ctx.catalog.integrations.keys()], v.span);
    ctx.error("PDL2001", v.span, `unknown integration "${w}"`, dm.hint ?? "add a user catalog (--catalog) for integrations outside the built-in catalog", { fixes: dm.fixes });
  }
  return ok ? [...new Set(ids)] : undefined;
}

export function checkIntegration(c: A.Condition, s: PolicyScope): CExpr | undefined {
  if (!["is", "is_not", "in", "not_in"].includes(c.op)) {
    s.ctx.error("PDL2006", c.opSpan, `\`integration\` cannot be used with \`${c.op.replace("_", " ")}\``, "use is, is not, in or not in");
    return undefined;
  }
  if ((c.op === "in" || c.op === "not_in") && c.value?.kind !== "List") {
    s.ctx.error("PDL2007", c.value?.span ?? c.span, "`in` needs a list", "e.g. `integration in [GitHub, Linear]`");
    return undefined;
  }
  const ids = resolveIntegrationNames(s.ctx, itemsOf(c.value), true);
  if (!ids) return undefined;
  const leaf: CExpr = { k: "integration", ids };
  return c.op === "is_not" || c.op === "not_in" ? { k: "not", x: leaf } : leaf;
}
