/**
 * The layer boundaries hold: every import of the source tree, read with the TypeScript compiler
 * API, is checked against the rules of ARCHITECTURE.md ("Layers"). The rules are also run on
 * planted edges, so a rule that could never fire fails here too.
 */
import { describe, expect, test } from "vitest";
import { importsOf, layerRules, shippedParts, sourceFiles, treeImports, unresolved, violations } from "./imports.js";

describe("layer boundaries", () => {
  const edges = treeImports();

  test("reads the whole tree", () => {
    const files = sourceFiles();
    for (const part of ["runtime", "compiler", "grammar", "enforce", "bench", "cli", "lsp", "test"]) {
      expect(files.some((f) => f.startsWith(`${part}/`)), part).toBe(true);
    }
    expect(edges.length).toBeGreaterThan(1000);
  });

  test("no import crosses a forbidden boundary", () => {
    expect(violations(edges, layerRules())).toEqual([]);
  });

  test("every relative import names a file of the tree", () => {
    expect(unresolved(edges).map((e) => `${e.file}:${e.line} ${e.spec}`)).toEqual([]);
  });

  test("the package compiles compiler/ and the parts beside it, never bench/ or test/", () => {
    const shipped = shippedParts();
    for (const part of ["grammar", "compiler", "runtime", "enforce", "cli"]) expect(shipped).toContain(part);
    for (const part of ["bench", "test", "scripts"]) expect(shipped).not.toContain(part);
  });
});

describe("each rule fires on the edge it forbids", () => {
  const planted: [file: string, text: string, broken: RegExp][] = [
    ["runtime/x.ts", `import { loadProject } from "../compiler/project.js";`, /runtime\/x\.ts:1 imports "\.\.\/compiler\/project\.js" \(compiler\/\): the runtime imports nothing/],
    ["runtime/x.ts", `import { createHash } from "node:crypto";`, /\(a package\): the runtime imports nothing outside runtime\/ and has no dependencies/],
    ["runtime/x.ts", `export type T = typeof import("../grammar/ast.js");`, /runtime\/x\.ts:1 imports "\.\.\/grammar\/ast\.js"/],
    ["compiler/check/x.ts", `const m = await import("../../testing/index.js");`, /compiler\/check\/x\.ts:1 .*\(testing\/\): compiler\/ is the pipeline/],
    ["compiler/x.ts", `import "../cli/io.js";`, /\(cli\/\): compiler\/ is the pipeline/],
    ["compiler/x.ts", `export * from "../lifecycle/lock.js";`, /\(lifecycle\/\)/],
    ["compiler/x.ts", `import type { X } from "../importers/catalog/index.js";`, /\(importers\/\)/],
    ["compiler/x.ts", `import { a } from "../enforce/gateway.js";\nimport { b } from "../lsp/server.js";`, /compiler\/x\.ts:2 imports "\.\.\/lsp\/server\.js"/],
    ["grammar/x.ts", `import { CODES } from "../compiler/diagnostics/codes.js";`, /\(compiler\/\): grammar\/ is text → AST/],
    ["enforce/x.ts", `import { startServer } from "../lsp/server.js";`, /\(lsp\/\): the enforcement point/],
    ["bench/x.ts", `import { largeSource } from "../test/support/cli.js";`, /\(test\/\): the bench does not import test helpers/],
    ["ops/x.ts", `const r = require("../bench/run.js");`, /\(bench\/\): the published package/],
  ];
  test.each(planted)("%s: %s", (file, text, broken) => {
    const found = violations(importsOf(file, text), layerRules());
    expect(found.join("\n")).toMatch(broken);
  });

  test("allowed edges pass", () => {
    const allowed: [string, string][] = [
      ["runtime/x.ts", `import { evaluate } from "./evaluate.js";`],
      ["compiler/x.ts", `import { parse } from "../grammar/index.js"; import type { Bundle } from "../runtime/types.js"; import Ajv from "ajv";`],
      ["testing/x.ts", `import { loadProject } from "../compiler/project.js";`],
      ["enforce/x.ts", `import { splitCommand } from "../compiler/shell/split-command.js";`],
      ["test/x.test.ts", `import { largeSource } from "../bench/support/large-source.js";`],
    ];
    for (const [file, text] of allowed) expect(violations(importsOf(file, text), layerRules()), file).toEqual([]);
  });
});
