/**
 * `arg_kinds` in a catalog: checked against the tool's arguments, carried into the bundle's tool
 * facts (only for tools that mark arguments, so other bundles stay byte-identical) and seen by the
 * runtime's call resolution.
 */
import { describe, expect, it } from "vitest";
import { loadCatalog } from "../../../compiler/catalog/load.js";
import { checkProject } from "../../../compiler/check/index.js";
import { buildBundle } from "../../../compiler/emit/index.js";
import { mcpInfo } from "../../../runtime/event.js";

const catalogText = (kinds: Record<string, string>) => JSON.stringify({
  format: "policy-catalog/1",
  integrations: [{
    id: "files", name: "Files", call_type: "mcp",
    tools: [
      { name: "read_file", operation: "Read", arg_kinds: kinds,
        args: { type: "object", properties: { path: { type: "string" }, paths: { type: "array", items: { type: "string" } } } } },
      { name: "stat", operation: "Read", args: { type: "object", properties: { path: { type: "string" } } } },
    ],
  }],
});

const POLICY = `policy "no secrets" {\n  if tool is files.read_file\n  action block\n}\n`;

describe("arg_kinds", () => {
  it("reach the bundle's tool facts and the runtime's call resolution", () => {
    const { catalog, diagnostics } = loadCatalog([{ file: "files.json", text: catalogText({ path: "path", "paths[*]": "path" }) }]);
    expect(diagnostics).toEqual([]);
    const project = checkProject([{ file: "p.policy", text: POLICY }], catalog);
    const bundle = buildBundle(project, {});
    expect(bundle.tools["files.read_file"]![7]).toEqual({ path: "path", "paths[*]": "path" });
    expect(bundle.tools["files.stat"]).toHaveLength(7);
    expect(mcpInfo(bundle, "files", "read_file").argKinds).toEqual({ path: "path", "paths[*]": "path" });
    expect(mcpInfo(bundle, "files", "stat").argKinds).toBeNull();
    expect(mcpInfo(bundle, "files", "not_in_catalog").argKinds).toBeNull();
  });

  it("must name arguments of the tool and known kinds", () => {
    const unknownArg = loadCatalog([{ file: "files.json", text: catalogText({ "edits[*].path": "path" }) }]).diagnostics;
    expect(unknownArg.map((d) => [d.code, d.message])).toEqual([["PDL3001", 'arg_kinds names "edits[*].path", but files.read_file has no argument "edits"']]);
    expect(unknownArg[0]!.hint).toBe("use one of: path, paths");
    const unknownKind = loadCatalog([{ file: "files.json", text: catalogText({ path: "filename" }) }]).diagnostics;
    expect(unknownKind.map((d) => d.code)).toEqual(["PDL3001"]);
    const badPath = loadCatalog([{ file: "files.json", text: catalogText({ "path[0]": "path" }) }]).diagnostics;
    expect(badPath.map((d) => d.code)).toEqual(["PDL3001"]);
    expect(badPath[0]!.message).toMatch(/arg_kinds: must match pattern/);
  });

  it("git_push only on a CLI integration's argv", () => {
    const onMcp = loadCatalog([{ file: "files.json", text: catalogText({ path: "git_push" }) }]).diagnostics;
    expect(onMcp.map((d) => [d.code, d.message])).toEqual([["PDL3001", 'arg_kinds marks "path" of files.read_file as git_push, which only a CLI integration\'s "argv" can be']]);
    expect(onMcp[0]!.hint).toMatch(/"argv": "git_push"/);
  });
});
