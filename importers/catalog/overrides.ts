/**
 * The overrides file: `{ "tools": { "<name>": { operation?, labels?, resource?, category?,
 * description?, arg_kinds? } } }`, validated with ajv against overrides.schema.json and applied last.
 */
import { readFile } from "node:fs/promises";
import { Ajv } from "ajv";
import type { ArgKind, Operation } from "../../compiler/catalog/types.js";
import { OVERRIDES_SCHEMA } from "./overrides-schema.js";
import type { ImportError } from "./result.js";
import { parseDocument } from "./input.js";

/** Corrections for one tool. `null` removes a guessed resource or category. */
export interface ToolOverride {
  readonly operation?: Operation;
  readonly labels?: readonly string[];
  readonly resource?: string | null;
  readonly category?: string | null;
  readonly description?: string;
  /** Replaces every guessed `arg_kinds` entry; null: none. */
  readonly arg_kinds?: Readonly<Record<string, ArgKind>> | null;
}

/** A parsed overrides file. */
export interface Overrides {
  readonly tools: Readonly<Record<string, ToolOverride>>;
  /** Where it came from, for messages. */
  readonly file?: string;
}

let validator: ReturnType<Ajv["compile"]> | undefined;
function validate(doc: unknown): ReturnType<Ajv["compile"]> {
  if (validator === undefined) validator = new Ajv({ allErrors: true, strict: false }).compile(OVERRIDES_SCHEMA);
  validator(doc);
  return validator;
}

/** Validate an already-parsed overrides document. */
export function parseOverrides(doc: unknown, file?: string):
  { ok: true; overrides: Overrides } | { ok: false; errors: ImportError[] } {
  const v = validate(doc);
  if (v.errors === null || v.errors === undefined || v.errors.length === 0) {
    const tools = (doc as { tools: Record<string, ToolOverride> }).tools;
    return { ok: true, overrides: file === undefined ? { tools } : { tools, file } };
  }
  const errors = v.errors.map((e): ImportError => {
    const extra = e.keyword === "additionalProperties"
      ? ` '${String((e.params as { additionalProperty?: string }).additionalProperty)}'` : "";
    const allowed = e.keyword === "enum" ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.join(", ")})` : "";
    return {
      code: "bad-overrides", pointer: e.instancePath, message: `overrides: ${e.message ?? "invalid"}${extra}${allowed}`,
      hint: "expected { \"tools\": { \"<tool>\": { \"operation\"?, \"labels\"?, \"resource\"?, \"category\"? } } }",
      ...(file === undefined ? {} : { file }),
    };
  });
  return { ok: false, errors };
}

/** Read, parse (JSON or YAML) and validate an overrides file. */
export async function loadOverrides(file: string):
  Promise<{ ok: true; overrides: Overrides } | { ok: false; errors: ImportError[] }> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    return { ok: false, errors: [{ code: "unreadable-input", pointer: "", file,
      message: `cannot read overrides file: ${(e as Error).message}` }] };
  }
  const parsed = parseDocument(text, file);
  if (!parsed.ok) return parsed;
  return parseOverrides(parsed.value, file);
}
