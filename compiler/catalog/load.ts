/**
 * Loads the built-in catalog and user catalogs (validated against schemas/catalog.schema.json).
 * Problems in a catalog file become diagnostics on that file.
 */
import { readdirSync, readFileSync } from "node:fs";
import { Catalog } from "./catalog.js";
import type { CatalogJson } from "./types.js";
import { assetPath } from "../assets.js";
import { readJson } from "../json/validate.js";
import { readSourceFile } from "../text-input.js";
import type { Diagnostic } from "../../grammar/diagnostic.js";
import { diagnostic } from "../diagnostics/codes.js";
import { LineMap } from "../../grammar/span.js";
import { patternProblem } from "../../runtime/command-pattern.js";

let builtinDocs: { name: string; doc: CatalogJson }[] | undefined;

/** The built-in catalog documents, in file-name order. */
export function builtinCatalogDocs(): { name: string; doc: CatalogJson }[] {
  if (!builtinDocs) {
    const dir = assetPath("compiler", "catalog", "builtin");
    builtinDocs = readdirSync(dir).filter((f) => f.endsWith(".json")).sort()
      .map((f) => ({ name: f, doc: JSON.parse(readFileSync(`${dir}/${f}`, "utf8")) as CatalogJson }));
  }
  return builtinDocs;
}

export interface CatalogSource {
  /** Path as the user wrote it (used in diagnostics). */
  readonly file: string;
  /** File contents; read from `file` when absent. */
  readonly text?: string;
}

export interface LoadedCatalog {
  readonly catalog: Catalog;
  readonly diagnostics: Diagnostic[];
}

/** Builds the catalog: built-in first, then each user catalog in order. */
export function loadCatalog(user: readonly CatalogSource[] = [], opts: { builtin?: boolean; requestPaths?: boolean } = {}): LoadedCatalog {
  const catalog = new Catalog(opts.requestPaths === false ? { requestPaths: false } : {});
  const diagnostics: Diagnostic[] = [];
  if (opts.builtin !== false) for (const b of builtinCatalogDocs()) catalog.add(b.doc, "builtin");
  for (const src of user) {
    let text = src.text;
    if (text === undefined) {
      try {
        const read = readSourceFile(src.file, src.file);
        if ("diagnostic" in read) { diagnostics.push(read.diagnostic); continue; }
        text = read.text;
      } catch (e) {
        diagnostics.push(diagnostic("PDL3002", new LineMap(src.file, "").span(0, 0), `cannot read catalog ${src.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, "check the path given with --catalog or in policy.config.json"));
        continue;
      }
    }
    const r = readJson<CatalogJson>(text, src.file, "catalog.schema.json", "PDL3001");
    diagnostics.push(...r.diagnostics);
    if (r.value) {
      diagnostics.push(...crossCheck(r.value, text, src.file));
      catalog.add(r.value, src.file);
    }
  }
  return { catalog, diagnostics };
}

/** The root argument of an `arg_kinds` path: `edits` of `edits[*].path`. */
const argRoot = (path: string): string => path.split(/[.[]/, 1)[0]!;

/** What the schema cannot say: commands name tools of their integration, resources and marked arguments are arguments. */
function crossCheck(doc: CatalogJson, text: string, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const lines = new LineMap(file, text);
  const at = (needle: string) => {
    const i = text.indexOf(needle);
    return lines.span(Math.max(0, i), Math.max(0, i) + (i >= 0 ? needle.length : 0));
  };
  for (const integ of doc.integrations) {
    const names = new Set<string>();
    for (const t of integ.tools) {
      if (names.has(t.name.toLowerCase())) out.push(diagnostic("PDL3001", at(`"${t.name}"`), `tool "${t.name}" is defined twice in integration "${integ.id}"`, "keep one definition"));
      names.add(t.name.toLowerCase());
      if (t.resource && t.args?.properties && !(t.resource in t.args.properties)) {
        out.push(diagnostic("PDL3001", at(`"${t.resource}"`), `resource "${t.resource}" of ${integ.id}.${t.name} is not one of its arguments`, `use one of: ${Object.keys(t.args.properties).join(", ")}`));
      }
      for (const [path, kind] of Object.entries(t.arg_kinds ?? {})) {
        if (kind === "git_push" && (path !== "argv" || integ.call_type !== "cli")) {
          out.push(diagnostic("PDL3001", at(`"${path}"`), `arg_kinds marks "${path}" of ${integ.id}.${t.name} as git_push, which only a CLI integration's "argv" can be`, 'write "argv": "git_push" on a tool of an integration with "call_type": "cli"'));
        }
        if (t.args?.properties && !(argRoot(path) in t.args.properties)) {
          out.push(diagnostic("PDL3001", at(`"${path}"`), `arg_kinds names "${path}", but ${integ.id}.${t.name} has no argument "${argRoot(path)}"`, `use one of: ${Object.keys(t.args.properties).join(", ")}`));
        }
      }
    }
    for (const c of integ.commands ?? []) {
      const bad = patternProblem(c.pattern);
      if (bad) out.push(diagnostic("PDL3001", at(`"${c.pattern[0] ?? c.tool}"`), `command pattern ${JSON.stringify(c.pattern)} of integration "${integ.id}" in ${file} is malformed: ${bad}`, "pattern words: a word, `*` (one word), `**` (any words), a glob word (`+*`), `-x` (a flag, also in clusters); see docs/language.md (Command lines)"));
      if (!names.has(c.tool.toLowerCase())) out.push(diagnostic("PDL3001", at(`"${c.tool}"`), `command pattern ${JSON.stringify(c.pattern)} names tool "${c.tool}", which integration "${integ.id}" does not define`, "add the tool or fix the name"));
    }
  }
  return out;
}
