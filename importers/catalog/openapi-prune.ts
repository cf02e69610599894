/**
 * Before dereferencing, drop what an import never reads: responses, callbacks, links,
 * examples and `x-` vendor extensions. This keeps `$ref` resolution fast and stops a broken reference inside an example
 * value or a response (GitHub Enterprise's description has some) from failing the import.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const HTTP = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);
/** Keys whose value maps names to schemas (a schema may be called `example`). */
const NAME_MAPS = new Set(["properties", "patternProperties", "definitions", "$defs", "dependentSchemas"]);
/** Keys whose value is data, not schema. */
const DATA_KEYS = new Set(["enum", "default", "const"]);

function stripExamples(node: unknown, isNameMap: boolean): void {
  if (Array.isArray(node)) {
    for (const item of node) stripExamples(item, false);
    return;
  }
  if (!isObj(node)) return;
  for (const key of Object.keys(node)) {
    if (!isNameMap && (key === "example" || key === "examples" || key.startsWith("x-"))) {
      delete node[key];
      continue;
    }
    if (!isNameMap && DATA_KEYS.has(key)) continue;
    stripExamples(node[key], !isNameMap && NAME_MAPS.has(key));
  }
}

/** Remove responses, callbacks, links, examples and `x-` extensions from an OpenAPI / Swagger document, in place. */
export function pruneForImport(doc: Obj): void {
  for (const key of Object.keys(doc)) if (key.startsWith("x-")) delete doc[key];
  delete doc.responses; // Swagger 2.0 shared responses
  delete doc.webhooks;
  if (isObj(doc.components)) {
    for (const k of ["responses", "examples", "links", "callbacks"]) delete doc.components[k];
    for (const map of Object.values(doc.components)) {
      if (!isObj(map)) continue;
      for (const named of Object.values(map)) stripExamples(named, false);
    }
  }
  if (isObj(doc.definitions)) for (const named of Object.values(doc.definitions)) stripExamples(named, false);
  if (!isObj(doc.paths)) return;
  for (const item of Object.values(doc.paths)) {
    if (!isObj(item)) continue;
    for (const key of Object.keys(item)) if (key.startsWith("x-")) delete item[key];
    stripExamples(item.parameters, false);
    for (const [method, op] of Object.entries(item)) {
      if (!HTTP.has(method) || !isObj(op)) continue;
      delete op.responses;
      delete op.callbacks;
      stripExamples(op, false);
    }
  }
}
