/**
 * Loads a project from paths: finds `.policy` files, the project config (`policy.config.json`)
 * and its user catalogs, then checks everything. File names in the result are relative to the
 * working directory, with `/` separators, so bundles are reproducible across machines.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import picomatch from "picomatch";
import type { Diagnostic } from "../grammar/diagnostic.js";
import { diagnostic } from "./diagnostics/codes.js";
import { LineMap } from "../grammar/span.js";
import { loadCatalog, type CatalogSource, type LoadedCatalog } from "./catalog/load.js";
import { checkProject, CheckMemo, type CheckOptions, type Source } from "./check/index.js";
import type { CheckedProject } from "./model.js";
import { readJson } from "./json/validate.js";
import { readSourceFile } from "./text-input.js";
import { commonFolder, insideRoot } from "./inside-root.js";
import type { Catalog } from "./catalog/catalog.js";
import { readReviewsFile, reviewStatuses, REVIEWS_FILE, type ReviewStatuses } from "./catalog/reviews.js";
import { CONFIG_FILE, findConfig, type ProjectConfig } from "./project-config.js";

export { CONFIG_FILE, findConfig, type ProjectConfig } from "./project-config.js";

export interface LoadOptions {
  /** Extra user catalogs (`--catalog`), in order, after those of the config. */
  readonly catalogs?: readonly string[];
  readonly cwd?: string;
  /** In-memory contents that override files on disk (the language server's open documents). */
  readonly overlays?: ReadonlyMap<string, string>;
  /** How each `.policy` source is parsed (see `CheckOptions.parse`); `parse` by default. */
  readonly parse?: CheckOptions["parse"];
  /** Accept catalogs named by the config outside the project root (`--allow-outside`). */
  readonly allowOutside?: boolean;
  /** What the previous load of the same project kept (the language server passes one per project). */
  readonly memo?: ProjectMemo;
}

/**
 * What `loadProject` keeps from one load of a project to the next: the loaded catalog while its
 * sources are the same, and the check's memo (`CheckMemo`). A load with a memo returns what a
 * load without one returns.
 */
export class ProjectMemo {
  /** Undefined when asked to keep the catalog only (every check then runs in full). */
  readonly check: CheckMemo | undefined;
  private catalog: { readonly sources: readonly CatalogSource[]; readonly loaded: LoadedCatalog } | undefined;

  /**
   * `movedFrom`: see `CheckMemo` (the declarations the caller's parse moved unchanged);
   * `checks: false` keeps the catalog only.
   */
  constructor(opts: { readonly movedFrom?: ConstructorParameters<typeof CheckMemo>[0]; readonly checks?: boolean } = {}) {
    this.check = opts.checks === false ? undefined : new CheckMemo(opts.movedFrom);
  }

  /** `loadCatalog(sources)`, kept while the sources (names and texts) are the same. */
  loadCatalog(sources: readonly CatalogSource[]): LoadedCatalog {
    const same = (a: CatalogSource, b: CatalogSource) => a.file === b.file && "text" in a && "text" in b && a.text === b.text;
    const kept = this.catalog;
    if (kept && kept.sources.length === sources.length && kept.sources.every((c, i) => same(c, sources[i]!))) return kept.loaded;
    const loaded = loadCatalog(sources);
    this.catalog = { sources, loaded };
    return loaded;
  }
}

export interface LoadedProject {
  readonly project: CheckedProject;
  /** Absolute path of the config file used, if any. */
  readonly configFile?: string;
  /** Paths that could not be read (exit status 2 in the CLI). */
  readonly unreadable: readonly string[];
  /**
   * Absolute path of the project root: the folder of `policy.config.json`, else the deepest folder
   * holding every path given. Catalogs and replayed sessions are read only from inside it.
   */
  readonly root: string;
}

/** The project root of `roots` (absolute paths given) with the config file found, if any. */
export function projectRoot(roots: readonly string[], configFile: string | undefined): string {
  if (configFile) return dirname(configFile);
  return commonFolder(roots.map((r) => { try { return statSync(r).isDirectory() ? r : dirname(r); } catch { return dirname(r); } }));
}

/** Display form of a path: relative to cwd when inside it, `/` separators. */
export function displayPath(abs: string, cwd: string): string {
  const rel = relative(cwd, abs);
  const p = rel && !rel.startsWith("..") ? rel : abs;
  return p.split(sep).join("/");
}

/** `.policy` files under a folder (recursively, skipping node_modules and dot-folders). */
export function policyFilesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries;
    try { entries = readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith(".") || e.name === "node_modules") continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith(".policy")) out.push(p);
    }
  };
  walk(dir);
  return out;
}

export function loadProject(paths: readonly string[], opts: LoadOptions = {}): LoadedProject {
  const cwd = opts.cwd ?? process.cwd();
  const roots = (paths.length ? paths : ["."]).map((p) => resolve(cwd, p));
  const extra: Diagnostic[] = [];
  const unreadable: string[] = [];
  const configFile = findConfig(roots[0]!);
  let config: ProjectConfig = {};
  if (configFile) {
    const read = readSourceFile(configFile, displayPath(configFile, cwd));
    const r = "text" in read ? readJson<ProjectConfig>(read.text, displayPath(configFile, cwd), "project-config.schema.json", "PDL3003") : { diagnostics: [read.diagnostic], value: undefined };
    extra.push(...r.diagnostics);
    if (r.value) config = r.value;
  }
  const files = new Set<string>();
  const isIncluded = config.include?.length ? picomatch([...config.include]) : undefined;
  const isExcluded = config.exclude?.length ? picomatch([...config.exclude]) : undefined;
  const base = configFile ? dirname(configFile) : cwd;
  for (const [i, root] of roots.entries()) {
    let st;
    try { st = statSync(root); } catch { unreadable.push(paths[i] ?? root); continue; }
    if (st.isDirectory()) {
      for (const f of policyFilesUnder(root)) {
        const rel = relative(base, f).split(sep).join("/");
        if (isIncluded && !isIncluded(rel)) continue;
        if (isExcluded?.(rel)) continue;
        files.add(f);
      }
    } else files.add(root);
  }
  for (const [abs] of opts.overlays ?? []) if (abs.endsWith(".policy") && roots.some((r) => abs === r || abs.startsWith(r + sep))) files.add(abs);
  const sources: Source[] = [];
  for (const f of [...files].sort()) {
    const overlay = opts.overlays?.get(f);
    if (overlay !== undefined) { sources.push({ file: displayPath(f, cwd), text: overlay }); continue; }
    try {
      const read = readSourceFile(f, displayPath(f, cwd));
      if ("text" in read) sources.push({ file: displayPath(f, cwd), text: read.text });
      else extra.push(read.diagnostic);
    } catch (e) {
      unreadable.push(displayPath(f, cwd));
      extra.push(diagnostic("PDL3002", new LineMap(displayPath(f, cwd), "").span(0, 0), `cannot read ${displayPath(f, cwd)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, "check the path"));
    }
  }
  // Where each catalog of the config was named, for PDL3004. Catalogs the caller passes
  // (`--catalog`, an editor setting) are the caller's own choice, like the paths given: the
  // project-root rule is for what the project's files name, never for the command line.
  const namedIn = new Map<string, { where: string; as: string }>();
  const configured = (config.catalogs ?? []).map((c) => ({ file: displayPath(resolve(base, c), cwd), where: displayPath(configFile ?? base, cwd), as: c }));
  for (const c of configured) namedIn.set(c.file, { where: c.where, as: c.as });
  const catalogs: CatalogSource[] = [...configured.map((c) => c.file), ...(opts.catalogs ?? [])].map((file) => ({ file })).map((c) => {
    const abs = resolve(cwd, c.file);
    const overlay = opts.overlays?.get(abs);
    return overlay !== undefined ? { file: c.file, text: overlay } : { file: c.file };
  });
  const root = projectRoot(roots, configFile);
  const readable = catalogs.flatMap((c): CatalogSource[] => {
    if ("text" in c) return [c];
    const named = namedIn.get(c.file);
    if (named && !opts.allowOutside && !insideRoot(resolve(cwd, c.file), root)) { extra.push(outsideDiagnostic(named, root, cwd)); return []; }
    const read = tryRead(resolve(cwd, c.file), c.file);
    if (read !== undefined && "diagnostic" in read) { extra.push(read.diagnostic); return []; }
    return [{ file: c.file, ...(read !== undefined ? { text: read.text } : {}) }];
  });
  const { catalog, diagnostics } = opts.memo ? opts.memo.loadCatalog(readable) : loadCatalog(readable);
  extra.push(...diagnostics);
  const reviews = loadReviews(root, catalog, cwd);
  extra.push(...reviews.diagnostics);
  const project = checkProject(sources, catalog, extra, { ...(opts.parse ? { parse: opts.parse } : {}), ...(config.approvers ? { approvers: config.approvers } : {}), ...(config.user_claims ? { userClaims: config.user_claims } : {}), ...(reviews.statuses ? { reviews: reviews.statuses } : {}), ...(opts.memo?.check ? { memo: opts.memo.check } : {}) });
  const empty = emptyProjectWarning(project, roots, cwd, paths);
  return { project: empty ? { ...project, diagnostics: [...project.diagnostics, empty] } : project, ...(configFile ? { configFile } : {}), unreadable, root };
}

/** The project's reviews (`policy.reviews.json` in the project root), when it has a file. */
function loadReviews(root: string, catalog: Catalog, cwd: string): { statuses?: ReviewStatuses; diagnostics: Diagnostic[] } {
  const r = readReviewsFile(root, (abs) => displayPath(abs, cwd));
  if (r.hash === null) return { diagnostics: r.diagnostics };
  const s = reviewStatuses(r.doc, r.hash, catalog, displayPath(join(root, REVIEWS_FILE), cwd));
  return { statuses: s.statuses, diagnostics: [...r.diagnostics, ...s.diagnostics] };
}

/** PDL3004: a catalog named by the config lies outside the project root. */
function outsideDiagnostic(named: { where: string; as: string }, root: string, cwd: string): Diagnostic {
  // The span names where the path was written, never the outside file (a code frame would print it).
  const shown = displayPath(root, cwd) || ".";
  return diagnostic("PDL3004", new LineMap(named.where, "").span(0, 0), `catalog "${named.as}" (named in ${named.where}) is outside the project root "${shown}"`,
    "move the catalog into the project, or pass --allow-outside to read files outside it");
}

/** A catalog's text, the diagnostic that says it is not text, or undefined when it cannot be read. */
function tryRead(p: string, display: string): { text: string } | { diagnostic: Diagnostic } | undefined {
  try { return readSourceFile(p, display); } catch { return undefined; }
}

/**
 * PDL4005: a project without a single policy builds a bundle that decides every call by the
 * default alone (allow, without one). Worth a word, never silence.
 */
function emptyProjectWarning(project: CheckedProject, roots: readonly string[], cwd: string, paths: readonly string[]): Diagnostic | undefined {
  if (project.files.some((f) => f.ast.decls.some((d) => d.kind === "Policy"))) return undefined;
  if (project.diagnostics.some((d) => d.code === "PDL1006" || d.code === "PDL1007")) return undefined;
  const first = project.files[0];
  const span = new LineMap(first?.file ?? displayPath(roots[0]!, cwd), first?.text ?? "").span(0, 0);
  const where = first ? `${project.files.length} file${project.files.length === 1 ? "" : "s"}` : `no .policy file under ${paths.length ? paths.map((p) => `"${p}"`).join(", ") : "\".\""}`;
  const then = project.default ? "every call gets the default" : "every call is allowed (there is no `default` either)";
  return diagnostic("PDL4005", span, `the project has no policies (${where}): ${then}`, "write a `policy` (see `policy init`), or check the paths given");
}

/** Folders holding a `policy.config.json` under `dir` (not inside node_modules or dot-folders). */
function configDirsUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    if (existsSync(join(d, CONFIG_FILE))) out.push(d);
    let entries;
    try { entries = readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory() && !e.name.startsWith(".") && e.name !== "node_modules") walk(join(d, e.name));
    }
  };
  walk(dir);
  return out;
}

/**
 * Splits the given paths into projects. A folder with a `policy.config.json` is a project of its
 * own; a folder that contains several such folders (like `examples/`) yields one project each,
 * plus one for any `.policy` files outside them. Files given directly form one project.
 */
export function discoverProjects(paths: readonly string[], cwd = process.cwd()): string[][] {
  const projects: string[][] = [];
  const loose: string[] = [];
  for (const p of paths.length ? paths : ["."]) {
    const abs = resolve(cwd, p);
    let st;
    try { st = statSync(abs); } catch { loose.push(p); continue; }
    if (!st.isDirectory() || existsSync(join(abs, CONFIG_FILE))) { (st.isDirectory() ? projects.push([p]) : loose.push(p)); continue; }
    const roots = configDirsUnder(abs);
    if (roots.length === 0) { projects.push([p]); continue; }
    for (const r of roots) projects.push([displayPath(r, cwd)]);
    const rest = policyFilesUnder(abs).filter((f) => !roots.some((r) => f.startsWith(r + sep)));
    if (rest.length) projects.push(rest.map((f) => displayPath(f, cwd)));
  }
  if (loose.length) projects.push(loose);
  return projects;
}
