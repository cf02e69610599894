/**
 * `policy catalog diff`: a catalog against a live server's tools/list (the drifting test server)
 * and against a saved import; added, removed and changed tools with what changed; exit 1 on any
 * change; `--format json` validated by its published schema; bad input is a usage error.
 */
import { describe, expect, test } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCli } from "../../support/cli.js";
import { schemaValidator } from "../../../compiler/json/validate.js";
import { importMcp } from "../../../importers/catalog/mcp.js";
import { formatCatalog } from "../../../importers/catalog/index.js";

const dir = mkdtempSync(path.join(tmpdir(), "catalog-diff-"));
const server = `${process.execPath} ${path.resolve("test/enforce/fixtures/drifting-server.mjs")}`;
const state = path.join(dir, "state");
const cli = (...args: string[]) => { process.env["DRIFT_STATE"] = state; return runCli(args, { cwd: dir, env: { DRIFT_STATE: state } }); };

const tool = (name: string, description: string, props: Record<string, unknown> = { word: { type: "string" } }) => ({ name, description, inputSchema: { type: "object", properties: props }, annotations: { readOnlyHint: true } });
const catalogOf = (tools: unknown[]) => { const r = importMcp({ tools }, { integration: "drift" }); if (!r.ok) throw new Error("import"); return formatCatalog(r.catalog); };

describe("policy catalog diff", () => {
  test("against the live server: nothing changed (exit 0), then a changed description and schema and a new tool (exit 1)", async () => {
    writeFileSync(state, "v1");
    const listed = (await cli("enforce", "--list-tools", "--", ...server.split(" "))).stdout;
    writeFileSync(path.join(dir, "v1.tools.json"), listed);
    expect((await cli("catalog", "import", "--from", "mcp", "v1.tools.json", "--integration", "drift", "-o", "drift.catalog.json")).code).toBe(0);
    expect((await cli("catalog", "diff", "drift.catalog.json", "--live", server))).toMatchObject({ code: 0, stdout: "no change: every tool is as before\n" });
    writeFileSync(state, "v2");
    const r = await cli("catalog", "diff", "drift.catalog.json", "--live", server, "--format", "json");
    expect(r.code).toBe(1);
    const d = JSON.parse(r.stdout);
    expect(schemaValidator("catalog-diff.schema.json")(d)).toBe(true);
    expect(d).toEqual({ format: "policy-catalog-diff/1", added: [{ integration: "drift", tool: "export_all" }], removed: [], changed: [{ integration: "drift", tool: "lookup", changes: ["description", "inputSchema.properties.path", "arg_kinds"] }], differs: true });
  }, 60_000);

  test("two imports: removed tools, changed operations and labels; text output", async () => {
    writeFileSync(path.join(dir, "a.json"), catalogOf([tool("get_page", "Get a page."), tool("delete_page", "Delete a page.")]));
    writeFileSync(path.join(dir, "b.json"), catalogOf([{ ...tool("get_page", "Get a page."), annotations: { readOnlyHint: false, destructiveHint: true } }]));
    const r = await cli("catalog", "diff", "a.json", "b.json");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("0 added, 1 removed, 1 changed\n  - drift.delete_page\n  ~ drift.get_page: annotations.destructiveHint, annotations.readOnlyHint, labels, operation\n");
    expect(readFileSync(path.join(dir, "a.json"), "utf8")).toContain("\"pin\"");
  });

  test("bad input: neither side, both sides, a tools/list without an integration, a broken catalog", async () => {
    expect((await cli("catalog", "diff", "a.json"))).toMatchObject({ code: 2, stderr: expect.stringMatching(/give <after> or --live/) });
    writeFileSync(path.join(dir, "t.json"), JSON.stringify({ tools: [tool("x", "X")] }));
    expect((await cli("catalog", "diff", "t.json", "t.json"))).toMatchObject({ code: 2, stderr: expect.stringMatching(/tools\/list, not a catalog: name its integration with --integration/) });
    expect((await cli("catalog", "diff", "t.json", "t.json", "--integration", "x")).code).toBe(0);
    writeFileSync(path.join(dir, "bad.json"), JSON.stringify({ format: "policy-catalog/1", integrations: [{ id: "x" }] }));
    expect((await cli("catalog", "diff", "bad.json", "a.json"))).toMatchObject({ code: 2, stderr: expect.stringMatching(/"bad.json" is not a valid catalog: .*missing required property/) });
  });
});
