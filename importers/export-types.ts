/**
 * The `policy-export/1` document (`schemas/policy-export.schema.json`): the source of a project as
 * JSON, declaration by declaration, line by line, comments included — lossless, so that
 * `policy import` + `policy fmt` gives back the same text.
 */

/** `"text"` a string · `{name}` a bare word · `5` a number (`{number, raw}` when written otherwise) · `{duration}` · `[…]` a list · `{object}`. */
export type JValue = string | number | JName | JNumber | JDuration | JObject | readonly JValue[];
export interface JName { readonly name: string }
export interface JNumber { readonly number: number; readonly raw: string }
export interface JDuration { readonly duration: string }
export interface JObject { readonly object: readonly { readonly key: string; readonly value: JValue; readonly quoted?: true }[] }

export type JExpr =
  | JCondition
  | { readonly and: readonly JExpr[] }
  | { readonly or: readonly JExpr[] }
  | { readonly not: JExpr };

export interface JCondition {
  readonly subject: string;
  /** Absent for a bare subject (`burst`). */
  readonly op?: string;
  readonly value?: JValue;
  readonly params?: { readonly window?: JValue; readonly filter?: JExpr; readonly options?: readonly string[] };
  readonly qualifier?: string;
  readonly unit?: string;
  readonly tz?: string;
}

/** Comments that stand on their own lines before a line, and the one at its end. */
export interface JComments {
  readonly comments?: readonly string[];
  readonly trailing?: string;
}

export interface JAction {
  readonly name: string;
  readonly message?: string;
  readonly fields?: JValue;
  readonly from?: JValue;
  readonly to?: string;
  /** `clear seen SECRETS` → `{word: "SECRETS", seen: true}`; `clear mark "x"` → `{word: "mark"}` (the name in `message`). */
  readonly what?: { readonly word: string; readonly seen?: boolean };
}

export type JPolicyItem = JComments & (
  | { readonly id: string }
  | { readonly scope: string; readonly target?: string }
  | { readonly status: string }
  | { readonly version: number | JNumber }
  | { readonly priority: number | JNumber }
  | { readonly description: string }
  | { readonly when: string }
  | { readonly if: JExpr }
  | { readonly action: readonly JAction[] });

export interface JPair { readonly key: string; readonly value: JValue }

export type JStep = JComments & (
  | { readonly given: readonly JPair[] }
  | { readonly call: string; readonly args?: JValue }
  | { readonly run: string }
  | { readonly discover: string; readonly pairs?: readonly JPair[] }
  | { readonly message: "to_user" | "from_user"; readonly text: string }
  | { readonly respond: { readonly cost?: { readonly amount: number | JNumber; readonly currency: string }; readonly result?: JValue } }
  | { readonly replay: string }
  | { readonly expect: string; readonly negated?: true; readonly event?: number | JNumber; readonly calls?: string; readonly argument?: JValue; readonly by?: JValue });

/** A block's comment on its opening line and the comments before its closing brace. */
export interface JBlockComments {
  readonly comments?: readonly string[];
  readonly open?: string;
  readonly end_comments?: readonly string[];
}

export type JDecl =
  | (JBlockComments & { readonly kind: "policy"; readonly name: string; readonly items: readonly JPolicyItem[] })
  | (JBlockComments & { readonly kind: "test"; readonly name: string; readonly steps: readonly JStep[] })
  | (JComments & { readonly kind: "default"; readonly for?: readonly JDefaultTarget[]; readonly effect: string })
  | (JBlockComments & { readonly kind: "default"; readonly for?: readonly JDefaultTarget[]; readonly by: string; readonly entries: readonly (JComments & { readonly operation: string; readonly effect: string })[] })
  | (JComments & { readonly kind: "detector"; readonly name: string; readonly pattern: string; readonly flags: string; readonly class?: string })
  | (JBlockComments & { readonly kind: "organization"; readonly entries: readonly (JComments & JPair)[] });

export interface JFile {
  readonly file: string;
  readonly declarations: readonly JDecl[];
  readonly end_comments?: readonly string[];
}

export interface ExportDoc {
  readonly format: "policy-export/1";
  readonly generator?: string;
  readonly files: readonly JFile[];
}

/** `for integration GitHub` · `for tenant "acme"`: one key of a default's target. */
export interface JDefaultTarget { readonly key: string; readonly value: JValue }
