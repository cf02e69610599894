/**
 * The server's view of the workspace: open documents, and one checked project per root folder,
 * loaded with `loadProject` (open documents as overlays) and a memo per project, so that a check
 * after an edit re-checks only what the edit changed (see `compiler/check/incremental/`). Edits re-check the project after a
 * short debounce (the first edit after a quiet period is checked at once); changes to catalogs,
 * `policy.config.json` or `.policy` files on disk re-check the projects that depend on them.
 */
import { readFileSync } from "node:fs";
import { basename, dirname, extname, relative, resolve, sep } from "node:path";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { loadProject, findConfig, CONFIG_FILE, ProjectMemo, type LoadedProject } from "../compiler/project.js";
import { LOCK_FILE } from "../lifecycle/lock.js";
import type { ParseResult } from "../grammar/index.js";
import { movedFrom, reparse, type ParsedText } from "./incremental-parse.js";
import { pathToUri, uriToPath } from "./positions.js";

export const DEFAULT_DEBOUNCE_MS = 150;

export interface WorkspaceOptions {
  /** Root folders (workspace folders); documents outside them get a root of their own. */
  readonly roots: readonly string[];
  /** User catalogs (paths relative to the root), added to those of `policy.config.json`. */
  readonly catalogs: readonly string[];
  readonly debounceMs: number;
  readonly log: (msg: string) => void;
  /** Informational messages (slow checks). */
  readonly info?: (msg: string) => void;
}

/** One root folder's project, as last checked. */
export interface ProjectState {
  /** What identifies the project: its root folder, or the file itself for a lone file. */
  readonly key: string;
  /** The folder file names are relative to (loadProject's cwd). */
  readonly root: string;
  /** What is loaded: `["."]`, or the lone file's name. */
  readonly paths: readonly string[];
  loaded: LoadedProject | undefined;
  /** Bumped on every change; `checkedAt` says which change the loaded project reflects. */
  version: number;
  checkedAt: number;
  timer: NodeJS.Timeout | undefined;
  lastCheckEnd: number;
  /** Milliseconds the last check took. */
  lastCheckMs: number;
  /** Catalog files the project reads (absolute), for re-checking dependents. */
  catalogFiles: Set<string>;
  /** What one check keeps for the next: only what an edit changed is checked again (`ProjectMemo`). */
  readonly memo: ProjectMemo;
}

export type CheckedListener = (state: ProjectState) => void;

export class Workspace {
  private readonly states = new Map<string, ProjectState>();
  private readonly loneFiles = new Set<string>();
  private readonly listeners: CheckedListener[] = [];
  /**
   * The last parse of each file (by project and file name), shared by the checks and the
   * per-document features: an unchanged file is not parsed again, an edited one only where edited.
   */
  private readonly parses = new Map<string, ParsedText>();
  /** The URI the client uses for each open file (absolute path → URI). */
  readonly uris = new Map<string, string>();

  constructor(private readonly docs: { all(): TextDocument[]; get(uri: string): TextDocument | undefined }, public options: WorkspaceOptions) {}

  onChecked(l: CheckedListener): void {
    this.listeners.push(l);
  }

  /**
   * The project a file belongs to: the workspace folder holding it, else the folder of its
   * `policy.config.json`, else the file alone (never a scan of an unrelated folder such as ~).
   */
  keyFor(path: string): string {
    const inside = this.options.roots.filter((r) => path === r || path.startsWith(r.endsWith(sep) ? r : r + sep)).sort((a, b) => b.length - a.length);
    if (inside[0]) return inside[0];
    const cfg = findConfig(dirname(path));
    if (cfg) return dirname(cfg);
    this.loneFiles.add(path);
    return path;
  }

  /** The state of the project a document belongs to (created on first use). */
  stateFor(uri: string): ProjectState | undefined {
    const path = uriToPath(uri);
    if (!path) return undefined;
    return this.state(this.keyFor(path));
  }

  private state(key: string): ProjectState {
    let s = this.states.get(key);
    if (!s) {
      const lone = this.loneFiles.has(key);
      s = { key, root: lone ? dirname(key) : key, paths: lone ? [basename(key)] : ["."], loaded: undefined, version: 1, checkedAt: 0, timer: undefined, lastCheckEnd: 0, lastCheckMs: 0, catalogFiles: new Set(), memo: new ProjectMemo({ movedFrom }) };
      this.states.set(key, s);
    }
    return s;
  }

  allStates(): ProjectState[] {
    return [...this.states.values()];
  }

  /** A document changed (opened, edited, closed): re-check its project soon. */
  documentChanged(uri: string): void {
    const path = uriToPath(uri);
    if (!path) return;
    this.uris.set(path, uri);
    const s = this.state(this.keyFor(path));
    if (extname(path) === ".json" && !s.catalogFiles.has(path) && !path.endsWith(CONFIG_FILE)) return;
    this.schedule(s);
  }

  /** Files changed on disk: re-check every project that reads one of them. */
  filesChanged(paths: readonly string[]): void {
    for (const s of this.states.values()) {
      const hit = paths.some((p) => p.endsWith(".policy") || p.endsWith(CONFIG_FILE) || basename(p) === LOCK_FILE || s.catalogFiles.has(p));
      if (hit) this.schedule(s);
    }
  }

  /** Settings changed (catalogs): re-check everything. */
  settingsChanged(): void {
    for (const s of this.states.values()) this.schedule(s);
  }

  /**
   * Debounce: the first change after a quiet period is checked on the next tick; changes that
   * follow within `debounceMs` are coalesced into one check at the end of the window.
   */
  schedule(s: ProjectState): void {
    s.version++;
    if (s.timer) return;
    const quiet = Date.now() - s.lastCheckEnd >= this.options.debounceMs;
    s.timer = setTimeout(() => {
      s.timer = undefined;
      this.check(s);
    }, quiet ? 0 : this.options.debounceMs);
  }

  /** The project, checked against the current documents (checks now if an edit is pending). */
  fresh(uri: string): LoadedProject | undefined {
    const s = this.stateFor(uri);
    if (!s) return undefined;
    if (!s.loaded || s.checkedAt !== s.version) {
      if (s.timer) { clearTimeout(s.timer); s.timer = undefined; }
      this.check(s);
    }
    return s.loaded;
  }

  /** The last checked project, without waiting for pending edits (for completion). */
  latest(uri: string): LoadedProject | undefined {
    const s = this.stateFor(uri);
    if (!s) return undefined;
    if (!s.loaded) this.check(s);
    return s.loaded;
  }

  /** Parses the current text of an open document (cached). */
  parseOf(doc: TextDocument): ParseResult {
    const path = uriToPath(doc.uri);
    if (!path) return reparse(undefined, doc.getText(), doc.uri);
    return this.parseFile(this.keyFor(path), this.displayName(doc.uri), doc.getText());
  }

  /** `parse(text, file)` for a file of the project `projectKey`, reusing its last parse. */
  private parseFile(projectKey: string, file: string, text: string): ParseResult {
    const key = `${projectKey}\0${file}`;
    const prev = this.parses.get(key);
    if (prev?.text === text && prev.result.ast.file === file) return prev.result;
    const result = reparse(prev, text, file);
    this.parses.set(key, { text, result });
    return result;
  }

  /** The version of the open document (undefined when it is not open). */
  openVersion(uri: string): number | undefined {
    return this.docs.get(uri)?.version;
  }

  /** The file name the project uses for a URI (relative to its root, `/` separators). */
  displayName(uri: string): string {
    const path = uriToPath(uri);
    if (!path) return uri;
    const rel = relative(this.state(this.keyFor(path)).root, path);
    return (rel && !rel.startsWith("..") ? rel : path).split(sep).join("/");
  }

  /** The URI of a file name as the project reports it. */
  uriOf(root: string, file: string): string {
    const abs = resolve(root, file);
    return this.uris.get(abs) ?? pathToUri(abs);
  }

  /** Runs the check for one root now. Never throws: a failure is logged and keeps the old result. */
  check(s: ProjectState): void {
    const target = s.version;
    const t0 = performance.now();
    try {
      const overlays = new Map<string, string>();
      for (const d of this.docs.all()) {
        const p = uriToPath(d.uri);
        if (p && (p.endsWith(".policy") || p.endsWith(".json")) && this.keyFor(p) === s.key) overlays.set(p, d.getText());
      }
      s.loaded = loadProject(s.paths, { cwd: s.root, catalogs: this.options.catalogs, overlays, parse: (text, file) => this.parseFile(s.key, file, text), memo: s.memo });
      s.catalogFiles = this.catalogFilesOf(s);
      // Forget the parses of files this project no longer has.
      const files = new Set(s.loaded.project.files.map((f) => `${s.key}\0${f.file}`));
      for (const k of this.parses.keys()) if (k.startsWith(`${s.key}\0`) && !files.has(k)) this.parses.delete(k);
    } catch (e) {
      this.options.log(`check of ${s.root} failed: ${(e as Error).stack ?? String(e)}`);
    }
    s.checkedAt = target;
    s.lastCheckMs = performance.now() - t0;
    if (s.lastCheckMs > 100) this.options.info?.(`checked ${s.root} in ${Math.round(s.lastCheckMs)} ms (${s.loaded?.project.files.length ?? 0} files, ${s.memo.check?.rechecked ?? 0} of ${s.loaded?.project.policies.length ?? 0} policies checked again)`);
    s.lastCheckEnd = Date.now();
    for (const l of this.listeners) {
      try { l(s); } catch (e) { this.options.log(`listener failed: ${(e as Error).stack ?? String(e)}`); }
    }
  }

  private catalogFilesOf(s: ProjectState): Set<string> {
    const out = new Set<string>(this.options.catalogs.map((c) => resolve(s.root, c)));
    const cfg = s.loaded?.configFile;
    if (cfg) {
      out.add(cfg);
      try {
        const j = JSON.parse(readFileSync(cfg, "utf8")) as { catalogs?: unknown };
        if (Array.isArray(j.catalogs)) for (const c of j.catalogs) if (typeof c === "string") out.add(resolve(dirname(cfg), c));
      } catch { /* reported by the check as PDL3003 */ }
    }
    return out;
  }

  dispose(): void {
    for (const s of this.states.values()) if (s.timer) clearTimeout(s.timer);
  }
}
