/**
 * `policy catalog diff`: the difference between two catalogs (two imports, or a catalog and an
 * import of a live `tools/list`), tool by tool: added, removed, and changed with what changed —
 * the pinned definition's paths (`description`, `inputSchema.properties.path`) when both sides
 * pin the tool, else the catalog's description and argument schema (`args.properties.path`); and
 * the catalog facts policies are decided by (`operation`, `labels`, …). Output format:
 * `schemas/catalog-diff.schema.json`.
 */
import type { CatalogJson, CatalogToolJson } from "./types.js";
import { definitionChanges } from "./definition.js";

export interface ToolChange {
  readonly integration: string;
  readonly tool: string;
  readonly changes: readonly string[];
}

export interface DefinitionDiff {
  readonly format: "policy-catalog-diff/1";
  readonly added: readonly { readonly integration: string; readonly tool: string }[];
  readonly removed: readonly { readonly integration: string; readonly tool: string }[];
  readonly changed: readonly ToolChange[];
  /** True when anything differs (the command exits 1). */
  readonly differs: boolean;
}

function toolsOf(c: CatalogJson): Map<string, { integration: string; tool: CatalogToolJson }> {
  const out = new Map<string, { integration: string; tool: CatalogToolJson }>();
  for (const i of c.integrations) for (const t of i.tools) out.set(`${i.id}.${t.name}`.toLowerCase(), { integration: i.id, tool: t });
  return out;
}

/** The facts the decision tables read (a change here can change decisions). */
function facts(t: CatalogToolJson): Record<string, unknown> {
  return { operation: t.operation, labels: [...(t.labels ?? [])].sort(), category: t.category, method: t.method, verbs: t.verbs, resource: t.resource, arg_kinds: t.arg_kinds };
}

/** What differs in one tool: its definition (pinned, else described) and its catalog facts. */
export function toolChanges(a: CatalogToolJson, b: CatalogToolJson): string[] {
  const definition = a.pin && b.pin
    ? (a.pin.hash === b.pin.hash ? [] : definitionChanges(a.pin.definition, b.pin.definition))
    : definitionChanges({ description: a.description ?? "", args: a.args ?? {} }, { description: b.description ?? "", args: b.args ?? {} });
  return [...definition, ...definitionChanges(facts(a), facts(b))];
}

export function diffDefinitions(before: CatalogJson, after: CatalogJson): DefinitionDiff {
  const a = toolsOf(before), b = toolsOf(after);
  const ref = (x: { integration: string; tool: CatalogToolJson }) => ({ integration: x.integration, tool: x.tool.name });
  const added = [...b.keys()].filter((k) => !a.has(k)).sort().map((k) => ref(b.get(k)!));
  const removed = [...a.keys()].filter((k) => !b.has(k)).sort().map((k) => ref(a.get(k)!));
  const changed: ToolChange[] = [];
  for (const k of [...a.keys()].filter((x) => b.has(x)).sort()) {
    const changes = toolChanges(a.get(k)!.tool, b.get(k)!.tool);
    if (changes.length) changed.push({ ...ref(b.get(k)!), changes });
  }
  return { format: "policy-catalog-diff/1", added, removed, changed, differs: added.length + removed.length + changed.length > 0 };
}

/** The text report (names come from catalogs or servers: the caller makes them terminal-safe). */
export function formatDefinitionDiff(d: DefinitionDiff): string {
  if (!d.differs) return "no change: every tool is as before";
  const lines = [`${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed`];
  for (const x of d.added) lines.push(`  + ${x.integration}.${x.tool}`);
  for (const x of d.removed) lines.push(`  - ${x.integration}.${x.tool}`);
  for (const x of d.changed) lines.push(`  ~ ${x.integration}.${x.tool}: ${x.changes.join(", ")}`);
  return lines.join("\n");
}
