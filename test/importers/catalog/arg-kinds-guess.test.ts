/**
 * `catalog import` guesses which arguments are paths and URLs (`arg_kinds`), reports the guess,
 * and lets an overrides file replace it.
 */
import { describe, expect, test } from "vitest";
import { formatReport, importMcp, parseOverrides } from "../../../importers/catalog/index.js";
import { guessArgKinds } from "../../../importers/catalog/guess-arg-kinds.js";
import { catalogProblems } from "./catalog-shape.js";

const schema = {
  type: "object",
  properties: {
    path: { type: "string" },
    paths: { type: "array", items: { type: "string" } },
    source: { type: "string" }, destination: { type: "string" },
    repo_path: { type: "string" }, savePath: { type: "string" }, target_dir: { type: "string" },
    file_id: { type: "string" }, sort_dir: { type: "string", enum: ["asc", "desc"] }, path_prefix: { type: "string" },
    url: { type: "string" }, homepage: { type: "string", format: "uri" }, count: { type: "number" },
    files: { type: "array", items: { type: "object", properties: { path: { type: "string" }, content: { type: "string" } } } },
    link: { type: "object", properties: { href: { type: "string" } } },
  },
};

describe("import guesses path and URL arguments", () => {
  test("from names and formats; not ids, enumerations or prefixes", () => {
    expect(guessArgKinds(schema).map((g) => [g.path, g.kind])).toEqual([
      ["path", "path"], ["paths[*]", "path"], ["source", "path"], ["destination", "path"], ["repo_path", "path"], ["savePath", "path"],
      ["target_dir", "path"], ["url", "url"], ["homepage", "url"], ["files[*].path", "path"], ["link.href", "url"],
    ]);
    expect(guessArgKinds(schema).find((g) => g.path === "homepage")!.reason).toBe("format: uri");
  });

  test("written into the catalog, reported as guesses, replaced by an override", () => {
    const tools = { tools: [{ name: "read_file", inputSchema: schema, annotations: { readOnlyHint: true } }] };
    const r = importMcp(tools, { integration: "files" });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(catalogProblems(r.catalog)).toEqual([]);
    expect(r.catalog.integrations[0]!.tools[0]!.arg_kinds).toMatchObject({ path: "path", "paths[*]": "path", url: "url", "files[*].path": "path" });
    expect(formatReport(r.report)).toMatch(/Guessed path and URL arguments[^\n]*\n {2}read_file: path → path \(name 'path'\), paths\[\*\] → path/);
    const o = parseOverrides({ tools: { read_file: { arg_kinds: { path: "path" } } } });
    if (!o.ok) throw new Error(JSON.stringify(o.errors));
    const r2 = importMcp(tools, { integration: "files", overrides: o.overrides });
    if (!r2.ok) throw new Error(JSON.stringify(r2.errors));
    expect(r2.catalog.integrations[0]!.tools[0]!.arg_kinds).toEqual({ path: "path" });
    expect(r2.report.tools[0]!.overridden).toContain("arg_kinds");
    const none = parseOverrides({ tools: { read_file: { arg_kinds: null } } });
    if (!none.ok) throw new Error("null is allowed");
    const r3 = importMcp(tools, { integration: "files", overrides: none.overrides });
    expect(r3.ok && r3.catalog.integrations[0]!.tools[0]!.arg_kinds).toBeUndefined();
    expect(parseOverrides({ tools: { read_file: { arg_kinds: { "path[0]": "path" } } } }).ok).toBe(false);
  });
});
