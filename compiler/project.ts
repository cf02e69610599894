/**
 * Loads a project from paths: finds `.policy` files, the project config (`policy.config.json`)
 * and its user catalogs, then checks everything. File names in the result are relative to the
 * working directory, with `/` separators, so bundles are reproducible across machines.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import picomatch from "picomatch";
import type { Diagnostic } from "../grammar/diagnostic.js";
import { diagnostic } from "./diagnostics/codes.js";
import { LineMap } from "../grammar/span.js";
import { loadCatalog, type CatalogSource } from "./catalog/load.js";
import { checkProject, type CheckOptions, type Source } from "./check/index.js";
import type { CheckedProject } from "./model.js";
import { readJson } from "./json/validate.js";
import type { UserInfo } from "../runtime/types.js";
import type { ClaimType } from "./check/context.js";

export const CONFIG_FILE = "policy.config.json";

export interface ProjectConfig {
  readonly catalogs?: readonly string[];
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  /** Who may approve, per role: OS user names (`{"technician": ["alice"], "manager": ["carol"]}`). */
  readonly approvers?: Readonly<Record<string, readonly string[]>>;
  /** User records by id (`policy enforce --user <id>`); see schemas/user.schema.json. */
  readonly users?: Readonly<Record<string, Omit<UserInfo, "id">>>;
  /** Declared claims and their types: `user.claims.<name>` conditions are checked against them. */
  readonly user_claims?: Readonly<Record<string, ClaimType>>;
}

export interface LoadOptions {
  /** Extra user catalogs (`--catalog`), in order, after those of the config. */
  readonly catalogs?: readonly string[];
  readonly cwd?: string;
  /** In-memory contents that override files on disk (the language server's open documents). */
  readonly overlays?: ReadonlyMap<string, string>;
  /** How each `.policy` source is parsed (see `CheckOptions.parse`); `parse` by default. */
  readonly parse?: CheckOptions["parse"];
}

export interface LoadedProject {
  readonly project: CheckedProject;
  /** Absolute path of the config file used, if any. */
  readonly configFile?: string;
  /** Paths that could not be read (exit status 2 in the CLI). */
  readonly unreadable: readonly string[];
}

/** Display form of a path: relative to cwd when inside it, `/` separators. */
export function displayPath(abs: string, cwd: string): string {
  const rel = relative(cwd, abs);
  const p = rel && !rel.startsWith("..") ? rel : abs;
  return p.split(sep).join("/");
}

/** The config file in `start` or the nearest folder above it. */
export function findConfig(start: string): string | undefined {
  let dir = resolve(start);
  try { if (statSync(dir).isFile()) dir = dirname(dir); } catch { dir = dirname(dir); }
  for (;;) {
    const f = join(dir, CONFIG_FILE);
    if (existsSync(f)) return f;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
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
    const text = readFileSync(configFile, "utf8");
    const r = readJson<ProjectConfig>(text, displayPath(configFile, cwd), "project-config.schema.json", "PDL3003");
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
      sources.push({ file: displayPath(f, cwd), text: readFileSync(f, "utf8") });
    } catch (e) {
      unreadable.push(displayPath(f, cwd));
      extra.push(diagnostic("PDL3002", new LineMap(displayPath(f, cwd), "").span(0, 0), `cannot read ${displayPath(f, cwd)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, "check the path"));
    }
  }
  const catalogs: CatalogSource[] = [
    ...(config.catalogs ?? []).map((c) => ({ file: displayPath(resolve(base, c), cwd) })),
    ...(opts.catalogs ?? []).map((c) => ({ file: c })),
  ].map((c) => {
    const abs = resolve(cwd, c.file);
    const overlay = opts.overlays?.get(abs);
    return overlay !== undefined ? { file: c.file, text: overlay } : c;
  });
  const { catalog, diagnostics } = loadCatalog(catalogs.map((c) => ("text" in c ? c : { file: c.file, text: tryRead(resolve(cwd, c.file)) }) as CatalogSource));
  extra.push(...diagnostics);
  const project = checkProject(sources, catalog, extra, { ...(opts.parse ? { parse: opts.parse } : {}), ...(config.approvers ? { approvers: config.approvers } : {}), ...(config.user_claims ? { userClaims: config.user_claims } : {}) });
  return { project, ...(configFile ? { configFile } : {}), unreadable };
}

function tryRead(p: string): string | undefined {
  try { return readFileSync(p, "utf8"); } catch { return undefined; }
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
