/** Catalog tool → the facts the static evaluator and the bundle use. */
import type { ToolFacts } from "../../runtime/static-eval.js";
import type { CatalogTool } from "./catalog.js";

export function toolFactsOf(t: CatalogTool): ToolFacts {
  return {
    integration: t.integration,
    name: t.name.toLowerCase(),
    operation: t.operation,
    labels: t.labels,
    method: t.method?.toUpperCase() ?? null,
    category: t.category?.toLowerCase() ?? null,
    verbs: t.verbs.map((v) => v.toLowerCase()),
  };
}
