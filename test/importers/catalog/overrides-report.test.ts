import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  formatReport, importCatalog, importMcp, loadOverrides, OVERRIDES_SCHEMA, parseOverrides,
} from "../../../importers/catalog/index.js";
import { catalogProblems } from "./catalog-shape.js";

const fixture = (name: string): string => new URL(`./fixtures/${name}`, import.meta.url).pathname;

describe("overrides", () => {
  test("the published schema file equals the one in code", () => {
    const published = JSON.parse(readFileSync(new URL("../../../importers/catalog/overrides.schema.json", import.meta.url), "utf8"));
    expect(published).toEqual(JSON.parse(JSON.stringify(OVERRIDES_SCHEMA)));
  });

  test("applied last, with source override, and reported", async () => {
    const r = await importCatalog({ from: "openapi", input: fixture("crm.openapi.json"), integration: "acme_crm",
      overrides: fixture("crm.overrides.json") });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(catalogProblems(r.catalog)).toEqual([]);
    const t = new Map(r.catalog.integrations[0]!.tools.map((x) => [x.name, x]));
    expect(t.get("createContact")).toMatchObject({ labels: ["private_data"], category: "crm_contacts", operation: "Write" });
    expect(t.get("post_v1_deals_deal_id_archive")).toMatchObject({ operation: "Write", resource: "deal_id" });
    expect(t.get("listContacts")).not.toHaveProperty("resource");
    const rep = new Map(r.report.tools.map((x) => [x.name, x]));
    expect(rep.get("post_v1_deals_deal_id_archive")).toMatchObject({ source: "override", guessed: false,
      overridden: ["operation", "resource"] });
    expect(rep.get("post_v1_deals_deal_id_archive")!.reason).toContain("import said Delete");
    expect(rep.get("listContacts")!.reason).toContain("import also said Read");
    expect(rep.get("createContact")!.labels).toEqual([{ label: "private_data", guessed: false, reason: "override" }]);
    expect(r.report.counts.overridden).toBe(3);
    expect(r.report.counts.bySource.override).toBe(2);
    // an override for a tool that does not exist: warning with a suggestion
    expect(r.report.warnings).toContainEqual(expect.objectContaining({ pointer: "/tools/deleteContact",
      hint: "did you mean 'delete_contact'?", file: fixture("crm.overrides.json") }));
  });

  test("an override for a resource that is not an argument is a warning", () => {
    const r = importMcp([{ name: "get_x", inputSchema: { type: "object", properties: { id: { type: "string" } } } }],
      { integration: "x", overrides: { tools: { get_x: { resource: "nope" } } } });
    expect(r.ok && r.report.warnings[0]!.message).toContain("'nope' is not an argument of get_x");
  });

  test("validated with ajv: errors with pointers", () => {
    const r = parseOverrides({ tools: { a: { operation: "Erase", labels: ["Bad Label"], colour: 1 } } }, "o.json");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const at = r.errors.map((e) => e.pointer).sort();
    expect(at).toEqual(["/tools/a", "/tools/a/labels/0", "/tools/a/operation"]);
    expect(r.errors.every((e) => e.code === "bad-overrides" && e.file === "o.json")).toBe(true);
    expect(r.errors.find((e) => e.pointer === "/tools/a/operation")!.message).toContain("Read, Write, Delete, Unknown");
    expect(parseOverrides({}).ok).toBe(false);
    expect(parseOverrides({ tools: {} }).ok).toBe(true);
  });

  test("unreadable and unparsable override files", async () => {
    const a = await loadOverrides(fixture("nope.json"));
    expect(a.ok ? "" : a.errors[0]!.code).toBe("unreadable-input");
    const b = await importCatalog({ from: "mcp", input: fixture("github-mcp.tools.json"), integration: "github",
      overrides: fixture("broken-ref.openapi.json") });
    expect(b.ok ? "" : b.errors[0]!.code).toBe("bad-overrides");
  });
});

describe("report", () => {
  test("text and JSON forms", () => {
    const doc = JSON.parse(readFileSync(fixture("everything-mcp.tools.json"), "utf8")) as { tools: object[] };
    doc.tools.push({ name: "frobnicate", inputSchema: { type: "object" } }, { name: "send_invoice", inputSchema: { type: "object" } });
    const r = importMcp(doc, { integration: "everything" });
    if (!r.ok) throw new Error("import failed");
    const text = formatReport(r.report, "text");
    expect(text).toMatch(/^Imported 15 tools into integration 'everything' \(from mcp\)\n/);
    expect(text).toContain("operations: Read 9 · Write 5 · Delete 0 · Unknown 1");
    expect(text).toContain("decided by: annotation 13 · method 0 · verb 1 · override 0 · unknown 1");
    expect(text).toMatch(/send_invoice\s+Write\s+verb\*\s+first verb 'send' is Write/);
    expect(text).toMatch(/note: annotations say Read but the name's verb 'trigger' says Write/);
    expect(text).toContain("send_invoice: external_communication (verb 'send')");
    expect(text).toContain("Unknown operation (1;");
    expect(text).toContain("  frobnicate\n");
    const json = JSON.parse(formatReport(r.report, "json")) as typeof r.report;
    expect(json.format).toBe("policy-catalog-import-report/1");
    expect(json.unknown).toEqual(["frobnicate"]);
    expect(json.counts.guessedOperations).toBe(1);
    expect(json.tools.find((t) => t.name === "send_invoice")).toMatchObject({ source: "verb", guessed: true, verbs: ["send"] });
  });
});
