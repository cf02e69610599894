/**
 * The compiler's public API (the package's main export). The stages, in order:
 *
 * | stage        | module                  | in → out                                   |
 * |--------------|-------------------------|--------------------------------------------|
 * | lex + parse  | grammar/parser.ts       | text → tokens → CST (error recovery on)    |
 * | cst-to-ast   | grammar/cst-to-ast.ts   | CST → AST with spans                       |
 * | catalog      | compiler/catalog/       | built-in + user catalogs → Catalog         |
 * | check        | compiler/check/         | ASTs + Catalog → checked model + diagnostics |
 * | lower        | compiler/lower/         | checked policies → decision tables         |
 * | emit         | compiler/emit/          | tables → bundle JSON (schema-validated)    |
 * | runtime      | runtime/                | bundle + event → decision                  |
 */
export const STAGES = ["lex", "parse", "cst-to-ast", "catalog", "check", "lower", "emit", "runtime"] as const;

export { parse, print, printExpr, printValue } from "../grammar/index.js";
export type * from "../grammar/ast.js";
export type { Diagnostic, Severity, Fix, RelatedInfo } from "../grammar/diagnostic.js";
export type { Span } from "../grammar/span.js";
export { LineMap } from "../grammar/span.js";
export { Catalog, type CatalogTool, type CatalogIntegration } from "./catalog/catalog.js";
export { loadCatalog, builtinCatalogDocs } from "./catalog/load.js";
export { checkProject, type Source } from "./check/index.js";
export { loadProject, findConfig, displayPath, policyFilesUnder, type LoadedProject, type LoadOptions } from "./project.js";
export { buildBundle, serializeBundle, validateBundle, selectPolicies } from "./emit/index.js";
export { lower } from "./lower/index.js";
export { CODES, CODE_INDEX, codeDocUrl } from "./diagnostics/codes.js";
export type { CheckedProject, CheckedPolicy } from "./model.js";
export { createEnforcer } from "../runtime/index.js";
