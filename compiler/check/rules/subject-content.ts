/** `body contains any|all [...]` and `data_class has X` / `data_class in [...]`. */
import type * as A from "../../../grammar/ast.js";
import type { CExpr } from "../../model.js";
import { didYouMean, itemsOf, wordOf, type PolicyScope } from "../context.js";

export function checkBody(c: A.Condition, s: PolicyScope): CExpr | undefined {
  const { ctx } = s;
  if (c.op !== "contains_any" && c.op !== "contains_all" && c.op !== "contains") {
    ctx.error("PDL2006", c.opSpan, "`body` is used with `contains any [...]` or `contains all [...]`", "e.g. `body contains any [\"internal only\", \"deal #\"]`");
    return undefined;
  }
  const needles: string[] = [];
  for (const v of itemsOf(c.value)) {
    if (v.kind !== "String") { ctx.error("PDL2007", v.span, "body needles are quoted strings", "e.g. `body contains any [\"internal only\"]`"); return undefined; }
    needles.push(v.value.toLowerCase());
  }
  if (needles.length === 0) { ctx.error("PDL2007", c.value?.span ?? c.span, "give at least one string", undefined); return undefined; }
  return { k: "body", mode: c.op === "contains_all" ? "all" : "any", needles };
}

export function checkDataClass(c: A.Condition, s: PolicyScope): CExpr | undefined {
  const { ctx } = s;
  if (c.op !== "has" && c.op !== "in") {
    ctx.error("PDL2006", c.opSpan, "`data_class` is used with `has X` or `in [X, Y]`", "e.g. `data_class has SECRETS`");
    return undefined;
  }
  if (c.op === "in" && c.value?.kind !== "List") { ctx.error("PDL2007", c.value?.span ?? c.span, "`in` needs a list", "e.g. `data_class in [PII, SECRETS]`"); return undefined; }
  const classes: string[] = [];
  for (const v of itemsOf(c.value)) {
    const w = wordOf(v);
    const hit = w && [...ctx.dataClasses].find((x) => x.toLowerCase() === w.toLowerCase());
    if (!hit) {
      const dm = didYouMean(w ?? "", ctx.dataClasses, v.span);
      ctx.error("PDL2043", v.span, `unknown data class "${w ?? ""}"`, dm.hint ?? "declare it with `detector Name /regex/ class NAME`", { fixes: dm.fixes });
      return undefined;
    }
    classes.push(hit);
  }
  return { k: "data_class", classes: [...new Set(classes)] };
}
