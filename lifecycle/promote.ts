/**
 * The promotion gate (seed 003: Draft → Validate by replay → Active). A draft is promoted only
 * when, with it active (and the version it replaces deprecated), the project's tests pass and the
 * recorded sessions replay with no decision change that was not accepted. The plan lists every
 * change, so `--dry-run` shows exactly what promotion would do.
 */
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { buildBundle } from "../compiler/emit/index.js";
import { loadProject } from "../compiler/project.js";
import type { CheckedPolicy, CheckedProject } from "../compiler/model.js";
import { replayEvents, runTests, type TestReport } from "../testing/index.js";
import { readSessionFile } from "../testing/session/read.js";
import type { Decision } from "../runtime/types.js";
import type { Diagnostic } from "../grammar/diagnostic.js";
import { applyEdits, familyOf, statusEdit, type TextEdit } from "./versions.js";

export interface DecisionChange {
  readonly file: string;
  readonly line: number;
  readonly session: string | null;
  readonly seq: number | null;
  readonly tool: string | null;
  readonly before: { readonly effect: Decision["effect"]; readonly policy: string | null };
  readonly after: { readonly effect: Decision["effect"]; readonly policy: string | null };
}

export interface PromotionPlan {
  readonly draft: CheckedPolicy;
  /** The active version the draft replaces (deprecated by the promotion). */
  readonly replaces?: CheckedPolicy;
  readonly edits: readonly TextEdit[];
  /** File → new text. */
  readonly texts: ReadonlyMap<string, string>;
  readonly tests?: TestReport;
  readonly sessions: readonly string[];
  readonly events: number;
  readonly changes: readonly DecisionChange[];
  /** Why the gate is closed (empty: promotion may proceed). */
  readonly blockers: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

export interface PromoteOptions {
  readonly paths: readonly string[];
  readonly cwd?: string;
  readonly catalogs?: readonly string[];
  /** Extra session files to replay. */
  readonly sessions?: readonly string[];
  /** The project root (its `sessions/` folder is replayed). */
  readonly root?: string;
  /** Decision changes were reviewed and are expected. */
  readonly acceptChanges?: boolean;
}

function jsonlUnder(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory() && !e.name.startsWith(".")) walk(p);
      else if (e.isFile() && e.name.endsWith(".jsonl")) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** The recorded sessions of a project: those its tests replay, and `sessions/**.jsonl` in the root. */
export function projectSessions(project: CheckedProject, cwd: string, root: string | undefined, extra: readonly string[] = []): string[] {
  const set = new Set<string>();
  for (const t of project.tests) for (const s of t.decl.steps) if (s.kind === "Replay") set.add(resolve(cwd, dirname(t.file), s.path.value));
  if (root) for (const f of jsonlUnder(join(root, "sessions"))) set.add(resolve(f));
  for (const f of extra) set.add(resolve(cwd, f));
  return [...set].sort();
}

export function planPromotion(project: CheckedProject, id: string, opts: PromoteOptions): PromotionPlan | { error: string } {
  const cwd = opts.cwd ?? process.cwd();
  const draft = project.policies.find((p) => p.id === id);
  if (!draft) return { error: `no policy has the id "${id}"` };
  if (draft.status !== "draft") return { error: `"${id}" is ${draft.status}, not a draft: only drafts are promoted (\`policy version ${id}\` clones it as one)` };
  const replaces = familyOf(project, id).filter((p) => p !== draft && p.status === "active").sort((a, b) => (b.version ?? 1) - (a.version ?? 1))[0];
  const edits = [statusEdit(draft, "active"), ...(replaces ? [statusEdit(replaces, "deprecated")] : [])];
  const texts = applyEdits(new Map(project.files.map((f) => [f.file, f.text])), edits);
  const overlays = new Map([...texts].map(([f, t]) => [resolve(cwd, f), t]));
  const after = loadProject(opts.paths, { cwd, catalogs: opts.catalogs ?? [], overlays }).project;
  const blockers: string[] = [];
  const errors = after.diagnostics.filter((d) => d.severity === "error");
  const base = { draft, ...(replaces ? { replaces } : {}), edits, texts };
  if (errors.length) return { ...base, sessions: [], events: 0, changes: [], blockers: [`with "${id}" active the project has ${errors.length} error${errors.length === 1 ? "" : "s"}`], diagnostics: errors };
  const beforeBundle = buildBundle(project);
  const afterBundle = buildBundle(after);
  const tests = runTests(after, afterBundle, { cwd });
  if (tests.failed) blockers.push(`${tests.failed} test${tests.failed === 1 ? " fails" : "s fail"} with "${id}" active`);
  for (const u of tests.unreadable) blockers.push(`a test replays "${u.path}", which cannot be read`);
  const sessions = projectSessions(after, cwd, opts.root, opts.sessions);
  const changes: DecisionChange[] = [];
  let events = 0;
  const same = (a: string | null, b: string | null) => a === b || (replaces !== undefined && a === replaces.id && b === draft.id);
  for (const s of sessions) {
    let read;
    try { read = readSessionFile(s); } catch { blockers.push(`session file "${s}" cannot be read`); continue; }
    for (const b of read.bad) blockers.push(`${s}:${b.line}: ${b.message}`);
    const before = replayEvents(beforeBundle, read.events);
    const now = replayEvents(afterBundle, read.events);
    events += now.length;
    for (let i = 0; i < now.length; i++) {
      const x = before[i]!.decision, y = now[i]!.decision;
      if (x.effect === y.effect && same(x.policy?.id ?? null, y.policy?.id ?? null)) continue;
      const ev = now[i]!.event;
      changes.push({ file: s, line: now[i]!.line, session: ev.session_id ?? null, seq: ev.seq ?? null, tool: y.tool ?? null, before: { effect: x.effect, policy: x.policy?.id ?? null }, after: { effect: y.effect, policy: y.policy?.id ?? null } });
    }
  }
  if (changes.length && !opts.acceptChanges) blockers.push(`${changes.length} recorded decision${changes.length === 1 ? "" : "s"} would change: review them and promote with --accept-changes if they are intended`);
  return { ...base, tests, sessions, events, changes, blockers, diagnostics: [] };
}
