/**
 * Reads JSON documents with positions and validates them against our published JSON Schemas
 * (ajv). Errors come back as diagnostics pointing at the offending value, never as exceptions.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError } from "jsonc-parser";
import { LineMap } from "../../grammar/span.js";
import type { Diagnostic } from "../../grammar/diagnostic.js";
import { diagnostic, type Code } from "../diagnostics/codes.js";
import { readAssetJson } from "../assets.js";

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const compiled = new Map<string, ValidateFunction>();

/** The validator of a schema under `schemas/` (e.g. `catalog.schema.json`). */
export function schemaValidator(name: string): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    v = ajv.compile(readAssetJson<object>("schemas", name));
    compiled.set(name, v);
  }
  return v;
}

/** The validator of one `$defs` entry of a schema under `schemas/` (e.g. the ballot of `approval-record.schema.json`). */
export function schemaDefValidator(name: string, def: string): ValidateFunction {
  const root = schemaValidator(name).schema as { $id?: string };
  const v = root.$id ? ajv.getSchema(`${root.$id}#/$defs/${def}`) : undefined;
  if (!v) throw new Error(`schemas/${name} has no $defs/${def}`);
  return v;
}

function pointerPath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~")).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

export function ajvMessage(e: ErrorObject): string {
  const where = e.instancePath || "/";
  switch (e.keyword) {
    case "required": return `${where}: missing required property "${(e.params as { missingProperty: string }).missingProperty}"`;
    case "additionalProperties": return `${where}: unknown property "${(e.params as { additionalProperty: string }).additionalProperty}"`;
    case "enum": return `${where}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
    case "const": return `${where}: must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    default: return `${where}: ${e.message ?? "is invalid"}`;
  }
}

/** Drops the generic errors ajv adds next to a more precise one (anyOf/oneOf/if/propertyNames wrappers). */
export function usefulErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const out = errors.filter((e) => !["anyOf", "oneOf", "if", "not", "propertyNames"].includes(e.keyword));
  return (out.length ? out : [...errors]).slice(0, 20);
}

export interface JsonRead<T> {
  readonly value: T | undefined;
  readonly diagnostics: Diagnostic[];
}

/** Parses `text` and validates it against `schemas/<schema>`; diagnostics carry the code given. */
export function readJson<T>(text: string, file: string, schema: string, code: Code): JsonRead<T> {
  const lines = new LineMap(file, text);
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  if (errors.length || !tree) {
    const e = errors[0];
    const off = e?.offset ?? 0;
    return { value: undefined, diagnostics: [diagnostic(code, lines.span(off, off + (e?.length ?? 0)), `not valid JSON: ${e ? printParseErrorCode(e.error) : "empty file"}`, "check the file is JSON (no comments, no trailing commas)")] };
  }
  const value = JSON.parse(text) as T;
  const validate = schemaValidator(schema);
  if (validate(value)) return { value, diagnostics: [] };
  const diagnostics = usefulErrors(validate.errors ?? []).map((e) => {
    const node: Node | undefined = findNodeAtLocation(tree, pointerPath(e.instancePath)) ?? tree;
    const keyNode = e.keyword === "additionalProperties"
      ? findNodeAtLocation(tree, [...pointerPath(e.instancePath), (e.params as { additionalProperty: string }).additionalProperty])?.parent?.children?.[0]
      : undefined;
    const n = keyNode ?? node;
    return diagnostic(code, lines.span(n.offset, n.offset + Math.min(n.length, 200)), ajvMessage(e), `the format is described by schemas/${schema}`);
  });
  return { value: undefined, diagnostics };
}
