/**
 * `compiler/check`: parsed files + catalog → checked model + diagnostics.
 * Runs the declaration rules (detectors, organization, defaults), then every policy, then the
 * project-wide rules (duplicate ids, shadowing), then the steps of the tests (`rules/test-steps.ts`).
 * With a memo (`incremental/`), only what changed since the memo's last check is checked again.
 */
import { parse, type ParseResult } from "../../grammar/index.js";
import type * as A from "../../grammar/ast.js";
import { sortDiagnostics, type Diagnostic } from "../../grammar/diagnostic.js";
import { BUILTIN_CLASSES } from "../../runtime/detectors.js";
import type { Catalog } from "../catalog/catalog.js";
import type { CheckedPolicy, CheckedProject, SourceFile } from "../model.js";
import { CheckContext, type ClaimType } from "./context.js";
import { checkPolicy } from "./policy.js";
import { checkDetectors } from "./rules/detectors.js";
import { checkOrganization } from "./rules/organization.js";
import { checkDefaults } from "./rules/defaults.js";
import { checkDuplicateIds } from "./rules/duplicate-ids.js";
import { checkShadowed } from "./rules/shadowed.js";
import { checkCommandForms } from "./rules/command-forms.js";
import { checkMarks } from "./rules/marks.js";
import { checkTestSteps } from "./rules/test-steps.js";
import { checkApprovers, type ApproverRoster } from "./rules/approvers.js";
import { checkPolicyCount, limitDetectors } from "../limits.js";
import type { ReviewStatuses } from "../catalog/reviews.js";
import type { CheckMemo } from "./incremental/index.js";

export { CheckMemo, type DeclMove } from "./incremental/index.js";

export { slug } from "./policy.js";

export interface Source {
  readonly file: string;
  readonly text: string;
}

/** Compares paths the way the project orders files: plain code-unit order of `/`-separated paths. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface CheckOptions {
  /**
   * Parses one source; must return what `parse(text, file)` returns (the language server passes
   * one that reuses the parses of unchanged files and re-parses only the edited declarations).
   */
  readonly parse?: (text: string, file: string) => ParseResult;
  /** Who may approve, per role (`policy.config.json` → `approvers`); shipped in the bundle. */
  readonly approvers?: ApproverRoster;
  /** The claims the project declares (`policy.config.json` `user_claims`); undefined: claims are untyped. */
  readonly userClaims?: Readonly<Record<string, ClaimType>>;
  /** The project's reviews (`policy.reviews.json`); shipped in the bundle. */
  readonly reviews?: ReviewStatuses;
  /**
   * What the previous check of the same project kept (`incremental/`): given, only what changed
   * since is checked again, with the same result. The language server passes one per project.
   */
  readonly memo?: CheckMemo;
}

/** The project's detector, organization and default declarations, in project order (one pass over every declaration). */
function declarationsOf(files: readonly SourceFile[]): { Detector: A.DetectorDecl[]; Organization: A.OrganizationDecl[]; Default: A.DefaultDecl[] } {
  const out = { Detector: [] as A.DetectorDecl[], Organization: [] as A.OrganizationDecl[], Default: [] as A.DefaultDecl[] };
  for (const f of files) {
    for (const d of f.ast.decls) {
      if (d.kind === "Detector") out.Detector.push(d);
      else if (d.kind === "Organization") out.Organization.push(d);
      else if (d.kind === "Default") out.Default.push(d);
    }
  }
  return out;
}

/** Every policy, then the rules over several policies. */
function checkPolicies(ctx: CheckContext, files: readonly SourceFile[], roster: ApproverRoster | undefined): CheckedPolicy[] {
  const policies: CheckedPolicy[] = [];
  let order = 0;
  for (const f of files) {
    for (const d of f.ast.decls) {
      if (d.kind !== "Policy") continue;
      const p = checkPolicy(ctx, d, f.file, order++);
      if (p) policies.push(p);
    }
  }
  checkPolicyCount(ctx, policies);
  checkDuplicateIds(ctx, policies);
  checkShadowed(ctx, policies);
  checkCommandForms(ctx, policies);
  checkMarks(ctx, policies);
  checkApprovers(ctx, policies, roster);
  return policies;
}

/** The same, keeping what did not change since the memo's last check (`incremental/`). */
function checkPoliciesWith(memo: CheckMemo, ctx: CheckContext, files: readonly SourceFile[], roster: ApproverRoster | undefined): CheckedPolicy[] {
  const entries = memo.checkPolicies(ctx, files, roster);
  const policies: CheckedPolicy[] = [];
  for (const e of entries) if (e.policy) policies.push(e.policy);
  checkPolicyCount(ctx, policies);
  memo.crossFile(ctx, entries);
  // A mark no policy sets (PDL4024): over every policy each time (one pass, no memo needed).
  checkMarks(ctx, policies);
  return policies;
}

/** The roster with roles and names sorted and de-duplicated (the bundle stays byte-reproducible). */
function sortedRoster(r: ApproverRoster): Record<string, string[]> {
  return Object.fromEntries(Object.keys(r).sort().map((role) => [role, [...new Set(r[role])].sort()]));
}

export function checkProject(sources: readonly Source[], catalog: Catalog, extra: readonly Diagnostic[] = [], opts: CheckOptions = {}): CheckedProject {
  const ctx = new CheckContext(catalog);
  if (opts.userClaims) ctx.userClaims = new Map(Object.entries(opts.userClaims));
  ctx.diagnostics.push(...extra);
  const parseSource = opts.parse ?? parse;
  const files: SourceFile[] = [...sources].sort((a, b) => comparePaths(a.file, b.file)).map((s) => {
    const r = parseSource(s.text, s.file);
    ctx.diagnostics.push(...r.diagnostics);
    return { file: s.file, text: s.text, ast: r.ast };
  });
  const decls = declarationsOf(files);
  for (const c of BUILTIN_CLASSES) ctx.dataClasses.add(c);
  const detectors = checkDetectors(ctx, limitDetectors(ctx, decls.Detector));
  const organization = checkOrganization(ctx, decls.Organization);
  const dflt = checkDefaults(ctx, decls.Default);
  const policies = opts.memo ? checkPoliciesWith(opts.memo, ctx, files, opts.approvers) : checkPolicies(ctx, files, opts.approvers);
  const approvers = opts.approvers ? sortedRoster(opts.approvers) : undefined;
  const tests = files.flatMap((f) => f.ast.decls.filter((d): d is A.TestDecl => d.kind === "Test").map((decl) => ({ file: f.file, decl })));
  checkTestSteps(ctx, catalog, tests.map((t) => t.decl), policies);
  return {
    files,
    policies,
    tests,
    ...(dflt.project ? { default: dflt.project } : {}),
    ...(dflt.scoped.length ? { defaults: dflt.scoped } : {}),
    detectors,
    ...(organization ? { organization } : {}),
    ...(approvers ? { approvers } : {}),
    catalog,
    ...(opts.userClaims ? { userClaims: opts.userClaims } : {}),
    ...(opts.reviews ? { reviews: opts.reviews } : {}),
    diagnostics: sortDiagnostics(ctx.diagnostics),
  };
}
