/**
 * Assembly shared by the MCP and OpenAPI importers: draft tools → classification, guesses,
 * overrides (applied last) → a `policy-catalog/1` document and its report.
 */
import { closest } from "fastest-levenshtein";
import type { ToolPin } from "../../runtime/types.js";
import type { CatalogIntegrationJson, CatalogJson, CatalogToolJson, JsonSchema, Operation } from "../../compiler/catalog/types.js";
import { OPERATIONS } from "../../compiler/catalog/types.js";
import { classify, type Classification, type OperationSource, type ToolAnnotations } from "./classify.js";
import { guessCategory, guessLabels, guessResource } from "./guess.js";
import { guessArgKinds } from "./guess-arg-kinds.js";
import type { Overrides, ToolOverride } from "./overrides.js";
import type {
  ImportCounts, ImportError, ImportReport, ImportResult, ImportWarning, LabelReport, ToolReport,
} from "./result.js";
import { pointer } from "./result.js";

/** A tool as an importer found it, before classification. */
export interface DraftTool {
  readonly name: string;
  readonly description?: string;
  readonly method?: string;
  /** Category from the source document (an OpenAPI tag); otherwise guessed from the name. */
  readonly category?: string;
  readonly args: JsonSchema;
  readonly annotations?: ToolAnnotations;
  /** Text for verb analysis when not the name (OpenAPI operationId or path). */
  readonly verbText?: string;
  /** The definition as the server gave it, pinned (MCP imports). */
  readonly pin?: ToolPin;
}

/** Options common to every importer. */
export interface CommonImportOptions {
  /** Integration id or display name; the id is its slug (`"Acme CRM"` → `acme_crm`). */
  readonly integration: string;
  /** Display name; default: `integration` as given, or a title from the source document. */
  readonly name?: string;
  readonly overrides?: Overrides;
}

/** The catalog schema's tool-name pattern. */
export const TOOL_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** A name that fits TOOL_NAME_PATTERN: other characters runs become `_` (`chat.postMessage` → `chat_postMessage`). */
export function sanitizeToolName(name: string): string {
  let out = name.replace(/[^A-Za-z0-9_-]+/g, "_").replace(/_+/g, "_").replace(/^[_-]+|[_-]+$/g, "");
  if (!/^[A-Za-z_]/.test(out)) out = `_${out}`;
  return out;
}

/** HTTP methods the catalog schema allows in `method`. */
const CATALOG_METHODS: ReadonlySet<string> = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]);

/**
 * `"Acme CRM"` → `acme_crm`; a `-` is kept (`sequential-thinking`, the name of a real MCP server,
 * stays as it is: the catalog, the language and `policy enforce --integration` all accept it).
 */
export function integrationId(integration: string): string {
  return integration.trim().toLowerCase().replace(/[^a-z0-9-]+/g, "_").replace(/^[_-]+|[_-]+$/g, "");
}

function displayName(integration: string, id: string): string {
  if (integration.trim() !== id) return integration.trim();
  return id.split(/[_-]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(" ");
}

/** Validate the integration option; an error value when it has no usable id. */
export function checkIntegration(integration: string): ImportError | undefined {
  const id = integrationId(integration);
  if (/^[a-z][a-z0-9_-]*$/.test(id)) return undefined;
  return { code: "bad-integration", pointer: "", message: `'${integration}' is not a usable integration id`,
    hint: "use letters, digits, _ and -, starting with a letter (e.g. acme_crm, sequential-thinking)" };
}

function findOverride(o: Overrides | undefined, id: string, name: string): ToolOverride | undefined {
  return o?.tools[name] ?? o?.tools[`${id}.${name}`];
}

function emptyCounts<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

const SOURCES: readonly OperationSource[] = ["annotation", "method", "verb", "override", "unknown"];

/** Build the catalog and report from draft tools. `titleHint` names the integration when no name is given. */
export function assemble(from: "mcp" | "openapi", drafts: readonly DraftTool[], opts: CommonImportOptions,
  warnings: ImportWarning[], titleHint?: string): ImportResult {
  const bad = checkIntegration(opts.integration);
  if (bad !== undefined) return { ok: false, errors: [bad] };
  const id = integrationId(opts.integration);
  const tools: CatalogToolJson[] = [];
  const reports: ToolReport[] = [];
  for (const d of drafts) {
    const { tool, report } = buildTool(d, id, findOverride(opts.overrides, id, d.name), warnings, opts.overrides?.file);
    tools.push(tool);
    reports.push(report);
  }
  checkUnusedOverrides(opts.overrides, id, drafts.map((d) => d.name), warnings);
  const integration: CatalogIntegrationJson = {
    id,
    name: opts.name ?? (integrationId(opts.integration) === opts.integration.trim() && titleHint !== undefined
      ? titleHint : displayName(opts.integration, id)),
    call_type: "mcp",
    tools,
  };
  const catalog: CatalogJson = { format: "policy-catalog/1", integrations: [integration] };
  return { ok: true, catalog, report: makeReport(from, id, reports, warnings) };
}

function buildTool(d: DraftTool, integration: string, o: ToolOverride | undefined, warnings: ImportWarning[],
  overridesFile: string | undefined): { tool: CatalogToolJson; report: ToolReport } {
  const c: Classification = classify({
    name: d.name, integration, ...(d.annotations ? { annotations: d.annotations } : {}),
    ...(d.method ? { method: d.method } : {}), ...(d.verbText ? { verbText: d.verbText } : {}),
  });
  const overridden: string[] = [];
  let operation: Operation = c.operation;
  let source: OperationSource = c.source;
  let reason = c.reason;
  let guessed = c.guessed;
  if (o?.operation !== undefined) {
    overridden.push("operation");
    reason = o.operation === c.operation ? `override (import also said ${c.operation}: ${c.reason})`
      : `override (import said ${c.operation}: ${c.reason})`;
    operation = o.operation;
    source = "override";
    guessed = false;
  }
  let labels: LabelReport[] = guessLabels(d.verbText ?? d.name, operation, d.annotations, integration)
    .map((g) => ({ label: g.label, guessed: true, reason: g.reason }));
  if (o?.labels !== undefined) {
    overridden.push("labels");
    labels = o.labels.map((l) => ({ label: l, guessed: false, reason: "override" }));
  }
  let resource: ToolReport["resource"];
  const guessedResource = guessResource(d.args);
  if (guessedResource !== undefined) resource = { name: guessedResource, guessed: true };
  if (o?.resource !== undefined) {
    overridden.push("resource");
    resource = o.resource === null ? undefined : { name: o.resource, guessed: false };
    if (o.resource !== null && !(o.resource in (d.args.properties ?? {}))) {
      warnings.push({ pointer: pointer("tools", d.name, "resource"), ...(overridesFile ? { file: overridesFile } : {}),
        message: `override: '${o.resource}' is not an argument of ${d.name}`,
        hint: `arguments: ${Object.keys(d.args.properties ?? {}).join(", ") || "(none)"}` });
    }
  }
  let category: ToolReport["category"];
  if (d.category !== undefined) category = { name: d.category, guessed: false };
  else {
    const g = guessCategory(d.verbText ?? d.name, integration);
    if (g !== undefined) category = { name: g, guessed: true };
  }
  if (o?.category !== undefined) {
    overridden.push("category");
    category = o.category === null ? undefined : { name: o.category, guessed: false };
  }
  const description = o?.description ?? d.description;
  if (o?.description !== undefined) overridden.push("description");
  let argKinds: NonNullable<ToolReport["argKinds"]> = guessArgKinds(d.args).map((g) => ({ ...g, guessed: true }));
  if (o?.arg_kinds !== undefined) {
    overridden.push("arg_kinds");
    argKinds = Object.entries(o.arg_kinds ?? {}).map(([path, kind]) => ({ path, kind, guessed: false, reason: "override" }));
  }
  const tool: CatalogToolJson = {
    name: d.name,
    ...(description !== undefined && description !== "" ? { description } : {}),
    operation,
    ...(category !== undefined ? { category: category.name } : {}),
    ...(d.method !== undefined && CATALOG_METHODS.has(d.method.toUpperCase()) ? { method: d.method.toUpperCase() } : {}),
    ...(c.verbs.length > 0 ? { verbs: c.verbs } : {}),
    labels: labels.map((l) => l.label),
    ...(resource !== undefined ? { resource: resource.name } : {}),
    args: d.args,
    ...(argKinds.length ? { arg_kinds: Object.fromEntries(argKinds.map((a) => [a.path, a.kind])) } : {}),
    ...(d.pin ? { pin: d.pin } : {}),
  };
  const report: ToolReport = {
    name: d.name, operation, source, guessed, reason, verbs: c.verbs, notes: c.notes, labels,
    ...(resource !== undefined ? { resource } : {}), ...(category !== undefined ? { category } : {}),
    ...(argKinds.length ? { argKinds } : {}), overridden,
  };
  return { tool, report };
}

function checkUnusedOverrides(o: Overrides | undefined, id: string, names: readonly string[], warnings: ImportWarning[]): void {
  if (o === undefined) return;
  const known = new Set(names);
  for (const key of Object.keys(o.tools)) {
    const bare = key.startsWith(`${id}.`) ? key.slice(id.length + 1) : key;
    if (known.has(bare)) continue;
    const near = names.length > 0 ? closest(bare, [...names]) : undefined;
    warnings.push({ pointer: pointer("tools", key), ...(o.file ? { file: o.file } : {}),
      message: `override for '${key}', which is not a tool of ${id}`,
      ...(near !== undefined ? { hint: `did you mean '${near}'?` } : {}) });
  }
}

function makeReport(from: "mcp" | "openapi", integration: string, tools: ToolReport[], warnings: ImportWarning[]): ImportReport {
  const byOperation = emptyCounts(OPERATIONS);
  const bySource = emptyCounts(SOURCES);
  let guessedLabels = 0;
  for (const t of tools) {
    byOperation[t.operation]++;
    bySource[t.source]++;
    guessedLabels += t.labels.filter((l) => l.guessed).length;
  }
  const counts: ImportCounts = {
    tools: tools.length, byOperation, bySource,
    guessedOperations: tools.filter((t) => t.guessed).length,
    guessedLabels,
    overridden: tools.filter((t) => t.overridden.length > 0).length,
  };
  return {
    format: "policy-catalog-import-report/1", from, integration, counts, tools,
    unknown: tools.filter((t) => t.operation === "Unknown").map((t) => t.name), warnings,
  };
}
