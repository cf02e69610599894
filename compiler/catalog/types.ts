/**
 * Catalog types: the in-memory form of `policy-catalog/1` documents (SPEC §3).
 * The JSON form is validated by `schemas/catalog.schema.json` before it becomes one of these.
 */

import type { Operation, ToolPin } from "../../runtime/types.js";
export type { Operation };
export { OPERATIONS } from "../../runtime/language-facts.js";

export type ToolLabel = "untrusted_content" | "private_data" | "external_communication" | (string & {});
export const KNOWN_LABELS: readonly string[] = ["untrusted_content", "private_data", "external_communication"];

/**
 * What an argument holds, where the enforcement point must read it in a canonical form: a file
 * path, a URL, or a shell command line. Keys of `arg_kinds` are argument paths: `path`,
 * `paths[*]` (every element of an array), `edits[*].path`.
 */
export type ArgKind = "path" | "url" | "command" | "git_push";
export const ARG_KINDS: readonly ArgKind[] = ["path", "url", "command", "git_push"];

/** A JSON Schema for a tool's arguments (draft 2020-12 subset we reason about). */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly enum?: readonly unknown[];
  readonly description?: string;
  readonly additionalProperties?: boolean | JsonSchema;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly [key: string]: unknown;
}

/** One tool as it appears in a catalog file. */
export interface CatalogToolJson {
  readonly name: string;
  readonly description?: string;
  readonly operation: Operation;
  readonly category?: string;
  readonly method?: string;
  readonly verbs?: readonly string[];
  readonly labels?: readonly string[];
  readonly resource?: string;
  readonly args?: JsonSchema;
  /** JSON Schema of the tool's structured result (MCP `outputSchema`): `result.<field>` is checked against it. */
  readonly output?: JsonSchema;
  /** Arguments read in canonical form (paths, URLs, command lines), by argument path. */
  readonly arg_kinds?: Readonly<Record<string, ArgKind>>;
  /** The definition as imported from an MCP server and its hash (compared at the enforcement point). */
  readonly pin?: ToolPin;
}

/** argv pattern → tool (CLI integrations). `*` one word, `**` the rest. */
export interface CatalogCommandJson {
  readonly pattern: readonly string[];
  readonly tool: string;
}

export interface CatalogIntegrationJson {
  readonly id: string;
  readonly name: string;
  readonly call_type: "mcp" | "cli";
  readonly description?: string;
  readonly tools: readonly CatalogToolJson[];
  readonly commands?: readonly CatalogCommandJson[];
  /** CLI integrations: options that may stand before the subcommand, stepped over before matching. */
  readonly global_options?: GlobalOptionsJson;
}

/** A program's global options: those that take the next word as value, and flags. */
export interface GlobalOptionsJson {
  readonly with_value?: readonly string[];
  readonly flags?: readonly string[];
}

/** A whole catalog document. */
export interface CatalogJson {
  readonly format: "policy-catalog/1";
  readonly integrations: readonly CatalogIntegrationJson[];
}
