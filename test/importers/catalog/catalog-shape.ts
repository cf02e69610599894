/**
 * Checks that a catalog is a valid `policy-catalog/1` document: with schemas/catalog.schema.json
 * when it exists (ajv), and always by hand against SPEC §3.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { CatalogJson } from "../../../compiler/catalog/types.js";

const SCHEMA = fileURLToPath(new URL("../../../schemas/catalog.schema.json", import.meta.url));
const OPS = ["Read", "Write", "Delete", "Unknown"];

let validate: ((doc: unknown) => string[]) | undefined;
function schemaValidator(): (doc: unknown) => string[] {
  if (validate !== undefined) return validate;
  if (!existsSync(SCHEMA)) return (validate = () => []);
  const schema = JSON.parse(readFileSync(SCHEMA, "utf8")) as { $schema?: string };
  const ajv = String(schema.$schema ?? "").includes("2020-12") ? new Ajv2020({ allErrors: true, strict: false })
    : new Ajv({ allErrors: true, strict: false });
  (addFormats as unknown as (a: unknown) => void)(ajv);
  const fn = ajv.compile(schema);
  return (validate = (doc) => (fn(doc) ? [] : (fn.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ""}`)));
}

/** Problems with a catalog document; [] when valid. */
export function catalogProblems(doc: unknown): string[] {
  const out = [...schemaValidator()(doc)];
  const c = doc as CatalogJson;
  if (c.format !== "policy-catalog/1") out.push("/format");
  if (!Array.isArray(c.integrations)) return [...out, "/integrations"];
  (c.integrations as CatalogJson["integrations"]).forEach((i, k) => {
    if (typeof i.id !== "string" || !/^[a-z][a-z0-9_-]*$/.test(i.id)) out.push(`/integrations/${k}/id`);
    if (typeof i.name !== "string" || i.name === "") out.push(`/integrations/${k}/name`);
    if (i.call_type !== "mcp" && i.call_type !== "cli") out.push(`/integrations/${k}/call_type`);
    const names = new Set<string>();
    i.tools.forEach((t, j) => {
      const at = `/integrations/${k}/tools/${j}`;
      if (typeof t.name !== "string" || t.name === "" || names.has(t.name)) out.push(`${at}/name`);
      names.add(t.name);
      if (!OPS.includes(t.operation)) out.push(`${at}/operation`);
      if (t.labels !== undefined && !t.labels.every((l) => typeof l === "string")) out.push(`${at}/labels`);
      if (t.verbs !== undefined && !t.verbs.every((v) => typeof v === "string")) out.push(`${at}/verbs`);
      if (t.args !== undefined && (typeof t.args !== "object" || t.args === null || "$schema" in t.args)) out.push(`${at}/args`);
      if (t.resource !== undefined && !(t.resource in (t.args?.properties ?? {}))) out.push(`${at}/resource`);
      for (const key of Object.keys(t)) {
        if (!["name", "description", "operation", "category", "method", "verbs", "labels", "resource", "args", "arg_kinds", "pin"].includes(key)) out.push(`${at}/${key}`);
      }
    });
  });
  JSON.parse(JSON.stringify(doc)); // must be plain JSON (no cycles)
  return out;
}
