/**
 * The syntax tree of a `.policy` file. Discriminated on `kind`; every node has a span.
 * The AST is close to the source (items keep their order) so that the printer can reproduce it;
 * meaning (resolved names, types) is added by the checker in `compiler/check`.
 */
import type { Span } from "./span.js";

// ─── Values ────────────────────────────────────────────────────────────────────────────
export interface StringValue { readonly kind: "String"; readonly value: string; readonly span: Span }
export interface NumberValue { readonly kind: "Number"; readonly value: number; readonly raw: string; readonly span: Span }
/** A bare word or dotted name: `GitHub`, `linear.delete_issue`, `args.text`, `true`. */
export interface NameValue { readonly kind: "Name"; readonly value: string; readonly span: Span }
export interface DurationValue { readonly kind: "Duration"; readonly raw: string; readonly ms: number; readonly span: Span }
export interface ListValue { readonly kind: "List"; readonly items: readonly Value[]; readonly span: Span }
export interface ObjectEntry { readonly key: string; readonly keySpan: Span; readonly quoted: boolean; readonly value: Value }
export interface ObjectValue { readonly kind: "Object"; readonly entries: readonly ObjectEntry[]; readonly span: Span }
export type Value = StringValue | NumberValue | NameValue | DurationValue | ListValue | ObjectValue;

// ─── Conditions ────────────────────────────────────────────────────────────────────────
export type Operator =
  | "is" | "is_not" | "in" | "not_in" | "matches" | "contains" | "contains_any" | "contains_all"
  | "has" | "has_called" | "exists"
  /** `session has seen SECRETS`: a data class a tool response of the session carried. */
  | "has_seen"
  /** `session has mark "reviewed"`: a mark a `message_from_user` policy set (`action mark "reviewed"`). */
  | "has_mark" | "within" | "under" | ">" | "<" | ">=" | "<=" | "none"
  /** `command starts with "npm run test:"`. */
  | "starts_with";

/**
 * `rate(5m, integration is GitHub)`, `rate(this hour, tenant, allowed)`, `sum(args.amount, today)`:
 * the parenthesised parameters of a subject. `window` is the first (`this hour` is one Name);
 * `options` the bare words after it (`today`, `this hour`, `tenant`, `integration`, `session`,
 * `allowed`); `filter` the condition among them (several are AND-ed).
 */
export interface SubjectParams { readonly window: Value | undefined; readonly filter: Expr | undefined; readonly options?: readonly NameValue[]; readonly span: Span }

/** Bare words that are options inside a subject's parentheses rather than a filter. */
export const PARAM_OPTIONS: readonly string[] = ["today", "this hour", "tenant", "integration", "agent", "session", "allowed"];

export interface Subject {
  /** `integration`, `tool`, `args.repo`, `agent.review_status`, `session`, `rate`, `spend`, … */
  readonly name: string;
  readonly span: Span;
  /** The word after the subject in `spend today`, `args.url host`. */
  readonly qualifier?: NameValue;
  readonly params?: SubjectParams;
}

export interface Condition {
  readonly kind: "Condition";
  readonly subject: Subject;
  readonly op: Operator;
  readonly opSpan: Span;
  readonly value?: Value;
  /** `50 USD`: a unit after a compared number. */
  readonly unit?: NameValue;
  /** `tz "Europe/Berlin"` after `within "…"`. */
  readonly tz?: StringValue;
  readonly span: Span;
}
export interface AndExpr { readonly kind: "And"; readonly items: readonly Expr[]; readonly span: Span }
export interface OrExpr { readonly kind: "Or"; readonly items: readonly Expr[]; readonly span: Span }
export interface NotExpr { readonly kind: "Not"; readonly expr: Expr; readonly span: Span }
export type Expr = Condition | AndExpr | OrExpr | NotExpr;

// ─── Actions ───────────────────────────────────────────────────────────────────────────
export interface ActionNode {
  readonly kind: "Action";
  /** `allow`, `block`, `deny`, `require_approval`, `hide`, `alert`, `sanitize`, `mark`, `clear` (checked later). */
  readonly name: string;
  readonly nameSpan: Span;
  readonly message?: StringValue;
  readonly from?: ListValue;
  readonly to?: StringValue;
  readonly fields?: ListValue;
  /**
   * What `clear` takes out of the session's state: `clear seen SECRETS` (`seen` set), `clear
   * untrusted_content` (a label), `clear mark "reviewed"` (the word `mark`, the mark in `message`).
   */
  readonly what?: { readonly seen: boolean; readonly word: NameValue };
  readonly span: Span;
}

// ─── Policy items ──────────────────────────────────────────────────────────────────────
export interface IdItem { readonly kind: "IdItem"; readonly value: NameValue; readonly span: Span }
export interface ScopeItem { readonly kind: "ScopeItem"; readonly scope: NameValue; readonly target?: StringValue; readonly span: Span }
export interface StatusItem { readonly kind: "StatusItem"; readonly value: NameValue; readonly span: Span }
export interface VersionItem { readonly kind: "VersionItem"; readonly value: NumberValue; readonly span: Span }
export interface PriorityItem { readonly kind: "PriorityItem"; readonly value: NumberValue; readonly span: Span }
export interface DescriptionItem { readonly kind: "DescriptionItem"; readonly value: StringValue; readonly span: Span }
export interface WhenItem { readonly kind: "WhenItem"; readonly value: NameValue; readonly span: Span }
export interface IfItem { readonly kind: "IfItem"; readonly expr: Expr; readonly span: Span }
export interface ActionItem { readonly kind: "ActionItem"; readonly actions: readonly ActionNode[]; readonly span: Span }
export type PolicyItem = IdItem | ScopeItem | StatusItem | VersionItem | PriorityItem | DescriptionItem | WhenItem | IfItem | ActionItem;

export interface PolicyDecl { readonly kind: "Policy"; readonly name: StringValue; readonly items: readonly PolicyItem[]; readonly span: Span }

// ─── Tests ─────────────────────────────────────────────────────────────────────────────
export interface GivenPair { readonly key: NameValue; readonly value: Value }
export interface GivenStep { readonly kind: "Given"; readonly pairs: readonly GivenPair[]; readonly span: Span }
export interface CallStep { readonly kind: "Call"; readonly tool: NameValue; readonly args?: ObjectValue; readonly span: Span }
export interface RunStep { readonly kind: "Run"; readonly command: StringValue; readonly span: Span }
export interface DiscoverStep { readonly kind: "Discover"; readonly agent: StringValue; readonly pairs: readonly GivenPair[]; readonly span: Span }
/** `respond [cost 0.42 USD] [result { … }]`: a `tool_call_response` to the last call or run. */
export interface RespondStep {
  readonly kind: "Respond";
  readonly cost?: { readonly amount: NumberValue; readonly currency: NameValue };
  readonly result?: ObjectValue;
  readonly span: Span;
}
/** `message to user "…"` / `message from user "…"`: a `message_to_user` / `message_from_user` event. */
export interface MessageStep { readonly kind: "Message"; readonly direction: "to_user" | "from_user"; readonly text: StringValue; readonly span: Span }
export interface ReplayStep { readonly kind: "Replay"; readonly path: StringValue; readonly span: Span }
/**
 * `expect <effect> [by X]` · `expect event N <effect> [by X]` · `expect calls to T <effect> [by X]`
 * · `expect alert ["msg"]` · `expect no alert` · `expect sanitize [args.x]` · `expect hidden`.
 */
export interface ExpectStep {
  readonly kind: "Expect";
  readonly negated: boolean;
  readonly target?: { readonly kind: "event"; readonly seq: NumberValue } | { readonly kind: "calls"; readonly tool: NameValue };
  readonly what: NameValue;
  readonly argument?: StringValue | ListValue;
  readonly by?: StringValue | NameValue;
  /** `expect require_approval from [technician, manager]`: the approvers the decision must name. */
  readonly from?: ListValue;
  readonly span: Span;
}
export type TestStep = GivenStep | CallStep | RunStep | DiscoverStep | RespondStep | ReplayStep | ExpectStep | MessageStep;
export interface TestDecl { readonly kind: "Test"; readonly name: StringValue; readonly steps: readonly TestStep[]; readonly span: Span }

// ─── Other declarations ────────────────────────────────────────────────────────────────
export interface DefaultEntry { readonly operation: NameValue; readonly effect: NameValue }
/** `for integration GitHub` · `for tenant "acme"` · `for agent "Cursor"`: what a default is for. */
export interface DefaultTarget { readonly key: NameValue; readonly value: NameValue | StringValue }
export interface DefaultDecl {
  readonly kind: "Default";
  /** `default for integration GitHub …`: absent for the project-wide default. */
  readonly for?: readonly DefaultTarget[];
  /** `default allow` */
  readonly effect?: NameValue;
  /** `default by operation { Read: allow … }` */
  readonly by?: NameValue;
  readonly entries?: readonly DefaultEntry[];
  readonly span: Span;
}
export interface DetectorDecl {
  readonly kind: "Detector";
  readonly name: NameValue;
  readonly pattern: { readonly source: string; readonly flags: string; readonly span: Span };
  readonly class?: NameValue;
  readonly span: Span;
}
export interface OrgEntry { readonly key: NameValue; readonly value: Value }
export interface OrganizationDecl { readonly kind: "Organization"; readonly entries: readonly OrgEntry[]; readonly span: Span }

export type Decl = PolicyDecl | TestDecl | DefaultDecl | DetectorDecl | OrganizationDecl;

export interface CommentNode { readonly text: string; readonly span: Span }

export interface PolicyFile {
  readonly kind: "File";
  readonly file: string;
  readonly decls: readonly Decl[];
  readonly comments: readonly CommentNode[];
  readonly span: Span;
}

export function assertNever(x: never): never {
  throw new Error(`unexpected node: ${JSON.stringify(x)}`);
}
