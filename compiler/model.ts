/**
 * The checked model: what the checker produces from ASTs + catalog, and what lowering and the
 * reference evaluator consume. Conditions (`CExpr`) are JSON data with names already resolved:
 * the same shape is embedded in the bundle and evaluated by the runtime.
 */
import type { Span } from "../grammar/span.js";
import type * as A from "../grammar/ast.js";
import type { Diagnostic } from "../grammar/diagnostic.js";
import type { Catalog } from "./catalog/catalog.js";
import type { ReviewStatuses } from "./catalog/reviews.js";
import type { CExpr, Effect, BundleDefault, ScopedDefault, SessionChange, Trigger } from "../runtime/types.js";

export type { CExpr, Effect, BundleDefault, ScopedDefault } from "../runtime/types.js";

export type Scope =
  | { readonly kind: "platform" }
  | { readonly kind: "tenant"; readonly tenant?: string }
  | { readonly kind: "agent"; readonly agent: string };

export interface CheckedIf {
  /** The `if` line as printed (for explain output). */
  readonly text: string;
  readonly expr: CExpr;
  readonly span: Span;
}

export interface CheckedAlert {
  readonly message?: string;
  readonly to?: string;
}

export interface CheckedPolicy {
  readonly id: string;
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly span: Span;
  readonly description?: string;
  readonly scope: Scope;
  readonly status: "draft" | "active" | "deprecated";
  readonly version?: number;
  readonly priority: number;
  readonly trigger: Trigger;
  readonly ifs: readonly CheckedIf[];
  readonly effect?: Effect;
  readonly reason?: string;
  readonly approvers: readonly string[];
  readonly alerts: readonly CheckedAlert[];
  readonly sanitize: readonly string[];
  /** `message_from_user` policies: what `mark` / `clear` change in the session (check/rules/session-actions.ts). */
  readonly session?: readonly SessionChange[];
  /** Position in the project: files in path order, then source order. */
  readonly order: number;
  readonly ast: A.PolicyDecl;
}

export interface CheckedDetector {
  readonly name: string;
  readonly source: string;
  readonly flags: string;
  readonly class: string;
  readonly span: Span;
}

export interface Organization {
  readonly domains: readonly string[];
  readonly slack_workspaces: readonly string[];
  readonly github_orgs: readonly string[];
  readonly external_channels: readonly string[];
  /** The zone of calendar windows (`today`, `this hour`); UTC when absent. */
  readonly timezone?: string;
  /** Per tenant, its own zone. */
  readonly tenant_timezones?: Readonly<Record<string, string>>;
}

export interface SourceFile {
  readonly file: string;
  readonly text: string;
  readonly ast: A.PolicyFile;
}

export interface CheckedProject {
  readonly files: readonly SourceFile[];
  readonly policies: readonly CheckedPolicy[];
  readonly tests: readonly { readonly file: string; readonly decl: A.TestDecl }[];
  readonly default?: BundleDefault;
  /** `default for …`: defaults for part of the calls, in precedence order. */
  readonly defaults?: readonly ScopedDefault[];
  readonly detectors: readonly CheckedDetector[];
  readonly organization?: Organization;
  /** Who may approve, per role (policy.config.json), sorted. */
  readonly approvers?: Readonly<Record<string, readonly string[]>>;
  readonly catalog: Catalog;
  /** The user claims the project declares (`policy.config.json` `user_claims`), when it does. */
  readonly userClaims?: Readonly<Record<string, string>>;
  /** The review statuses of tools and agents (`policy.reviews.json`), when the project has the file. */
  readonly reviews?: ReviewStatuses;
  readonly diagnostics: readonly Diagnostic[];
}
