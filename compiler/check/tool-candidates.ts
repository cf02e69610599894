/**
 * The catalog tools a condition can possibly match, narrowed by its top-level `integration` and
 * `tool` conjuncts before anything is evaluated: a policy constrained to `integration is GitHub`
 * needs only GitHub's tools, `tool is x.y` only that tool. Used by the checker (argument types
 * against the matchable tools) and by lowering (decision-table buckets), so that the cost is
 * policies × their tools, not policies × catalog.
 * INVARIANT: every tool left out is one for which `staticEval` of the condition is `false`; the
 * tools kept are in catalog order.
 */
import type { ToolFacts } from "../../runtime/static-eval.js";
import type { CExpr } from "../model.js";
import type { Catalog, CatalogTool } from "../catalog/catalog.js";
import { toolFactsOf } from "../catalog/facts.js";

import { conjunctsOf } from "../../runtime/language-facts.js";

export { conjunctsOf };

/** Tools for which no top-level `integration` / `tool` conjunct of `e` is false, in catalog order. */
export function toolCandidates(catalog: Catalog, e: CExpr): readonly CatalogTool[] {
  let ids: Set<string> | undefined;
  let keys: Set<string> | undefined;
  for (const c of conjunctsOf(e)) {
    if (c.k === "integration") ids = new Set(ids ? c.ids.filter((x) => ids!.has(x)) : c.ids);
    else if (c.k === "tool") keys = new Set(keys ? c.keys.filter((x) => keys!.has(x)) : c.keys);
  }
  if (!ids && !keys) return catalog.allTools();
  if (keys) {
    const out: CatalogTool[] = [];
    for (const k of keys) {
      // A tool leaf holds for the tool whose `integration.name` in lower case (its map key) is the key.
      const t = catalog.tools.get(k);
      if (t && (!ids || ids.has(t.integration))) out.push(t);
    }
    return out.sort((a, b) => catalog.toolPosition(a) - catalog.toolPosition(b));
  }
  return catalog.allTools().filter((t) => ids!.has(t.integration));
}

const factsCache = new WeakMap<CatalogTool, ToolFacts>();

/** `toolFactsOf`, computed once per catalog tool. */
export function factsOf(t: CatalogTool): ToolFacts {
  let f = factsCache.get(t);
  if (!f) { f = toolFactsOf(t); factsCache.set(t, f); }
  return f;
}
