/**
 * `policy catalog import` as a library: MCP `tools/list` results and OpenAPI documents become
 * `policy-catalog/1` catalogs, with a report of what was guessed, manual overrides, and a diff
 * against a previous import. The CLI command is a thin wrapper over `importCatalog`.
 */
import type { CatalogJson } from "../../compiler/catalog/types.js";
import { diffCatalogs, type CatalogDiff } from "./diff.js";
import { readDocument } from "./input.js";
import { importMcp } from "./mcp.js";
import { importOpenApi } from "./openapi.js";
import { loadOverrides, type Overrides } from "./overrides.js";
import type { ImportError, ImportReport } from "./result.js";

export { classify, analyseVerbs } from "./classify.js";
export type { Classification, ClassifyInput, OperationSource, ToolAnnotations, VerbAnalysis } from "./classify.js";
export { guessCategory, guessLabels, guessResource, RESOURCE_KEYS } from "./guess.js";
export type { LabelGuess } from "./guess.js";
export { READ_VERBS, WRITE_VERBS, DELETE_VERBS } from "./verbs.js";
export { importMcp } from "./mcp.js";
export type { McpImportOptions } from "./mcp.js";
export { importOpenApi } from "./openapi.js";
export type { OpenApiImportOptions } from "./openapi.js";
export { loadOverrides, parseOverrides } from "./overrides.js";
export type { Overrides, ToolOverride } from "./overrides.js";
export { OVERRIDES_SCHEMA } from "./overrides-schema.js";
export { formatReport } from "./report.js";
export type { ReportFormat } from "./report.js";
export { diffCatalogs, diffArgs, formatDiff } from "./diff.js";
export type { ArgChange, ArgChangeKind, CatalogDiff, ToolRef } from "./diff.js";
export type {
  ImportCounts, ImportError, ImportErrorCode, ImportReport, ImportResult, ImportWarning, LabelReport, ToolReport,
} from "./result.js";

/** Options of `importCatalog` (the CLI's flags). */
export interface ImportCatalogOptions {
  readonly from: "mcp" | "openapi";
  /** Path of the tools/list JSON or the OpenAPI document (JSON or YAML). */
  readonly input: string;
  /** Integration id or display name (`acme_crm`, `"Acme CRM"`). */
  readonly integration: string;
  /** Display name of the integration. */
  readonly name?: string;
  /** Path of an overrides file (JSON or YAML). */
  readonly overrides?: string;
  /** Path of the catalog from the previous import: the result then carries a `diff`. */
  readonly previous?: string;
  /** Folders external `$ref`s of an OpenAPI document may read besides the document's own folder. */
  readonly allowRefRoots?: readonly string[];
}

/** Outcome of `importCatalog`. */
export type ImportCatalogResult =
  | { readonly ok: true; readonly catalog: CatalogJson; readonly report: ImportReport; readonly diff?: CatalogDiff }
  | { readonly ok: false; readonly errors: readonly ImportError[] };

/**
 * Import a catalog from a file. Never rejects for bad input: unreadable files, syntax errors,
 * bad tool lists, broken `$ref`s and invalid overrides all come back as `{ ok: false, errors }`.
 */
export async function importCatalog(opts: ImportCatalogOptions): Promise<ImportCatalogResult> {
  let overrides: Overrides | undefined;
  if (opts.overrides !== undefined) {
    const loaded = await loadOverrides(opts.overrides);
    if (!loaded.ok) return loaded;
    overrides = loaded.overrides;
  }
  const common = {
    integration: opts.integration,
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    ...(overrides !== undefined ? { overrides } : {}),
  };
  let result;
  if (opts.from === "mcp") {
    const read = await readDocument(opts.input);
    if (!read.ok) return read;
    result = importMcp(read.value, { ...common, file: opts.input });
  } else {
    result = await importOpenApi(opts.input, { ...common, ...(opts.allowRefRoots ? { allowRefRoots: opts.allowRefRoots } : {}) });
  }
  if (!result.ok || opts.previous === undefined) return result;
  const prev = await readDocument(opts.previous);
  if (!prev.ok) return prev;
  const old = prev.value as CatalogJson;
  if (typeof old !== "object" || old === null || old.format !== "policy-catalog/1" || !Array.isArray(old.integrations)) {
    return { ok: false, errors: [{ code: "bad-syntax", pointer: "/format", file: opts.previous,
      message: "the previous catalog is not a policy-catalog/1 document" }] };
  }
  return { ...result, diff: diffCatalogs(old, result.catalog) };
}

/** The catalog as the CLI writes it: 2-space JSON with a trailing newline. */
export function formatCatalog(catalog: CatalogJson): string {
  return `${JSON.stringify(catalog, null, 2)}\n`;
}
