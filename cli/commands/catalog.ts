/** `policy catalog import|list|show`: bring tools in from MCP / OpenAPI, and look at what the checker knows. */
import type { Command } from "commander";
import { loadProject } from "../../compiler/project.js";
import { collectCatalogs, reportDiagnostics, summaryLine, writeAtomic } from "../project-io.js";
import { resolve } from "node:path";
import { CliError, EXIT_FINDINGS, EXIT_USAGE, parseFormat, printJson } from "../output.js";
import { io } from "../io.js";
import type { CatalogTool } from "../../compiler/catalog/catalog.js";
import type { JsonSchema } from "../../compiler/catalog/types.js";
import { keepLines, oneLine } from "../../compiler/terminal-safe.js";
import { registerToolReview } from "./review.js";
import { registerCatalogDiff } from "./catalog-diff.js";

function argLines(s: JsonSchema | undefined, prefix = "args", depth = 0): string[] {
  if (!s?.properties || depth > 4) return [];
  const req = new Set(s.required ?? []);
  return Object.entries(s.properties).flatMap(([k, v]) => {
    const t = Array.isArray(v.type) ? v.type.join(" | ") : v.type ?? (v.enum ? "enum" : "any");
    const en = v.enum ? ` ∈ {${v.enum.map((x) => JSON.stringify(x)).join(", ")}}` : "";
    return [`  ${prefix}.${k}: ${t}${en}${req.has(k) ? " (required)" : ""}${v.description ? ` — ${v.description}` : ""}`, ...argLines(v, `${prefix}.${k}`, depth + 1)];
  });
}

export function toolJson(t: CatalogTool): Record<string, unknown> {
  return { key: t.key, integration: t.integration, name: t.name, description: t.description, operation: t.operation, category: t.category ?? null, method: t.method ?? null, verbs: t.verbs, labels: t.labels, resource: t.resource ?? null, args: t.args ?? null, source: t.source };
}

export function register(program: Command): void {
  const cat = program.command("catalog").description("work with tool catalogs");
  cat.command("import").description("turn an MCP tools/list result or an OpenAPI document into a catalog")
    .requiredOption("--from <kind>", "mcp or openapi")
    .argument("<file>", "the tools/list JSON (or JSON-RPC response) or the OpenAPI document (JSON or YAML)")
    .requiredOption("--integration <name>", "the integration id (e.g. acme_crm)")
    .option("--name <name>", "display name of the integration")
    .option("--overrides <file>", "per-tool overrides (operation, labels, resource, category), applied last")
    .option("--previous <file>", "the catalog of the previous import: show what changed")
    .option("--policies <path>", "check these policies against the new catalog in place of the previous one (repeatable)", collectCatalogs)
    .option("-o, --output <file>", "write the catalog here (default: stdout)")
    .option("--allow-ref-root <dir>", "let external $refs of an OpenAPI document read files under this folder too (repeatable; default: the document's folder only)", collectCatalogs)
    .option("--format <format>", "report format: text or json", "text")
    .action(async (file: string, o: { from: string; integration: string; name?: string; overrides?: string; previous?: string; policies?: string[]; output?: string; format?: string; allowRefRoot?: string[] }) => {
      const format = parseFormat(o.format);
      if (o.from !== "mcp" && o.from !== "openapi") throw new CliError(`--from must be mcp or openapi, not "${o.from}"`);
      // Loaded on demand: the importers pull in YAML and $ref resolution, which other commands never need.
      const { importCatalog, formatReport, formatCatalog, formatDiff } = await import("../../importers/catalog/index.js");
      const r = await importCatalog({ from: o.from, input: file, integration: o.integration, ...(o.name ? { name: o.name } : {}), ...(o.overrides ? { overrides: o.overrides } : {}), ...(o.previous ? { previous: o.previous } : {}), ...(o.allowRefRoot ? { allowRefRoots: o.allowRefRoot } : {}) });
      if (!r.ok) {
        if (format === "json") io().stderr.write(JSON.stringify({ ok: false, errors: r.errors }, null, 2) + "\n");
        else for (const e of r.errors) io().stderr.write(`error: ${oneLine(`${e.file ?? file}${e.pointer ? ` at ${e.pointer}` : ""}: ${e.message}`)}${e.hint ? `\n  hint: ${oneLine(e.hint)}` : ""}\n`);
        io().exitCode = EXIT_USAGE;
        return;
      }
      const text = formatCatalog(r.catalog);
      if (o.output) writeAtomic(o.output, text);
      else io().stdout.write(text);
      // Tool names in the report come from the imported document (an MCP server's tools/list).
      io().stderr.write((format === "json" ? formatReport(r.report, format) : keepLines(formatReport(r.report, format))) + "\n");
      if (r.diff) io().stderr.write(formatDiff(r.diff, format) + "\n");
      if (o.policies?.length) {
        // The new catalog stands in for the previous one (or is added), so that policies broken by
        // removed tools or incompatible argument changes show up as diagnostics now, not at build time.
        const target = resolve(o.previous ?? o.output ?? `${r.catalog.integrations[0]?.id ?? "imported"}.catalog.json`);
        const loaded = loadProject(o.policies, { catalogs: [target], overlays: new Map([[target, text]]) });
        const ds = loaded.project.diagnostics.filter((d) => d.severity !== "info");
        const s = reportDiagnostics(ds, loaded);
        io().stderr.write(`policies checked against the new catalog: ${summaryLine(s)}\n`);
        if (s.errors) io().exitCode = EXIT_FINDINGS;
      }
    });
  registerToolReview(cat);
  registerCatalogDiff(cat);
  cat.command("list").description("list integrations and tools the checker knows")
    .argument("[paths...]", "project (for its user catalogs; default: .)")
    .option("--catalog <file>", "add a user catalog (repeatable)", collectCatalogs)
    .option("--integration <id>", "only this integration")
    .option("--format <format>", "text or json", "text")
    .action((paths: string[], o: { catalog?: string[]; integration?: string; format?: string }) => {
      const format = parseFormat(o.format);
      const { project } = loadProject(paths.length ? paths : ["."], { catalogs: o.catalog ?? [] });
      const integs = [...project.catalog.integrations.values()].filter((i) => !o.integration || project.catalog.integration(o.integration) === i);
      if (o.integration && !integs.length) throw new CliError(`unknown integration "${o.integration}"`);
      const review = (t: CatalogTool) => project.reviews?.tools[t.key.toLowerCase()] ?? "Unreviewed";
      if (format === "json") printJson(integs.map((i) => ({ id: i.id, name: i.name, call_type: i.callType, tools: [...i.tools.values()].map((t) => ({ name: t.name, operation: t.operation, labels: t.labels, review_status: review(t) })) })));
      else for (const i of integs) {
        io().stdout.write(`${oneLine(i.name)} (${oneLine(i.id)}, ${i.callType}): ${i.tools.size} tools\n`);
        for (const t of i.tools.values()) io().stdout.write(`  ${oneLine(t.name).padEnd(36)} ${t.operation.padEnd(7)} ${review(t).padEnd(10)} ${oneLine(t.labels.join(", "))}\n`);
      }
    });
  cat.command("show").description("what the checker knows of one tool")
    .argument("<tool>", "integration.tool (or a unique bare name)")
    .option("--catalog <file>", "add a user catalog (repeatable)", collectCatalogs)
    .option("--format <format>", "text or json", "text")
    .action((name: string, o: { catalog?: string[]; format?: string }) => {
      const format = parseFormat(o.format);
      const { project } = loadProject(["."], { catalogs: o.catalog ?? [] });
      const c = project.catalog;
      const found = name.includes(".") ? [c.tool(name)].filter((t): t is CatalogTool => !!t) : c.toolsNamed(name);
      if (found.length === 0) throw new CliError(`unknown tool "${name}"`);
      if (found.length > 1) throw new CliError(`"${name}" is ambiguous: ${found.map((t) => t.key).join(", ")}`);
      const t = found[0]!;
      if (format === "json") { printJson(toolJson(t)); return; }
      // Names and descriptions come from catalogs, often imported from an MCP server: one inert line each.
      io().stdout.write([`${t.key} — ${t.description}`, `operation: ${t.operation}`, `labels: ${t.labels.join(", ") || "none"}`,
        ...(t.category ? [`category: ${t.category}`] : []), ...(t.method ? [`method: ${t.method}`] : []), ...(t.verbs.length ? [`verbs: ${t.verbs.join(", ")}`] : []),
        ...(t.resource ? [`resource: args.${t.resource}`] : []), `arguments:`, ...argLines(t.args), `source: ${t.source}`].map(oneLine).join("\n") + "\n");
    });
}
