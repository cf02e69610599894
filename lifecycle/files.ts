/**
 * Where the lifecycle files of a project live: `policy.lock` and `policy.audit.jsonl` sit in the
 * project root — the folder of `policy.config.json` when there is one, else the folder given on the
 * command line (the folder of a file given), else the working directory.
 */
import { appendFileSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { Diagnostic } from "../grammar/diagnostic.js";
import { displayPath, findConfig } from "../compiler/project.js";
import type { Bundle } from "../runtime/types.js";
import type { CheckedProject } from "../compiler/model.js";
import { AUDIT_FILE, makeEntry, serializeEntry, verifyAuditLog, type AuditEntry } from "./audit.js";
import { checkLock, EMPTY_LOCK, LOCK_FILE, lockChanges, nextLock, readLock, serializeLock, type AuditHead, type BuildScope, type Lock } from "./lock.js";

export interface LifecycleFiles {
  readonly root: string;
  /** Absolute paths. */
  readonly lock: string;
  readonly audit: string;
}

export function projectRoot(paths: readonly string[], cwd = process.cwd()): string {
  const first = resolve(cwd, paths[0] ?? ".");
  const config = findConfig(first);
  if (config) return dirname(config);
  try { return statSync(first).isDirectory() ? first : dirname(first); } catch { return cwd; }
}

export function lifecycleFiles(paths: readonly string[], opts: { cwd?: string; lock?: string; audit?: string } = {}): LifecycleFiles {
  const cwd = opts.cwd ?? process.cwd();
  const root = projectRoot(paths, cwd);
  return { root, lock: opts.lock ? resolve(cwd, opts.lock) : join(root, LOCK_FILE), audit: opts.audit ? resolve(cwd, opts.audit) : join(root, AUDIT_FILE) };
}

/** Reads the lock (an empty lock when there is none yet). */
export function loadLock(file: string, cwd = process.cwd()): { lock: Lock; exists: boolean; diagnostics: Diagnostic[] } {
  if (!existsSync(file)) return { lock: EMPTY_LOCK, exists: false, diagnostics: [] };
  const r = readLock(readFileSync(file, "utf8"), displayPath(file, cwd));
  return { lock: r.lock ?? EMPTY_LOCK, exists: true, diagnostics: r.diagnostics };
}

/**
 * What the lock says about a project, without writing anything (`policy check`, `policy test`, the
 * language server): PDL5012 when the lock is not valid, else PDL5010 / PDL5011 for active policies
 * changed without a version bump or moved back, PDL5013 for a changed scope, PDL5014 for an active
 * policy deleted (within `scope`, the part of the project checked; see `buildScope`); nothing when
 * there is no lock yet. Spans name the lock by its path relative to `cwd`.
 */
export function lockDiagnostics(project: CheckedProject, lockFile: string, cwd = process.cwd(), scope: BuildScope = {}): Diagnostic[] {
  const locked = loadLock(lockFile, cwd);
  if (locked.diagnostics.length) return locked.diagnostics;
  return locked.exists ? checkLock(project, locked.lock, displayPath(lockFile, cwd), scope) : [];
}

/** The verified head of the audit log, or why the log cannot be extended (checked before a build writes anything). */
export function checkAuditLog(files: LifecycleFiles, lock: Lock, cwd = process.cwd()): { head: AuditHead | undefined } | { error: string } {
  const logText = existsSync(files.audit) ? readFileSync(files.audit, "utf8") : "";
  const v = verifyAuditLog(logText, lock.audit);
  if (v.ok) return { head: v.head };
  const p = v.problems[0]!;
  return { error: `the audit log ${displayPath(files.audit, cwd)} is broken${p.line ? ` at line ${p.line}` : ""}: ${p.message} (run \`policy audit verify\`; nothing was built)` };
}

export interface BuildRecordInput {
  /** The files and folders the build was given (the part of the project it covers). */
  readonly paths: readonly string[];
  readonly project: CheckedProject;
  readonly bundle: Bundle;
  readonly lock: Lock;
  readonly files: LifecycleFiles;
  readonly output: string | null;
  readonly signed: boolean;
  readonly includeDrafts: boolean;
}

/**
 * The part of the project under `root` that a build of `paths` covers: lock entries record files
 * relative to the root (with `/`), and an entry counts as covered when its file lies in one of the
 * paths built (a whole-project build covers every entry).
 */
export function buildScope(root: string, paths: readonly string[], cwd = process.cwd()): BuildScope {
  const given = (paths.length ? paths : ["."]).map((p) => resolve(cwd, p));
  const within = (dir: string, abs: string) => {
    const rel = relative(dir, abs);
    return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
  };
  const inside = (abs: string) => given.some((g) => within(g, abs));
  return {
    covers: (lockedFile) => inside(resolve(root, lockedFile)),
    fileOf: (policyFile) => relative(root, resolve(cwd, policyFile)).split(sep).join("/"),
  };
}

/**
 * After a successful build: appends the audit entry (refusing to extend a broken chain) and
 * writes the new lock. Returns the entry, or what is wrong with the log.
 */
export function recordBuild(i: BuildRecordInput, cwd = process.cwd()): { entry: AuditEntry } | { error: string } {
  const v = checkAuditLog(i.files, i.lock, cwd);
  if ("error" in v) return v;
  const byId = new Map(i.project.policies.map((p) => [p.id, p]));
  const scope = buildScope(i.files.root, i.paths, cwd);
  const entry = makeEntry({
    revision: i.bundle.revision,
    output: i.output,
    signed: i.signed,
    include_drafts: i.includeDrafts,
    policies: i.bundle.policies.map((p) => ({ id: p.id, version: byId.get(p.id)?.version ?? p.version ?? null, status: p.status })),
    changes: lockChanges(i.project, i.lock, scope),
    ...(i.project.reviews?.hash ? { reviews: { hash: i.project.reviews.hash, tools: i.project.reviews.tools, agents: i.project.reviews.agents } } : {}),
  }, v.head);
  appendFileSync(i.files.audit, serializeEntry(entry));
  const lock = nextLock(i.project, i.lock, { seq: entry.seq, hash: entry.hash }, scope);
  const tmp = `${i.files.lock}.tmp-${process.pid}`;
  writeFileSync(tmp, serializeLock(lock));
  renameSync(tmp, i.files.lock);
  return { entry };
}
