/**
 * The incremental check: what one `checkProject` keeps for the next one on the same project (the
 * language server checks after every edit). Pass the same `CheckMemo` to every check of a project
 * (`CheckOptions.memo`):
 * - a policy is checked again only when its declaration (the parsed object: a parse that reuses
 *   unchanged declarations, as the language server's does, keeps them), its file, or what its
 *   check reads (`CheckContext.envKey`, the approvers roster) changed; a declaration the parse
 *   moved unchanged (`DeclMove`, after an edit above it) has its check moved along;
 * - the cross-file rules (duplicate ids, shadowing, stricter command forms) are updated from the
 *   policies added and removed since the last check, and look again only at the policies a
 *   change can concern (see each rule's file).
 * The declarations (detectors, organization, defaults), the tests' steps and the project limits
 * are checked in full each time: they are few, and cheap.
 * INVARIANT: `checkProject(…, { memo })` returns what `checkProject(…)` without a memo returns
 * (test/compiler/incremental-check.test.ts checks it after random edits).
 */
import type * as A from "../../../grammar/ast.js";
import type { CheckContext } from "../context.js";
import { checkPolicy } from "../policy.js";
import { checkApprovers, type ApproverRoster } from "../rules/approvers.js";
import { contradiction } from "../rules/shadowed.js";
import type { SourceFile } from "../../model.js";
import { DuplicateIds } from "./duplicate-ids.js";
import { Shadowed } from "./shadowed.js";
import { CommandForms } from "./command-forms.js";
import type { CheckedEntry, CrossFileRule, DeclMove, PolicyEntry } from "./rule.js";
import type { Diagnostic } from "../../../grammar/diagnostic.js";
import type { Span } from "../../../grammar/span.js";

export type { PolicyEntry, DeclMove } from "./rule.js";

/** What the last check left: the environment, its checked entries in order, the rules' state. */
interface Last {
  readonly env: string;
  /** Its number (`CheckMemo.updates`). */
  readonly update: number;
  readonly entries: readonly CheckedEntry[];
  readonly rules: readonly CrossFileRule[];
}

export class CheckMemo {
  private readonly entries = new WeakMap<A.PolicyDecl, PolicyEntry>();
  /**
   * `movedFrom`: the caller's parse tells which declarations it moved unchanged from an earlier
   * parse (`DeclMove`); their check is moved instead of done again.
   */
  constructor(private readonly movedFrom?: (decl: A.Decl) => DeclMove | undefined) {}

  private last: Last | undefined;
  private env = "";
  private updates = 0;
  /** How many policies the last check checked again (the rest were kept), for logs and tests. */
  rechecked = 0;

  /**
   * Every policy of `files` in project order, each checked again only if it changed; pushes their
   * diagnostics onto `ctx` in the order a full check reports them.
   */
  checkPolicies(ctx: CheckContext, files: readonly SourceFile[], roster: ApproverRoster | undefined): PolicyEntry[] {
    const env = (this.env = `${ctx.envKey()}\0${JSON.stringify(roster ?? null)}`);
    const out: PolicyEntry[] = [];
    let order = 0;
    this.rechecked = 0;
    for (const f of files) {
      for (const d of f.ast.decls) {
        if (d.kind !== "Policy") continue;
        const e = this.entry(ctx, d, f.file, order++, env, roster);
        if (e.diagnostics.length) ctx.diagnostics.push(...e.diagnostics);
        out.push(e);
      }
    }
    return out;
  }

  private entry(ctx: CheckContext, decl: A.PolicyDecl, file: string, order: number, env: string, roster: ApproverRoster | undefined): PolicyEntry {
    const kept = this.entries.get(decl) ?? this.moved(decl, file, env);
    if (kept && kept.decl === decl && kept.file === file && kept.env === env) {
      if (kept.policy && kept.policy.order !== order) kept.policy = { ...kept.policy, order };
      return kept;
    }
    this.rechecked++;
    const mark = ctx.diagnostics.length;
    const policy = checkPolicy(ctx, decl, file, order);
    if (policy) {
      checkApprovers(ctx, [policy], roster);
      const c = contradiction(policy);
      if (c) ctx.diagnostics.push(c);
    }
    const e: PolicyEntry = { decl, file, env, policy, diagnostics: ctx.diagnostics.length > mark ? ctx.diagnostics.splice(mark) : NONE, seen: 0, place: 0 };
    this.entries.set(decl, e);
    return e;
  }

  /** The entry of the declaration `decl` was moved from, moved with it (undefined when there is none to move). */
  private moved(decl: A.PolicyDecl, file: string, env: string): PolicyEntry | undefined {
    const m = this.movedFrom?.(decl);
    const e = m && this.entries.get(m.from as A.PolicyDecl);
    if (!m || !e || e.decl !== m.from || e.file !== file || e.env !== env) return undefined;
    const diagnostics = e.diagnostics.length ? moveDiagnostics(e.diagnostics, e.decl.span, m) : NONE;
    if (!diagnostics) return undefined;
    e.decl = decl;
    e.diagnostics = diagnostics;
    if (e.policy) e.policy = { ...e.policy, line: decl.span.line, span: decl.span, ast: decl, ifs: e.policy.ifs.map((i) => ({ ...i, span: moveSpan(i.span, m) })) };
    this.entries.delete(m.from as A.PolicyDecl);
    this.entries.set(decl, e);
    return e;
  }

  /** Brings the cross-file rules up to date with `entries` (from `checkPolicies`) and pushes their diagnostics. */
  crossFile(ctx: CheckContext, entries: readonly PolicyEntry[]): void {
    const checked = entries.filter((e): e is CheckedEntry => e.policy !== undefined);
    const last = this.last;
    const now = ++this.updates;
    // Kept: the entries the last update saw. They must come in the same order as then.
    let inOrder = true;
    let prev = -1;
    const added: CheckedEntry[] = [];
    for (const e of checked) {
      if (last && e.seen === last.update) { inOrder &&= e.place > prev; prev = e.place; } else added.push(e);
    }
    checked.forEach((e, i) => { e.seen = now; e.place = i; });
    let rules: readonly CrossFileRule[];
    if (last && last.env === this.env && inOrder) {
      rules = last.rules;
      const removed = last.entries.filter((e) => e.seen !== now);
      if (added.length || removed.length) for (const r of rules) r.update(added, removed);
    } else {
      rules = [new DuplicateIds(), new Shadowed(), new CommandForms(ctx.catalog)];
      for (const r of rules) r.update(checked, []);
    }
    for (const r of rules) ctx.diagnostics.push(...r.diagnostics(checked));
    this.last = { env: this.env, update: now, entries: checked, rules };
  }
}

/** The diagnostics of a policy that has none (most of them: one array for all). */
const NONE: readonly Diagnostic[] = Object.freeze([]);

const moveSpan = (s: Span, m: DeclMove): Span => ({ ...s, start: s.start + m.offset, end: s.end + m.offset, line: s.line + m.lines, endLine: s.endLine + m.lines });

/**
 * A policy's own diagnostics, moved with it; undefined when one of them points into its file
 * outside the declaration (it would not move the same way).
 */
function moveDiagnostics(ds: readonly Diagnostic[], decl: Span, m: DeclMove): Diagnostic[] | undefined {
  let ok = true;
  const move = (s: Span): Span => {
    if (s.file !== decl.file) return s;
    if (s.start < decl.start || s.end > decl.end) ok = false;
    return moveSpan(s, m);
  };
  const out = ds.map((d): Diagnostic => ({
    ...d,
    span: move(d.span),
    ...(d.related ? { related: d.related.map((r) => ({ ...r, span: move(r.span) })) } : {}),
    ...(d.fixes ? { fixes: d.fixes.map((f) => ({ ...f, span: move(f.span) })) } : {}),
  }));
  return ok ? out : undefined;
}
