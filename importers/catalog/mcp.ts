/**
 * Import of an MCP `tools/list` result: the raw result (`{"tools":[…]}`), a whole JSON-RPC
 * response, or a bare array of tools. Each tool keeps its `inputSchema` (minus `$schema`) as
 * `args`. Every problem in the document is reported at once, with a JSON pointer.
 */
import type { JsonSchema } from "../../compiler/catalog/types.js";
import type { ToolAnnotations } from "./classify.js";
import { pinOf } from "../../compiler/catalog/definition.js";
import { assemble, sanitizeToolName, TOOL_NAME_PATTERN, type CommonImportOptions, type DraftTool } from "./build.js";
import type { ImportError, ImportResult, ImportWarning } from "./result.js";
import { pointer } from "./result.js";

/** Options of `importMcp`. */
export interface McpImportOptions extends CommonImportOptions {
  readonly callType?: "mcp";
  /** File name for error messages. */
  readonly file?: string;
}

const EXPECTED = 'expected the result of tools/list ({"tools":[…]}), a JSON-RPC response whose result is one, or an array of tools';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Where the tools array lives in the document. */
function locateTools(doc: unknown): { tools: unknown[]; base: string[] } | ImportError {
  if (Array.isArray(doc)) return { tools: doc, base: [] };
  if (!isObject(doc)) return { code: "not-a-tool-list", pointer: "", message: "not a tools list", hint: EXPECTED };
  if (Array.isArray(doc.tools)) return { tools: doc.tools, base: ["tools"] };
  if (isObject(doc.error) && doc.result === undefined) {
    return { code: "json-rpc-error", pointer: "/error",
      message: `the JSON-RPC response is an error: ${String(doc.error.message ?? "(no message)")}`,
      hint: "save the response of a successful tools/list request" };
  }
  if (isObject(doc.result) && Array.isArray(doc.result.tools)) return { tools: doc.result.tools, base: ["result", "tools"] };
  const where = isObject(doc.result) ? "/result/tools" : doc.tools !== undefined ? "/tools" : "";
  return { code: "not-a-tool-list", pointer: where, message: where === "" ? "not a tools list: no 'tools' array"
    : `${where} is not an array of tools`, hint: EXPECTED };
}

function readAnnotations(raw: unknown, at: string, warnings: ImportWarning[]): ToolAnnotations | undefined {
  if (raw === undefined) return undefined;
  if (!isObject(raw)) {
    warnings.push({ pointer: at, message: "annotations is not an object; ignored" });
    return undefined;
  }
  const out: Record<string, boolean | string> = {};
  for (const key of ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] as const) {
    const v = raw[key];
    if (v === undefined) continue;
    if (typeof v === "boolean") out[key] = v;
    else warnings.push({ pointer: `${at}/${key}`, message: `${key} is not a boolean; ignored` });
  }
  if (typeof raw.title === "string") out.title = raw.title;
  return out as ToolAnnotations;
}

/** Argument schema from an inputSchema: a deep copy without the top-level `$schema`. */
function argsFrom(input: Record<string, unknown>): JsonSchema {
  const { $schema: _ignored, ...rest } = structuredClone(input);
  return rest as JsonSchema;
}

/**
 * Import an MCP tools list (already parsed JSON). Never throws: problems come back as
 * `{ ok: false, errors }` with JSON pointers into `doc`.
 */
export function importMcp(doc: unknown, opts: McpImportOptions): ImportResult {
  const file = opts.file === undefined ? {} : { file: opts.file };
  try {
    const found = locateTools(doc);
    if (!("tools" in found)) return { ok: false, errors: [{ ...found, ...file }] };
    const errors: ImportError[] = [];
    const warnings: ImportWarning[] = [];
    const drafts: DraftTool[] = [];
    const seen = new Map<string, string>();
    found.tools.forEach((raw, i) => {
      const at = pointer(...found.base, i);
      if (!isObject(raw)) {
        errors.push({ code: "bad-tool", pointer: at, message: "a tool must be an object", ...file });
        return;
      }
      const original = raw.name;
      if (typeof original !== "string" || original.trim() === "") {
        errors.push({ code: "missing-name", pointer: `${at}/name`, ...file,
          message: original === undefined ? "tool without a name" : "tool name must be a non-empty string",
          hint: "every tool in tools/list has a unique string name" });
        return;
      }
      const name = TOOL_NAME_PATTERN.test(original) ? original : sanitizeToolName(original);
      const first = seen.get(name);
      if (first !== undefined) {
        errors.push({ code: "duplicate-name", pointer: `${at}/name`, ...file,
          message: `duplicate tool name '${original}' (first at ${first})`, hint: "tool names must be unique" });
        return;
      }
      seen.set(name, `${at}/name`);
      if (name !== original) {
        warnings.push({ pointer: `${at}/name`, ...file,
          message: `tool name '${original}' is stored as '${name}' (catalog tool names are letters, digits, '_' and '-')` });
      }
      let args: JsonSchema = { type: "object", properties: {} };
      if (raw.inputSchema === undefined) {
        warnings.push({ pointer: at, message: `${name} has no inputSchema; it takes no arguments`, ...file });
      } else if (!isObject(raw.inputSchema)) {
        errors.push({ code: "bad-input-schema", pointer: `${at}/inputSchema`, ...file,
          message: `inputSchema of ${name} is not an object`, hint: 'an inputSchema is a JSON Schema such as {"type":"object","properties":{…}}' });
        return;
      } else {
        args = argsFrom(raw.inputSchema);
        if (args.type !== undefined && args.type !== "object") {
          warnings.push({ pointer: `${at}/inputSchema/type`, ...file, message: `inputSchema of ${name} has type '${String(args.type)}', not 'object'` });
        }
      }
      const annotations = readAnnotations(raw.annotations, `${at}/annotations`, warnings);
      drafts.push({
        name, args, ...(name !== original ? { verbText: original } : {}),
        ...(typeof raw.description === "string" ? { description: raw.description } : {}),
        ...(annotations !== undefined ? { annotations } : {}),
        pin: pinOf(raw),
      });
    });
    if (errors.length > 0) return { ok: false, errors };
    return assemble("mcp", drafts, opts, warnings);
  } catch (e) {
    // INVARIANT: unreachable for JSON input; kept so that a bug is an error value, not a crash.
    return { ok: false, errors: [{ code: "bad-tool", pointer: "", message: `internal error: ${(e as Error).message}`, ...file }] };
  }
}
