/**
 * Turning OpenAPI schemas (after $ref dereferencing) into plain JSON Schemas for `args`:
 * remaining `$ref`s (the circular ones) are expanded once and then approximated, OpenAPI-only
 * keywords are dropped, and 3.0 `nullable` becomes a `"null"` type.
 */
import type { JsonSchema } from "../../compiler/catalog/types.js";

const DROP: ReadonlySet<string> = new Set([
  "example", "examples", "xml", "externalDocs", "discriminator", "nullable", "readOnly", "writeOnly",
  "deprecated", "$schema", "$id", "$defs", "definitions", "$comment", "$anchor", "$dynamicAnchor",
  "collectionFormat",
]);
const SCHEMA_MAPS: ReadonlySet<string> = new Set(["properties", "patternProperties", "dependentSchemas"]);
const SCHEMA_LISTS: ReadonlySet<string> = new Set(["allOf", "anyOf", "oneOf", "prefixItems"]);
const SCHEMA_ONE: ReadonlySet<string> = new Set([
  "items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
  "unevaluatedProperties", "unevaluatedItems", "additionalItems",
]);
/** Most nodes copied into one tool's args before the rest is approximated. */
const NODE_BUDGET = 20_000;

/** Resolve a local JSON pointer (`#/components/schemas/X`) in `root`. */
export function resolvePointer(root: unknown, ref: string): unknown {
  if (!ref.startsWith("#")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(1).split("/").slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (typeof node !== "object" || node === null || !(key in node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** State of one conversion: the document (for circular refs) and the node budget. */
export class SchemaCleaner {
  private nodes = 0;
  truncated = false;
  constructor(private readonly root: unknown) {}

  /** Start a new tool (resets the node budget). */
  reset(): void {
    this.nodes = 0;
    this.truncated = false;
  }

  /** A plain JSON Schema copy of `schema`. */
  clean(schema: unknown, refs: readonly string[] = [], ancestors: readonly object[] = []): JsonSchema {
    if (schema === true || schema === undefined) return {};
    if (schema === false) return { not: {} };
    if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return {};
    if (ancestors.includes(schema)) return { description: "(recursive schema)" };
    if (++this.nodes > NODE_BUDGET) {
      this.truncated = true;
      return { description: "(schema truncated)" };
    }
    const s = schema as Record<string, unknown>;
    if (typeof s.$ref === "string") return this.cleanRef(s, refs, ancestors);
    const out: Record<string, unknown> = {};
    const inner = [...ancestors, schema];
    for (const [key, value] of Object.entries(s)) {
      if (DROP.has(key) || key.startsWith("x-")) continue;
      if (SCHEMA_MAPS.has(key) && typeof value === "object" && value !== null) {
        out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.clean(v, refs, inner)]));
      } else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) {
        out[key] = value.map((v) => this.clean(v, refs, inner));
      } else if (SCHEMA_ONE.has(key)) {
        out[key] = typeof value === "boolean" ? value
          : Array.isArray(value) ? value.map((v) => this.clean(v, refs, inner)) : this.clean(value, refs, inner);
      } else if (key === "required" && !Array.isArray(value)) {
        continue; // Swagger-style `required: true` on a property
      } else {
        out[key] = structuredClone(value);
      }
    }
    if (s.nullable === true && typeof out.type === "string") out.type = [out.type, "null"];
    return out as JsonSchema;
  }

  private cleanRef(s: Record<string, unknown>, refs: readonly string[], ancestors: readonly object[]): JsonSchema {
    const ref = s.$ref as string;
    const target = resolvePointer(this.root, ref);
    const desc = typeof s.description === "string" ? { description: s.description } : {};
    if (target === undefined) return { ...desc, description: `(unresolved reference ${ref})` };
    if (refs.includes(ref)) {
      // Circular: approximate with the target's type, without descending again.
      const t = target as Record<string, unknown>;
      return { ...(t.type !== undefined ? { type: structuredClone(t.type) as string } : {}),
        description: `(recursive reference to ${ref})` };
    }
    return { ...this.clean(target, [...refs, ref], ancestors), ...desc };
  }
}
