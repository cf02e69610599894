/**
 * The import graph of the source tree, read with the TypeScript compiler API, and the layer rules
 * it must keep (ARCHITECTURE.md, "Layers"). An edge is one module specifier in one file: static
 * and type imports, re-exports, `import()` in code and in types, `require()`.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";
import ts from "typescript";

export const REPO = join(import.meta.dirname, "..", "..");

/** One import: `file` (repository-relative) names `spec` on `line`; `target` is where a relative spec lands. */
export interface ImportEdge {
  readonly file: string;
  readonly line: number;
  readonly spec: string;
  /** Repository-relative path of a relative specifier; undefined for a package or `node:` import. */
  readonly target: string | undefined;
}

/** A layer rule: files under `from` may import only the parts in `only`, or anything but `not`. */
export interface LayerRule {
  readonly from: readonly string[];
  readonly only?: readonly string[];
  readonly not?: readonly string[];
  /** Packages (and `node:` modules) allowed; default true. */
  readonly packages?: boolean;
  readonly why: string;
}

const SKIP = new Set(["node_modules", "dist", ".git", "coverage", "examples"]);
const CODE = /\.(ts|mts|cts|tsx|js|mjs|cjs)$/;

/** Every source file of the tree (repository-relative), fixtures and examples excepted. */
export function sourceFiles(root = REPO): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      if (SKIP.has(e.name) || e.name.startsWith(".")) continue;
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) { if (e.name !== "fixtures") walk(p); }
      else if (CODE.test(e.name) && !e.name.endsWith(".d.ts")) out.push(p);
    }
  };
  walk("");
  return out.sort();
}

/** The imports of one file's text. */
export function importsOf(file: string, text: string): ImportEdge[] {
  const kind = /\.(ts|mts|cts)$/.test(file) ? ts.ScriptKind.TS : file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.JS;
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const out: ImportEdge[] = [];
  const add = (lit: ts.Node | undefined): void => {
    if (!lit || !(ts.isStringLiteral(lit) || ts.isNoSubstitutionTemplateLiteral(lit))) return;
    const spec = lit.text;
    const target = spec.startsWith("./") || spec.startsWith("../") ? posix.normalize(posix.join(posix.dirname(file), spec)) : undefined;
    out.push({ file, line: sf.getLineAndCharacterOfPosition(lit.getStart(sf)).line + 1, spec, target });
  };
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) add(n.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)) add(n.moduleReference.expression);
    else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument)) add(n.argument.literal);
    else if (ts.isCallExpression(n) && (n.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(n.expression) && n.expression.text === "require"))) add(n.arguments[0]);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** The top-level part a repository-relative path is in (`compiler/check/x.ts` → `compiler`). */
export const partOf = (p: string): string => p.split("/")[0]!;

/** The parts the published package compiles (tsconfig.json's `include`). */
export function shippedParts(root = REPO): string[] {
  const config = ts.readConfigFile(join(root, "tsconfig.json"), (f) => readFileSync(f, "utf8"));
  return (config.config as { include: string[] }).include;
}

/** The rules. Each names the edge it forbids and why (ARCHITECTURE.md, "Layers"). */
export function layerRules(root = REPO): LayerRule[] {
  return [
    { from: ["runtime"], only: ["runtime"], packages: false, why: "the runtime imports nothing outside runtime/ and has no dependencies" },
    { from: ["compiler"], only: ["compiler", "grammar", "runtime"], why: "compiler/ is the pipeline; the parts around it (cli, lsp, enforce, testing, importers, lifecycle, console, ops, inventory …) import it, never the reverse" },
    { from: ["grammar"], only: ["grammar"], why: "grammar/ is text → AST: no catalog, no checker, no I/O" },
    { from: ["enforce"], not: ["lsp"], why: "the enforcement point does not depend on the editor's server" },
    { from: ["bench"], not: ["test"], why: "the bench does not import test helpers (what both need lives in bench/support/)" },
    { from: shippedParts(root), not: ["bench", "test", "scripts"], why: "the published package (dist/) holds only its own parts" },
  ];
}

/** One broken rule, said the way a reader fixes it. */
export function violations(edges: readonly ImportEdge[], rules: readonly LayerRule[]): string[] {
  const out: string[] = [];
  for (const e of edges) {
    const from = partOf(e.file);
    for (const r of rules) {
      if (!r.from.includes(from)) continue;
      const to = e.target === undefined ? undefined : partOf(e.target);
      const bad = to === undefined
        ? r.packages === false
        : (r.only !== undefined && !r.only.includes(to)) || (r.not?.includes(to) ?? false) || e.target!.startsWith("..");
      if (bad) out.push(`${e.file}:${e.line} imports "${e.spec}"${to === undefined ? " (a package)" : ` (${to}/)`}: ${r.why}`);
    }
  }
  return out;
}

/** Every import edge of the tree. */
export function treeImports(root = REPO): ImportEdge[] {
  return sourceFiles(root).flatMap((f) => importsOf(f, readFileSync(join(root, f), "utf8")));
}

/**
 * Relative imports whose target is not a file of the tree: a `.js` spec names its `.ts` source, an
 * extensionless one (the VS Code extension, bundled by esbuild) its `.ts` file; `dist/` is built.
 */
export function unresolved(edges: readonly ImportEdge[], root = REPO): ImportEdge[] {
  const exists = (p: string): boolean => existsSync(join(root, p));
  const found = (t: string): boolean => t.startsWith("dist/") || exists(t) || exists(t.replace(/\.js$/, ".ts")) || exists(t.replace(/\.mjs$/, ".mts")) || exists(`${t}.ts`);
  return edges.filter((e) => e.target !== undefined && !found(e.target));
}
