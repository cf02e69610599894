import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { diffArgs, diffCatalogs, formatDiff, importCatalog, importMcp } from "../../../importers/catalog/index.js";
import type { CatalogJson, JsonSchema } from "../../../compiler/catalog/types.js";

const fixture = (name: string): string => new URL(`./fixtures/${name}`, import.meta.url).pathname;

function catalog(tools: { name: string; operation?: string; args?: JsonSchema; labels?: string[] }[]): CatalogJson {
  return { format: "policy-catalog/1", integrations: [{ id: "x", name: "X", call_type: "mcp",
    tools: tools.map((t) => ({ operation: "Read", ...t })) as CatalogJson["integrations"][0]["tools"] }] };
}

describe("diffArgs", () => {
  const base: JsonSchema = { type: "object", required: ["a"], properties: {
    a: { type: "string" }, b: { type: "integer" }, state: { type: "string", enum: ["open", "closed", "all"] },
    tags: { type: "array", items: { type: "string" } } } };

  test("equal schemas: no changes", () => {
    expect(diffArgs(base, structuredClone(base))).toEqual([]);
  });

  test.each([
    ["property removed", { ...base, properties: { ...base.properties, b: undefined } }, "property-removed", "args.b", false],
    ["type changed", { ...base, properties: { ...base.properties, a: { type: "number" } } }, "type-changed", "args.a", false],
    ["type widened", { ...base, properties: { ...base.properties, b: { type: "number" } } }, "type-widened", "args.b", true],
    ["enum narrowed", { ...base, properties: { ...base.properties, state: { type: "string", enum: ["open"] } } }, "enum-narrowed", "args.state", false],
    ["enum widened", { ...base, properties: { ...base.properties, state: { type: "string", enum: ["open", "closed", "all", "draft"] } } }, "enum-widened", "args.state", true],
    ["became required", { ...base, required: ["a", "b"] }, "became-required", "args.b", false],
    ["no longer required", { ...base, required: [] }, "no-longer-required", "args.a", true],
    ["optional property added", { ...base, properties: { ...base.properties, c: { type: "string" } } }, "property-added", "args.c", true],
    ["required property added", { ...base, required: ["a", "c"], properties: { ...base.properties, c: { type: "string" } } }, "became-required", "args.c", false],
    ["array items", { ...base, properties: { ...base.properties, tags: { type: "array", items: { type: "integer" } } } }, "type-changed", "args.tags[]", false],
    ["closed", { ...base, additionalProperties: false }, "closed", "args", false],
  ] as const)("%s", (_title, next, kind, path, compatible) => {
    const clean = JSON.parse(JSON.stringify(next)) as JsonSchema;
    expect(diffArgs(base, clean)).toEqual([expect.objectContaining({ kind, path, compatible })]);
  });
});

describe("diffCatalogs", () => {
  test("added, removed, operation and labels changed, args changed", () => {
    const old = catalog([{ name: "a" }, { name: "b", labels: ["x"] }, { name: "c", args: { type: "object", properties: { p: { type: "string" } } } }]);
    const next = catalog([{ name: "b", operation: "Write", labels: ["y"] }, { name: "c", args: { type: "object", properties: {} } }, { name: "d" }]);
    const d = diffCatalogs(old, next);
    expect(d.added).toEqual([{ integration: "x", tool: "d" }]);
    expect(d.removed).toEqual([{ integration: "x", tool: "a" }]);
    expect(d.operationChanged).toEqual([{ integration: "x", tool: "b", from: "Read", to: "Write" }]);
    expect(d.labelsChanged).toEqual([{ integration: "x", tool: "b", added: ["y"], removed: ["x"] }]);
    expect(d.argsChanged[0]!.changes[0]).toMatchObject({ kind: "property-removed", path: "args.p", compatible: false });
    expect(d.incompatible).toBe(true);
    const text = formatDiff(d);
    expect(text).toContain("+ x.d (new tool)");
    expect(text).toContain("- x.a (removed; incompatible)");
    expect(text).toContain("~ x.b: operation Read → Write");
    expect(text).toContain("~ x.c: args.p: property 'p' removed (incompatible)");
    expect(JSON.parse(formatDiff(d, "json"))).toEqual(JSON.parse(JSON.stringify(d)));
  });

  test("re-import of the same manifest: no changes; overrides stay in their file", async () => {
    const first = await importCatalog({ from: "openapi", input: fixture("crm.openapi.json"), integration: "acme_crm",
      overrides: fixture("crm.overrides.json") });
    if (!first.ok) throw new Error("import failed");
    const d = diffCatalogs(first.catalog, first.catalog);
    expect(d).toMatchObject({ added: [], removed: [], operationChanged: [], argsChanged: [], incompatible: false });
    expect(formatDiff(d)).toBe("no changes\n");
  });

  test("importCatalog with previous: a new server version", async () => {
    const doc = JSON.parse(readFileSync(fixture("github-mcp.tools.json"), "utf8")) as { tools: { name: string; inputSchema: JsonSchema }[] };
    const before = importMcp(doc, { integration: "github" });
    if (!before.ok) throw new Error("import failed");
    const { writeFileSync, mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(`${tmpdir()}/catalog-diff-`);
    writeFileSync(`${dir}/old.json`, JSON.stringify(before.catalog));
    const issue = doc.tools.find((t) => t.name === "list_issues")!;
    (issue.inputSchema.properties as Record<string, JsonSchema>).state = { type: "string", enum: ["open", "closed"] };
    doc.tools = doc.tools.filter((t) => t.name !== "fork_repository");
    doc.tools.push({ name: "delete_branch", inputSchema: { type: "object" } });
    writeFileSync(`${dir}/new.json`, JSON.stringify(doc));
    const r = await importCatalog({ from: "mcp", input: `${dir}/new.json`, integration: "github", previous: `${dir}/old.json` });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.diff).toMatchObject({ added: [{ tool: "delete_branch" }], removed: [{ tool: "fork_repository" }], incompatible: true });
    expect(r.diff!.argsChanged).toEqual([{ integration: "github", tool: "list_issues",
      changes: [expect.objectContaining({ kind: "enum-narrowed", path: "args.state", compatible: false })] }]);
  });
});
