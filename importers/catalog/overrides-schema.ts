/**
 * The overrides file's JSON Schema as a module (so it ships with the compiled code).
 * `overrides.schema.json` beside this file is the published copy; a test keeps them equal.
 */
import { OPERATIONS } from "../../runtime/language-facts.js";

export const OVERRIDES_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://policy-toolchain.dev/schemas/catalog-overrides.schema.json",
  title: "policy catalog import overrides",
  description: "Manual corrections applied last by `policy catalog import --overrides <file>`.",
  type: "object",
  additionalProperties: false,
  required: ["tools"],
  properties: {
    $schema: { type: "string" },
    tools: {
      type: "object",
      description: "Keyed by tool name (`delete_contact`) or integration-qualified name (`acme_crm.delete_contact`).",
      additionalProperties: {
        type: "object",
        additionalProperties: false,
        properties: {
          operation: { enum: [...OPERATIONS] },
          labels: {
            type: "array",
            description: "Replaces every guessed label.",
            items: { type: "string", pattern: "^[a-z][a-z0-9_]*$" },
            uniqueItems: true,
          },
          resource: {
            description: "Argument that names the resource; null removes a guessed one.",
            type: ["string", "null"],
            minLength: 1,
          },
          category: {
            description: "Category; null removes a guessed one.",
            type: ["string", "null"],
            minLength: 1,
          },
          arg_kinds: {
            description: "Replaces every guessed path and URL argument (`{\"path\": \"path\", \"paths[*]\": \"path\"}`); null: none.",
            type: ["object", "null"],
            propertyNames: { pattern: "^[^.\\[\\]]+(\\[\\*\\])?(\\.[^.\\[\\]]+(\\[\\*\\])?)*$" },
            additionalProperties: { enum: ["path", "url", "command"] },
          },
          description: { type: "string" },
        },
      },
    },
  },
} as const;
