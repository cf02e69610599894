/**
 * `policy.lock`: the last built version of every policy that has been active, with the content
 * hash of its body and a short hash per body line. `policy build` checks the sources against it
 * (an active policy is immutable: a changed body needs a new `version`) and then rewrites it.
 * The lock also records the head of the audit log, so that a truncated log is detected.
 * INVARIANT: the lock is written only after a successful build, in a stable (sorted) layout.
 */
import type * as A from "../grammar/ast.js";
import type { Diagnostic } from "../grammar/diagnostic.js";
import { diagnostic } from "../compiler/diagnostics/codes.js";
import { LineMap } from "../grammar/span.js";
import type { CheckedPolicy, CheckedProject } from "../compiler/model.js";
import { readJson } from "../compiler/json/validate.js";
import { bodyHash, firstChange, policyBody } from "../compiler/policy-body.js";

export const LOCK_FILE = "policy.lock";
export const LOCK_FORMAT = "policy-lock/1";

export type LockStatus = "active" | "draft" | "deprecated" | "removed";

export interface LockEntry {
  readonly name: string;
  readonly version: number;
  readonly status: LockStatus;
  /** `sha256:<hex>` of the printed body (everything but `status` and `version`). */
  readonly hash: string;
  /** Short hashes of the body lines, to point at the line that changed. */
  readonly lines: readonly string[];
  readonly file: string;
  /**
   * The scope it was active with (`platform`, `tenant`, `tenant acme`, `agent Cursor`), fixed
   * from then on (seed 003, PDL5013). Absent in locks written before it was recorded.
   */
  readonly scope?: string;
}

export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
}

export interface Lock {
  readonly format: typeof LOCK_FORMAT;
  /** By policy id. */
  readonly policies: Readonly<Record<string, LockEntry>>;
  readonly audit?: AuditHead;
}

export const EMPTY_LOCK: Lock = { format: LOCK_FORMAT, policies: {} };

/** Parses and validates a lock file; a hand-edited lock that makes no sense is a PDL5012 error. */
export function readLock(text: string, file: string): { lock?: Lock; diagnostics: Diagnostic[] } {
  const r = readJson<Lock>(text, file, "policy-lock.schema.json", "PDL5012");
  if (!r.value) return { diagnostics: r.diagnostics.map((d) => ({ ...d, message: `${file} is not a valid lock: ${d.message}`, hint: "fix or delete the lock (deleting it forgets which versions were built: the next build records them again)" })) };
  return { lock: r.value, diagnostics: [] };
}

/** The locked version of a policy without a `version` line is 1. */
export function versionOf(p: CheckedPolicy): number {
  return p.version ?? 1;
}

function versionItem(p: A.PolicyDecl): A.VersionItem | undefined {
  return p.items.find((i): i is A.VersionItem => i.kind === "VersionItem");
}

/** The edit that bumps a policy's version: replace the `version` line, or add one after the name. */
function bumpFix(p: CheckedPolicy, next: number): { title: string; span: A.PolicyDecl["span"]; text: string } | undefined {
  const v = versionItem(p.ast);
  if (v) return { title: `Bump to version ${next}`, span: v.span, text: `version ${next}` };
  const first = p.ast.items[0];
  if (!first) return undefined;
  return { title: `Add version ${next}`, span: { ...first.span, end: first.span.start, endLine: first.span.line, endColumn: first.span.column }, text: `version ${next}\n${" ".repeat(first.span.column - 1)}` };
}

/** A policy's scope as the lock records it: `platform`, `tenant`, `tenant acme`, `agent Cursor`. */
export function scopeText(p: CheckedPolicy): string {
  const s = p.scope;
  return s.kind === "platform" ? "platform" : s.kind === "tenant" ? (s.tenant === undefined ? "tenant" : `tenant ${s.tenant}`) : `agent ${s.agent}`;
}

/** The scope as written in a policy (`scope tenant "acme"`). */
function scopeSource(scope: string): string {
  const [kind, ...rest] = scope.split(" ");
  return rest.length ? `scope ${kind} ${JSON.stringify(rest.join(" "))}` : `scope ${kind}`;
}

/** The id a policy's versions share: `github-readonly-v3` → `github-readonly` (see `policy version`). */
export function lineageOf(id: string): string {
  return id.replace(/-v\d+$/, "");
}

/**
 * PDL5013: a policy (or another version of it, `<id>-vN`) was active with one scope and now has
 * another. Seed 003: the scope is fixed after the first active version; a policy for other
 * calls is a new policy with its own id.
 */
function scopeChanges(project: CheckedProject, lock: Lock, lockSpan: Diagnostic["span"], lockFile: string): Diagnostic[] {
  const locked = new Map<string, { id: string; scope: string }>();
  for (const [id, e] of Object.entries(lock.policies)) {
    if (e.scope === undefined) continue;
    const base = lineageOf(id);
    if (!locked.has(base) || id === base) locked.set(base, { id, scope: e.scope });
  }
  const out: Diagnostic[] = [];
  for (const p of project.policies) {
    if (p.status === "deprecated") continue;
    const was = lock.policies[p.id]?.scope !== undefined ? { id: p.id, scope: lock.policies[p.id]!.scope! } : locked.get(lineageOf(p.id));
    const now = scopeText(p);
    if (!was || was.scope === now) continue;
    const item = p.ast.items.find((i): i is A.ScopeItem => i.kind === "ScopeItem");
    out.push(diagnostic("PDL5013", item?.span ?? p.ast.name.span,
      `policy "${p.id}" cannot change its scope to ${now}: ${was.id === p.id ? "it" : `"${was.id}"`} was active with scope ${was.scope}`,
      `the scope is fixed after the first active version: write \`${scopeSource(was.scope)}\`, or write a new policy (a new id) for the other calls`,
      { related: [{ span: lockSpan, message: `${lockFile} records "${was.id}" with scope ${was.scope}` }] }));
  }
  return out;
}

/**
 * PDL5014: a policy the lock records as active is gone from the part of the project checked.
 * Only drafts are deleted; an active policy is deprecated first (and built, so that the lock and
 * the audit log record it), then deleted.
 */
function deletedActive(project: CheckedProject, lock: Lock, lockSpan: Diagnostic["span"], lockFile: string, scope: BuildScope): Diagnostic[] {
  const ids = new Set(project.policies.map((p) => p.id));
  const covers = scope.covers ?? (() => true);
  return Object.entries(lock.policies).filter(([id, e]) => e.status === "active" && !ids.has(id) && covers(e.file)).map(([id, e]) =>
    diagnostic("PDL5014", lockSpan,
      `active policy "${id}" (version ${e.version}, ${e.file}) was deleted without being deprecated first`,
      `put it back with \`status deprecated\` and build once (the lock and the audit log record it), then delete it; or \`policy promote\` a new version, which deprecates it`));
}

/**
 * Checks a project against the lock: a changed body of an active policy with the same version
 * is PDL5010 (pointing at the first changed line), a version lower than the locked one PDL5011,
 * a changed scope PDL5013, an active policy deleted PDL5014 (within what `scope` covers).
 */
export function checkLock(project: CheckedProject, lock: Lock, lockFile: string, scope: BuildScope = {}): Diagnostic[] {
  const lockSpan = new LineMap(lockFile, "").span(0, 0);
  const out: Diagnostic[] = [...scopeChanges(project, lock, lockSpan, lockFile), ...deletedActive(project, lock, lockSpan, lockFile, scope)];
  for (const p of project.policies) {
    if (p.status !== "active") continue;
    const e = lock.policies[p.id];
    if (!e) continue;
    const v = versionOf(p);
    if (v < e.version) {
      out.push(diagnostic("PDL5011", versionItem(p.ast)?.span ?? p.ast.name.span,
        `policy "${p.id}" is at version ${v}, but version ${e.version} was already built`,
        `versions only go up: write \`version ${e.version + 1}\` for a new version`,
        { related: [{ span: lockSpan, message: `${lockFile} records version ${e.version}` }] }));
      continue;
    }
    if (v > e.version) continue;
    const body = policyBody(p.ast);
    if (bodyHash(body) === e.hash) continue;
    const ch = firstChange(e.lines, body) ?? { index: 0, removed: false };
    const at = body[ch.index];
    const span = at ? at.span : { ...p.ast.span, start: p.ast.span.end - 1, line: p.ast.span.endLine, column: Math.max(1, p.ast.span.endColumn - 1) };
    const what = ch.removed ? "a line was removed here" : ch.index === 0 ? "the name changed" : "this line changed";
    const fix = bumpFix(p, e.version + 1);
    out.push(diagnostic("PDL5010", span,
      `active policy "${p.id}" (version ${v}) was changed without a new version: ${what}`,
      `an active policy is immutable: write \`version ${e.version + 1}\` to publish the change, undo the edit, or clone it as a draft with \`policy version ${p.id}\``,
      { related: [{ span: lockSpan, message: `${lockFile} records version ${e.version} of "${p.id}" (${e.file})` }], ...(fix ? { fixes: [fix] } : {}) }));
  }
  return out;
}

export interface LockChanges {
  readonly added: readonly { readonly id: string; readonly version: number }[];
  readonly changed: readonly { readonly id: string; readonly from: number; readonly to: number }[];
  readonly deprecated: readonly { readonly id: string; readonly version: number }[];
  readonly removed: readonly { readonly id: string; readonly version: number }[];
}

/**
 * Which part of a project a build covers. A build of a subfolder or of one file sees only the
 * policies there: a locked policy recorded in a file the build did not cover is not "removed".
 * `covers` gets a lock entry's `file`; `fileOf` turns a policy's file into the path the lock records
 * (relative to the project root). Both default to the whole project, as written.
 */
export interface BuildScope {
  readonly covers?: (lockedFile: string) => boolean;
  readonly fileOf?: (policyFile: string) => string;
}

/** What a build changes relative to the lock (for the audit log). */
export function lockChanges(project: CheckedProject, lock: Lock, scope: BuildScope = {}): LockChanges {
  const added: { id: string; version: number }[] = [];
  const changed: { id: string; from: number; to: number }[] = [];
  const deprecated: { id: string; version: number }[] = [];
  const removed: { id: string; version: number }[] = [];
  const byId = new Map(project.policies.map((p) => [p.id, p]));
  for (const p of project.policies) {
    const e = lock.policies[p.id];
    const wasActive = e?.status === "active";
    if (p.status === "active") {
      if (!wasActive) added.push({ id: p.id, version: versionOf(p) });
      else if (e.version !== versionOf(p)) changed.push({ id: p.id, from: e.version, to: versionOf(p) });
    } else if (wasActive) deprecated.push({ id: p.id, version: e.version });
  }
  const covers = scope.covers ?? (() => true);
  for (const [id, e] of Object.entries(lock.policies)) if (e.status === "active" && !byId.has(id) && covers(e.file)) removed.push({ id, version: e.version });
  return { added, changed, deprecated, removed };
}

/** The lock after a build: active policies recorded, others keep their last built version. */
export function nextLock(project: CheckedProject, lock: Lock, audit: AuditHead | undefined, scope: BuildScope = {}): Lock {
  const covers = scope.covers ?? (() => true);
  const fileOf = scope.fileOf ?? ((f: string) => f);
  const entries = new Map<string, LockEntry>(Object.entries(lock.policies));
  const seen = new Set<string>();
  for (const p of project.policies) {
    seen.add(p.id);
    const prev = entries.get(p.id);
    if (p.status === "active") {
      const body = policyBody(p.ast);
      entries.set(p.id, { name: p.name, version: versionOf(p), status: "active", hash: bodyHash(body), lines: body.map((l) => l.hash), file: fileOf(p.file), scope: scopeText(p) });
    } else if (prev) entries.set(p.id, { ...prev, status: p.status });
  }
  for (const [id, e] of entries) if (!seen.has(id) && e.status !== "removed" && covers(e.file)) entries.set(id, { ...e, status: "removed" });
  const policies: Record<string, LockEntry> = {};
  for (const id of [...entries.keys()].sort()) policies[id] = entries.get(id)!;
  return { format: LOCK_FORMAT, policies, ...(audit ? { audit } : {}) };
}

export function serializeLock(lock: Lock): string {
  return JSON.stringify(lock, null, 2) + "\n";
}
