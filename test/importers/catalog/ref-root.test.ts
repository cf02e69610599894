import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { importOpenApi } from "../../../importers/catalog/index.js";

/** A folder with `api/doc.json` whose one operation's body is `$ref` (and a secret file outside `api/`). */
function layout(ref: (dir: string) => string): { dir: string; doc: string; secret: string } {
  const dir = mkdtempSync(join(tmpdir(), "ref-root-"));
  mkdirSync(join(dir, "api", "schemas"), { recursive: true });
  mkdirSync(join(dir, "shared"));
  const secret = join(dir, "shared", "secret.json");
  writeFileSync(secret, JSON.stringify({ type: "object", properties: { token_from_the_machine: { type: "string" } } }));
  writeFileSync(join(dir, "api", "schemas", "body.json"), JSON.stringify({ type: "object", properties: { title: { type: "string" } } }));
  const doc = join(dir, "api", "doc.json");
  writeFileSync(doc, JSON.stringify({ openapi: "3.0.3", info: { title: "t", version: "1" }, paths: { "/items": { post: {
    operationId: "createItem", requestBody: { content: { "application/json": { schema: { $ref: ref(dir) } } } } } } } }));
  return { dir, doc, secret };
}

describe("$refs of an imported document stay inside its folder", () => {
  test("a file under the document's folder is read", async () => {
    const { doc } = layout(() => "./schemas/body.json");
    const r = await importOpenApi(doc, { integration: "items" });
    expect(r.ok && r.catalog.integrations[0]!.tools[0]!.args).toMatchObject({ properties: { title: { type: "string" } } });
  });

  test.each([
    ["an absolute path", (dir: string) => join(dir, "shared", "secret.json")],
    ["a relative path that climbs out", () => "../shared/secret.json"],
    ["a file: URL", (dir: string) => `file://${join(dir, "shared", "secret.json")}`],
  ])("%s is refused with the path and a hint, and nothing of the file lands in the catalog", async (_, ref) => {
    const { doc, secret } = layout(ref);
    const r = await importOpenApi(doc, { integration: "items" });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain("token_from_the_machine");
    if (r.ok) return;
    expect(r.errors[0]).toMatchObject({ code: "broken-ref", message: expect.stringContaining(`"${secret}" is outside the allowed folder`),
      hint: expect.stringContaining("--allow-ref-root") });
  });

  test("a symbolic link inside the folder that points outside is refused", async () => {
    const { dir, doc } = layout(() => "./schemas/link.json");
    symlinkSync(join(dir, "shared", "secret.json"), join(dir, "api", "schemas", "link.json"));
    const r = await importOpenApi(doc, { integration: "items" });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain("token_from_the_machine");
  });

  test("--allow-ref-root widens the folders", async () => {
    const { dir, doc } = layout(() => "../shared/secret.json");
    const r = await importOpenApi(doc, { integration: "items", allowRefRoots: [join(dir, "shared")] });
    expect(r.ok && r.catalog.integrations[0]!.tools[0]!.args).toMatchObject({ properties: { token_from_the_machine: { type: "string" } } });
  });

  test("http refs are not fetched", async () => {
    const { doc } = layout(() => "http://127.0.0.1:9/schema.json");
    const r = await importOpenApi(doc, { integration: "items" });
    expect(r.ok).toBe(false);
  });
});
