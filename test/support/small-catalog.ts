/** A small catalog for property tests: every tool shares one argument schema, so any args condition type-checks. */
import type { CatalogJson } from "../../compiler/catalog/types.js";
import { loadCatalog } from "../../compiler/catalog/load.js";

const args = {
  type: "object",
  properties: {
    name: { type: "string" },
    count: { type: "number" },
    tags: { type: "array", items: { type: "string" } },
    state: { type: "string", enum: ["open", "closed"] },
    nested: { type: "object", properties: { x: { type: "string" } } },
    path: { type: "string" },
    paths: { type: "array", items: { type: "string" } },
    url: { type: "string" },
  },
} as const;

/** The path and URL arguments read in canonical form (marked on some tools only, so that both kinds are exercised). */
const arg_kinds = { path: "path", "paths[*]": "path", url: "url" } as const;

export const SMALL_CATALOG: CatalogJson = {
  format: "policy-catalog/1",
  integrations: [
    { id: "alpha", name: "Alpha", call_type: "mcp", tools: [
      { name: "get_item", operation: "Read", method: "GET", category: "items", verbs: ["get"], labels: ["untrusted_content"], resource: "name", args, arg_kinds },
      { name: "create_item", operation: "Write", method: "POST", category: "items", verbs: ["create"], labels: ["external_communication"], args },
      { name: "delete_item", operation: "Delete", method: "DELETE", category: "items", verbs: ["delete"], labels: [], args },
      { name: "send_note", operation: "Write", method: "POST", category: "notes", verbs: ["send"], labels: ["external_communication", "private_data"], args },
    ] },
    { id: "beta", name: "Beta Cloud", call_type: "mcp", tools: [
      { name: "get_item", operation: "Read", method: "GET", category: "items", verbs: ["get"], labels: ["private_data"], args },
      { name: "list_things", operation: "Read", method: "GET", category: "things", verbs: ["list"], labels: [], args, arg_kinds },
      { name: "purge_things", operation: "Delete", verbs: ["purge"], labels: [], args },
    ] },
    { id: "gitx", name: "Gitx", call_type: "cli", global_options: { with_value: ["-C"], flags: ["--no-pager"] }, tools: [
      { name: "push", operation: "Write", verbs: ["push"], args },
      { name: "push_force", operation: "Delete", verbs: ["push"], args },
      { name: "status", operation: "Read", verbs: ["status"], args },
    ], commands: [
      { pattern: ["gitx", "push", "--force", "**"], tool: "push_force" },
      { pattern: ["gitx", "push", "**", "-f", "**"], tool: "push_force" },
      { pattern: ["gitx", "push", "**", "+*", "**"], tool: "push_force" },
      { pattern: ["gitx", "push", "**", "-v", "**"], tool: "push" },
      { pattern: ["gitx", "push", "**"], tool: "push" },
      { pattern: ["gitx", "status"], tool: "status" },
    ] },
  ],
};

export function smallCatalog() {
  // Without the MCP request paths: their argument schemas differ, and the generators rely on one schema.
  return loadCatalog([{ file: "small.catalog.json", text: JSON.stringify(SMALL_CATALOG) }], { builtin: false, requestPaths: false }).catalog;
}

/** Reviews of some small-catalog tools (the rest are Unreviewed), as the project loader passes them. */
export const SMALL_REVIEWS = {
  tools: { "alpha.get_item": "Approved", "alpha.delete_item": "Disallowed", "beta.list_things": "Approved", "gitx.push": "Approved", "gitx.push_force": "Disallowed" },
  agents: { A: "Approved", B: "Disallowed" },
  hash: null,
} as const;
