import { describe, expect, test } from "vitest";
import { importCatalog, importOpenApi } from "../../../importers/catalog/index.js";
import type { ImportResult } from "../../../importers/catalog/index.js";
import { toolName } from "../../../importers/catalog/openapi.js";
import type { CatalogToolJson } from "../../../compiler/catalog/types.js";
import { catalogProblems } from "./catalog-shape.js";

const fixture = (name: string): string => new URL(`./fixtures/${name}`, import.meta.url).pathname;

function tools(r: ImportResult): Map<string, CatalogToolJson> {
  if (!r.ok) throw new Error(JSON.stringify(r.errors, null, 2));
  expect(catalogProblems(r.catalog)).toEqual([]);
  return new Map(r.catalog.integrations[0]!.tools.map((t) => [t.name, t]));
}

describe("importOpenApi", () => {
  test("JSON document with $refs: one tool per operation", async () => {
    const r = await importOpenApi(fixture("crm.openapi.json"), { integration: "acme_crm" });
    const t = tools(r);
    expect([...t.keys()]).toEqual(["listContacts", "createContact", "getContact", "updateContact", "delete_contact",
      "contacts_search", "post_v1_deals_deal_id_archive", "put_notes_bulk"]);
    expect(r.ok && r.catalog.integrations[0]!.name).toBe("Acme CRM"); // from info.title
    expect(t.get("listContacts")).toMatchObject({
      operation: "Read", method: "GET", category: "contacts", verbs: ["list"],
      args: { type: "object", properties: { limit: { type: "integer", maximum: 100, description: "Page size" } } },
    });
    expect(t.get("listContacts")!.args!.properties).not.toHaveProperty("Accept");
    expect(t.get("createContact")).toMatchObject({
      operation: "Write", method: "POST",
      args: { type: "object", required: ["email"], properties: {
        email: { type: "string", format: "email" },
        name: { type: ["string", "null"] },
        stage: { type: "string", enum: ["lead", "customer", "churned"] } } },
    });
    expect(JSON.stringify(t.get("createContact")!.args)).not.toMatch(/example|nullable|\$ref/);
    expect(t.get("getContact")).toMatchObject({ operation: "Read", resource: "contact_id",
      args: { required: ["contact_id"] } });
    expect(t.get("updateContact")!.args!.required).toEqual(["contact_id"]); // body optional → email optional
    expect(t.get("delete_contact")).toMatchObject({ operation: "Delete", method: "DELETE", verbs: ["delete"] });
    expect(t.get("contacts_search")).toMatchObject({ operation: "Read", method: "POST", args: { required: ["q"] } });
    expect(t.get("post_v1_deals_deal_id_archive")).toMatchObject({ operation: "Delete", category: "deal_pipeline",
      resource: "deal_id" });
    expect(t.get("put_notes_bulk")).toMatchObject({ operation: "Write",
      args: { properties: { body: { type: "array", items: { type: "object" } } }, required: ["body"] } });
    if (r.ok) {
      const search = r.report.tools.find((x) => x.name === "contacts_search")!;
      expect(search).toMatchObject({ source: "method", guessed: true });
      expect(search.reason).toContain("POST refined by the verb");
    }
  });

  test("YAML, OpenAPI 3.1", async () => {
    const t = tools(await importCatalog({ from: "openapi", input: fixture("crm.openapi.yaml"), integration: "crm" }));
    expect(t.get("deleteContact")).toMatchObject({ operation: "Delete", resource: "contact_id" });
    expect(t.get("sendMessage")).toMatchObject({ operation: "Write", labels: ["external_communication"],
      args: { required: ["to", "text"], properties: { priority: { type: ["string", "null"], enum: ["low", "high", null] } } } });
  });

  test("an object instead of a path", async () => {
    const doc = { openapi: "3.0.0", info: { title: "t", version: "1" }, paths: { "/x": { get: {}, options: {} } } };
    const t = tools(await importOpenApi(doc, { integration: "t" }));
    expect([...t.keys()]).toEqual(["get_x", "options_x"]);
    expect(t.get("options_x")).toMatchObject({ operation: "Read" });
    expect(t.get("options_x")).not.toHaveProperty("method"); // the catalog schema has no OPTIONS
    expect(doc.paths["/x"].get).toEqual({}); // input not mutated
  });

  test("broken $ref → error with the JSON pointer of the reference", async () => {
    const r = await importOpenApi(fixture("broken-ref.openapi.json"), { integration: "b" });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ code: "broken-ref", pointer: "/paths/~1items/get/parameters/0",
      file: fixture("broken-ref.openapi.json") });
    expect(r.errors[0]!.message).toContain("#/components/parameters/Missing");
  });

  test("broken $refs in examples and responses do not matter", async () => {
    const doc = { openapi: "3.0.0", info: { title: "t", version: "1" },
      paths: { "/x": { get: { operationId: "getX",
        parameters: [{ name: "example", in: "query", schema: { type: "string", example: { $ref: "nope.yaml" } } }],
        responses: { 200: { $ref: "#/components/responses/Missing" } } } } },
      components: { examples: { e: { value: { $ref: "./missing.yaml" } } } } };
    const t = tools(await importOpenApi(doc, { integration: "t" }));
    expect(t.get("getX")!.args).toEqual({ type: "object", properties: { example: { type: "string" } } });
  });

  test("circular $refs terminate with a $ref-free approximation", async () => {
    const t = tools(await importOpenApi(fixture("circular.openapi.yaml"), { integration: "tree" }));
    const args = t.get("createNode")!.args!;
    expect(JSON.stringify(args)).not.toContain("$ref");
    expect(args).toMatchObject({ required: ["name"], properties: { name: { type: "string" },
      children: { type: "array", items: { type: "object", description: "(recursive reference to #/components/schemas/Node)" } } } });
  });

  test("external $refs relative to the file", async () => {
    const t = tools(await importOpenApi(fixture("external/api.yaml"), { integration: "tickets" }));
    expect(t.get("createTicket")!.args).toMatchObject({ required: ["title"],
      properties: { severity: { enum: ["low", "high"] } } });
  });

  test("Swagger 2.0 body and formData parameters", async () => {
    const doc = { swagger: "2.0", info: { title: "old", version: "1" }, paths: {
      "/pets/{id}": { delete: { operationId: "deletePet", parameters: [{ name: "id", in: "path", required: true, type: "integer" }] } },
      "/pets": { post: { operationId: "addPet", parameters: [{ name: "pet", in: "body", required: true,
        schema: { $ref: "#/definitions/Pet" } }] } },
      "/upload": { post: { operationId: "uploadFile", parameters: [{ name: "file", in: "formData", type: "file", required: true }] } } },
      definitions: { Pet: { type: "object", required: ["name"], properties: { name: { type: "string" } } } } };
    const t = tools(await importOpenApi(doc, { integration: "pets" }));
    expect(t.get("deletePet")).toMatchObject({ operation: "Delete", args: { properties: { id: { type: "integer" } }, required: ["id"] } });
    expect(t.get("addPet")!.args).toEqual({ type: "object", properties: { name: { type: "string" } }, required: ["name"] });
    expect(t.get("uploadFile")!.args!.required).toEqual(["file"]);
  });

  test.each([
    [{ openapi: "2.5" }, "not-openapi", "/openapi"],
    [{ info: {} }, "not-openapi", ""],
    [{ openapi: "3.0.0" }, "not-openapi", "/paths"],
    [[1, 2], "not-openapi", ""],
  ])("not an OpenAPI document: %j", async (doc, code, at) => {
    const r = await importOpenApi(doc, { integration: "x" });
    expect(r.ok ? undefined : r.errors[0]).toMatchObject({ code, pointer: at });
  });

  test("bad syntax and missing files are errors", async () => {
    const r = await importCatalog({ from: "openapi", input: fixture("README.md"), integration: "x" });
    expect(r.ok ? "" : r.errors[0]!.code).toMatch(/bad-syntax|not-openapi/);
    const m = await importCatalog({ from: "openapi", input: fixture("missing.yaml"), integration: "x" });
    expect(m.ok ? "" : m.errors[0]!.code).toBe("unreadable-input");
  });

  test("tool names", () => {
    expect(toolName("repos/create-fork", "post", "/x")).toBe("repos_create-fork");
    expect(toolName("a.b c", "get", "/x")).toBe("a_b_c");
    expect(toolName(undefined, "get", "/repos/{owner}/{repo}/issues")).toBe("get_repos_owner_repo_issues");
    expect(toolName("1st", "get", "/x")).toBe("_1st");
    expect(toolName("///", "get", "/")).toBe("get");
  });
});
