/**
 * Import of an OpenAPI 3.0/3.1 (or Swagger 2.0) document: one tool per operation. `$ref`s are
 * dereferenced with @apidevtools/json-schema-ref-parser (broken ones are errors with pointers;
 * circular ones are kept and approximated in `args`). External `$ref`s resolve only to files
 * under the document's folder (or a root the caller allows); http refs are never fetched.
 */
import path from "node:path";
import $RefParser from "@apidevtools/json-schema-ref-parser";
import { containedFileResolver, OUTSIDE_ROOT } from "./ref-root.js";
import type { JsonSchema } from "../../compiler/catalog/types.js";
import { assemble, sanitizeToolName, TOOL_NAME_PATTERN as NAME_PATTERN, type CommonImportOptions, type DraftTool } from "./build.js";
import { readDocument } from "./input.js";
import { pruneForImport } from "./openapi-prune.js";
import { SchemaCleaner } from "./openapi-schema.js";
import type { ImportError, ImportResult, ImportWarning } from "./result.js";
import { pointer } from "./result.js";

/** Options of `importOpenApi`. */
export interface OpenApiImportOptions extends CommonImportOptions {
  /** File name for messages when `docOrPath` is an object. */
  readonly file?: string;
  /** Folders external `$ref`s may read besides the document's own folder (`--allow-ref-root`). */
  readonly allowRefRoots?: readonly string[];
}

type Obj = Record<string, unknown>;
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;
type Method = (typeof METHODS)[number];
/** Header parameters that are protocol plumbing, not arguments. */
const SKIP_HEADERS: ReadonlySet<string> = new Set([
  "accept", "accept-encoding", "accept-language", "content-type", "content-length", "authorization",
  "user-agent", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "cookie",
  "x-request-id", "x-correlation-id", "x-github-api-version",
]);

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `repos/create-fork` → `repos_create-fork`; `GET /repos/{owner}/{repo}` → `get_repos_owner_repo`. */
export function toolName(operationId: string | undefined, method: string, apiPath: string): string {
  const fromId = operationId === undefined ? "" : sanitizeToolName(operationId);
  if (fromId !== "" && fromId !== "_") return fromId;
  const fromPath = sanitizeToolName(`${method}_${apiPath.replace(/[{}]/g, "")}`);
  return NAME_PATTERN.test(fromPath) ? fromPath : `_${method}`;
}

/** `Pull Requests` → `pull_requests`. */
function categoryFromTag(tag: unknown): string | undefined {
  if (typeof tag !== "string") return undefined;
  const c = tag.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  return c === "" ? undefined : c;
}

function firstParagraph(text: unknown): string | undefined {
  if (typeof text !== "string") return undefined;
  const p = text.trim().split(/\n\s*\n/)[0]?.trim();
  if (p === undefined || p === "") return undefined;
  return p.length > 500 ? `${p.slice(0, 497)}...` : p;
}

function pickMediaSchema(content: unknown): unknown {
  if (!isObj(content)) return undefined;
  const types = Object.keys(content);
  const pick = types.find((t) => t === "application/json") ?? types.find((t) => /\+json$|\/json/.test(t))
    ?? types.find((t) => t === "application/x-www-form-urlencoded" || t === "multipart/form-data") ?? types[0];
  const media = pick === undefined ? undefined : content[pick];
  return isObj(media) ? media.schema : undefined;
}

/** Swagger 2.0 non-body parameter: its schema keywords live on the parameter itself. */
function swagger2ParamSchema(p: Obj): Obj {
  const keys = ["type", "format", "items", "enum", "default", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems", "multipleOf"];
  return Object.fromEntries(keys.filter((k) => p[k] !== undefined).map((k) => [k, p[k]]));
}

/** Properties and required names of an object schema (allOf parts merged), or undefined. */
function objectShape(s: JsonSchema): { properties: Record<string, JsonSchema>; required: string[] } | undefined {
  const allOf = Array.isArray(s.allOf) ? (s.allOf as JsonSchema[]) : undefined;
  if (s.properties !== undefined && (s.type === undefined || s.type === "object")) {
    const base = { properties: { ...s.properties }, required: [...(s.required ?? [])] };
    for (const part of allOf ?? []) {
      const inner = objectShape(part);
      if (inner === undefined) return undefined;
      Object.assign(base.properties, inner.properties);
      base.required.push(...inner.required);
    }
    return base;
  }
  if (allOf !== undefined && allOf.length > 0 && (s.type === undefined || s.type === "object")) {
    const parts = allOf.map(objectShape);
    if (parts.some((p) => p === undefined)) return undefined;
    return {
      properties: Object.assign({}, ...parts.map((p) => p!.properties)) as Record<string, JsonSchema>,
      required: parts.flatMap((p) => p!.required),
    };
  }
  return undefined;
}

interface OperationContext {
  readonly cleaner: SchemaCleaner;
  readonly swagger2: boolean;
  readonly warnings: ImportWarning[];
  readonly file: { file?: string };
}

/** The args schema of one operation: parameters plus the request body. */
function operationArgs(pathItem: Obj, op: Obj, at: string[], ctx: OperationContext): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const params = new Map<string, { p: Obj; at: string }>();
  const collect = (list: unknown, base: string[]): void => {
    if (!Array.isArray(list)) return;
    list.forEach((p, i) => {
      if (isObj(p) && typeof p.name === "string") params.set(`${String(p.in)}:${p.name}`, { p, at: pointer(...base, i) });
    });
  };
  collect(pathItem.parameters, at.slice(0, -1).concat("parameters"));
  collect(op.parameters, [...at, "parameters"]);
  let body: { schema: unknown; required: boolean } | undefined;
  const formData: Obj[] = [];
  for (const { p } of params.values()) {
    const where = String(p.in);
    const name = p.name as string;
    if (where === "cookie" || (where === "header" && SKIP_HEADERS.has(name.toLowerCase()))) continue;
    if (where === "body") {
      body = { schema: p.schema, required: p.required === true };
      continue;
    }
    if (where === "formData") {
      formData.push(p);
      continue;
    }
    const raw = p.schema ?? pickMediaSchema(p.content) ?? (ctx.swagger2 ? swagger2ParamSchema(p) : undefined);
    const schema = ctx.cleaner.clean(raw);
    properties[name] = typeof p.description === "string" && schema.description === undefined
      ? { ...schema, description: p.description } : schema;
    if (p.required === true || where === "path") required.push(name);
  }
  if (formData.length > 0) {
    body = { required: formData.some((p) => p.required === true), schema: {
      type: "object",
      properties: Object.fromEntries(formData.map((p) => [p.name, { ...swagger2ParamSchema(p),
        ...(typeof p.description === "string" ? { description: p.description } : {}) }])),
      required: formData.filter((p) => p.required === true).map((p) => p.name),
    } };
  }
  const rb = op.requestBody;
  if (isObj(rb)) body = { schema: pickMediaSchema(rb.content), required: rb.required === true };
  if (body !== undefined && body.schema !== undefined) {
    const schema = ctx.cleaner.clean(body.schema);
    const shape = objectShape(schema);
    if (shape === undefined) {
      properties.body = schema;
      if (body.required) required.push("body");
    } else {
      for (const [k, v] of Object.entries(shape.properties)) {
        if (k in properties) {
          ctx.warnings.push({ pointer: pointer(...at, "requestBody"), ...ctx.file,
            message: `body property '${k}' has the name of a parameter; the parameter is kept` });
          continue;
        }
        properties[k] = v;
        if (body.required && shape.required.includes(k) && !required.includes(k)) required.push(k);
      }
    }
  }
  return { type: "object", properties, ...(required.length > 0 ? { required } : {}) };
}

function refErrors(e: unknown, file: { file?: string }): ImportError[] {
  const list = (e as { errors?: unknown[] }).errors ?? [e];
  return list.map((x): ImportError => {
    const err = x as { message?: string; path?: (string | number)[] | null; code?: string; ioErrorCode?: string };
    const at = Array.isArray(err.path) ? pointer(...err.path) : "";
    return { code: "broken-ref", pointer: at, ...file, message: err.message ?? String(x),
      hint: err.code === "EMISSINGPOINTER" ? "the $ref points at something the document does not define" :
        err.ioErrorCode === OUTSIDE_ROOT ? "copy the file under the document's folder, or allow its folder with --allow-ref-root DIR" :
        "check the $ref: external files are resolved relative to the document; http refs are not fetched" };
  });
}

/**
 * Import an OpenAPI document given as a file path (JSON or YAML) or an already parsed object.
 * Never throws; errors come back as values with JSON pointers.
 */
export async function importOpenApi(docOrPath: string | object, opts: OpenApiImportOptions): Promise<ImportResult> {
  const filePath = typeof docOrPath === "string" ? docOrPath : opts.file;
  const file = filePath === undefined ? {} : { file: filePath };
  let doc: unknown = docOrPath;
  if (typeof docOrPath === "string") {
    const read = await readDocument(docOrPath);
    if (!read.ok) return read;
    doc = read.value;
  } else {
    doc = structuredClone(docOrPath);
  }
  if (!isObj(doc)) return { ok: false, errors: [{ code: "not-openapi", pointer: "", ...file, message: "not an OpenAPI document (not an object)" }] };
  const swagger2 = doc.swagger === "2.0";
  if (!swagger2 && !(typeof doc.openapi === "string" && doc.openapi.startsWith("3."))) {
    return { ok: false, errors: [{ code: "not-openapi", pointer: doc.openapi !== undefined ? "/openapi" : "", ...file,
      message: `not an OpenAPI 3.x or Swagger 2.0 document${doc.openapi !== undefined ? ` (openapi: ${JSON.stringify(doc.openapi)})` : ""}`,
      hint: "expected a top-level \"openapi\": \"3.0.x\" / \"3.1.x\" (or \"swagger\": \"2.0\")" }] };
  }
  if (!isObj(doc.paths)) {
    return { ok: false, errors: [{ code: "not-openapi", pointer: "/paths", ...file, message: "the document has no paths object" }] };
  }
  pruneForImport(doc);
  let deref: Obj;
  try {
    const base = filePath === undefined ? path.join(process.cwd(), "openapi.json") : path.resolve(filePath);
    deref = await $RefParser.dereference(base, doc as Obj, {
      continueOnError: true,
      resolve: { http: false, external: filePath !== undefined,
        file: containedFileResolver([path.dirname(base), ...(opts.allowRefRoots ?? []).map((r) => path.resolve(r))]) },
      dereference: { circular: "ignore" },
    }) as Obj;
  } catch (e) {
    return { ok: false, errors: refErrors(e, file) };
  }
  const warnings: ImportWarning[] = [];
  const cleaner = new SchemaCleaner(deref);
  const ctx: OperationContext = { cleaner, swagger2, warnings, file };
  const drafts: DraftTool[] = [];
  const names = new Map<string, string>();
  for (const [apiPath, pathItem] of Object.entries(deref.paths as Obj)) {
    if (!isObj(pathItem)) continue;
    for (const method of Object.keys(pathItem).filter((k): k is Method => (METHODS as readonly string[]).includes(k))) {
      const op = pathItem[method];
      if (!isObj(op)) continue;
      const at = ["paths", apiPath, method];
      const operationId = typeof op.operationId === "string" ? op.operationId : undefined;
      let name = toolName(operationId, method, apiPath);
      if (names.has(name)) {
        let k = 2;
        while (names.has(`${name}_${k}`)) k++;
        warnings.push({ pointer: pointer(...at), ...file, message: `tool name '${name}' is taken (by ${names.get(name)}); this one is '${name}_${k}'` });
        name = `${name}_${k}`;
      }
      names.set(name, pointer(...at));
      cleaner.reset();
      const args = operationArgs(pathItem, op, at, ctx);
      if (cleaner.truncated) warnings.push({ pointer: pointer(...at), ...file, message: `argument schema of ${name} was too large and is truncated` });
      const literal = apiPath.split("/").filter((s) => s !== "" && !s.includes("{")).join("/");
      const category = categoryFromTag(Array.isArray(op.tags) ? op.tags[0] : undefined);
      const description = firstParagraph(op.summary) ?? firstParagraph(op.description);
      drafts.push({
        name, method: method.toUpperCase(), args,
        verbText: operationId ?? literal,
        ...(category !== undefined ? { category } : {}),
        ...(description !== undefined ? { description } : {}),
      });
    }
  }
  const info = isObj(doc.info) && typeof doc.info.title === "string" ? doc.info.title : undefined;
  return assemble("openapi", drafts, opts, warnings, info);
}
