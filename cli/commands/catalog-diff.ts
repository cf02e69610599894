/**
 * `policy catalog diff <before> [after] [--live <server>]`: what changed between a catalog and a
 * live `tools/list` (or two imports, or a catalog and a saved `tools/list`); exit 1 on any change,
 * for CI. A side that is not a `policy-catalog/1` document is imported as an MCP `tools/list`.
 */
import type { Command } from "commander";
import { io } from "../io.js";
import { diffDefinitions, formatDefinitionDiff } from "../../compiler/catalog/definition-diff.js";
import type { CatalogJson } from "../../compiler/catalog/types.js";
import { schemaValidator, ajvMessage, usefulErrors } from "../../compiler/json/validate.js";
import { keepLines } from "../../compiler/terminal-safe.js";
import type { Upstream } from "../../enforce/upstream.js";
import { readJsonFile } from "../project-io.js";
import { CliError, EXIT_FINDINGS, parseFormat, printJson } from "../output.js";

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A catalog from a document: a catalog as it is, anything else imported as an MCP tools/list of `integration`. */
async function asCatalog(doc: unknown, where: string, integration: string | undefined): Promise<CatalogJson> {
  if (isObj(doc) && doc["format"] === "policy-catalog/1") {
    const v = schemaValidator("catalog.schema.json");
    if (!v(doc)) throw new CliError(`${where} is not a valid catalog: ${usefulErrors(v.errors ?? []).slice(0, 3).map(ajvMessage).join("; ")}`);
    return doc as unknown as CatalogJson;
  }
  if (!integration) throw new CliError(`${where} is a tools/list, not a catalog: name its integration with --integration <id>`);
  // Loaded on demand, like `catalog import`: other commands never need the importer.
  const { importMcp } = await import("../../importers/catalog/mcp.js");
  const r = importMcp(doc, { integration });
  if (!r.ok) throw new CliError(`${where}: ${r.errors.slice(0, 3).map((e) => `${e.pointer ? `at ${e.pointer}: ` : ""}${e.message}`).join("; ")}`);
  return r.catalog;
}

/** The live tools/list of a server (a command line or an http(s) URL). */
async function liveTools(server: string): Promise<unknown> {
  const { Upstream: Up, parseUpstream } = await import("../../enforce/upstream.js");
  let u: Upstream;
  try { u = await Up.connect(parseUpstream(server), { stderr: "ignore" }); } catch (e) { throw new CliError((e as Error).message); }
  try { return { tools: u.tools }; } finally { await u.close(); }
}

/** The one integration id of a catalog, when it has exactly one. */
function onlyIntegration(c: CatalogJson): string | undefined {
  return c.integrations.length === 1 ? c.integrations[0]!.id : undefined;
}

export function registerCatalogDiff(catalog: Command): void {
  catalog.command("diff").description("what changed between a catalog and a live tools/list, or two imports (exit 1 on any change)")
    .argument("<before>", "a catalog (policy-catalog/1) or a saved tools/list")
    .argument("[after]", "a catalog or a saved tools/list (or --live)")
    .option("--live <server>", "compare with this server's live tools/list: a command line (\"npx -y server\") or an http(s) URL")
    .option("--integration <id>", "the integration of a tools/list side (default: the catalog's only integration)")
    .option("--format <format>", "text or json", "text")
    .action(async (before: string, after: string | undefined, o: { live?: string; integration?: string; format?: string }) => {
      const format = parseFormat(o.format);
      if (!after === !o.live) throw new CliError("give <after> or --live <server>, one of them");
      const a = await asCatalog(readJsonFile(before, "catalog"), `"${before}"`, o.integration);
      const id = o.integration ?? onlyIntegration(a);
      const b = await asCatalog(o.live ? await liveTools(o.live) : readJsonFile(after!, "catalog"), o.live ? `the live tools/list of ${o.live}` : `"${after}"`, id);
      const d = diffDefinitions(a, b);
      if (format === "json") printJson(d);
      else io().stdout.write(keepLines(formatDefinitionDiff(d)) + "\n");
      if (d.differs) io().exitCode = EXIT_FINDINGS;
    });
}
