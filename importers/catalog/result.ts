/**
 * Result, error and report types of `policy catalog import`. Errors are values: an import
 * never throws for bad input, it returns `{ ok: false, errors }` with JSON pointers.
 */
import type { ArgKind, CatalogJson, Operation } from "../../compiler/catalog/types.js";
import type { OperationSource } from "./classify.js";

/** Stable error codes; the CLI maps `unreadable-input` to exit status 2, the rest to 1. */
export type ImportErrorCode =
  | "unreadable-input" | "bad-syntax" | "not-a-tool-list" | "json-rpc-error" | "bad-tool"
  | "missing-name" | "duplicate-name" | "bad-input-schema" | "not-openapi" | "broken-ref"
  | "bad-overrides" | "bad-integration";

/** One import error, located by a JSON pointer into the input document. */
export interface ImportError {
  readonly code: ImportErrorCode;
  /** JSON pointer (RFC 6901) into `file`; "" is the whole document. */
  readonly pointer: string;
  readonly message: string;
  /** What to do about it. */
  readonly hint?: string;
  /** The file the pointer refers to, when known. */
  readonly file?: string;
}

/** Something imported that deserves a look but did not stop the import. */
export interface ImportWarning {
  readonly pointer: string;
  readonly message: string;
  readonly hint?: string;
  readonly file?: string;
}

/** A label in the report: guessed by import or set by an override. */
export interface LabelReport {
  readonly label: string;
  readonly guessed: boolean;
  readonly reason: string;
}

/** How one tool was imported. */
export interface ToolReport {
  readonly name: string;
  readonly operation: Operation;
  readonly source: OperationSource;
  /** True when the operation rests on a guess from the name (see `classify`). */
  readonly guessed: boolean;
  readonly reason: string;
  readonly verbs: readonly string[];
  readonly notes: readonly string[];
  readonly labels: readonly LabelReport[];
  readonly resource?: { readonly name: string; readonly guessed: boolean };
  readonly category?: { readonly name: string; readonly guessed: boolean };
  /** Arguments read in canonical form (`arg_kinds`): guessed from names and schemas, or set by an override. */
  readonly argKinds?: readonly { readonly path: string; readonly kind: ArgKind; readonly guessed: boolean; readonly reason: string }[];
  /** Fields set by the overrides file. */
  readonly overridden: readonly string[];
}

/** Totals of a report. */
export interface ImportCounts {
  readonly tools: number;
  readonly byOperation: Readonly<Record<Operation, number>>;
  readonly bySource: Readonly<Record<OperationSource, number>>;
  /** Tools whose operation was guessed from the name. */
  readonly guessedOperations: number;
  /** Labels guessed (not from overrides). */
  readonly guessedLabels: number;
  /** Tools touched by the overrides file. */
  readonly overridden: number;
}

/** The report of one import (`formatReport` renders it). */
export interface ImportReport {
  readonly format: "policy-catalog-import-report/1";
  readonly from: "mcp" | "openapi";
  readonly integration: string;
  readonly counts: ImportCounts;
  readonly tools: readonly ToolReport[];
  /** Names of tools whose operation stayed Unknown. */
  readonly unknown: readonly string[];
  readonly warnings: readonly ImportWarning[];
}

/** The outcome of an import. */
export type ImportResult =
  | { readonly ok: true; readonly catalog: CatalogJson; readonly report: ImportReport }
  | { readonly ok: false; readonly errors: readonly ImportError[] };

/** RFC 6901 escape of one pointer token. */
export function pointerToken(token: string | number): string {
  return String(token).replace(/~/g, "~0").replace(/\//g, "~1");
}

/** A JSON pointer from tokens: ["paths", "/a", "get"] → "/paths/~1a/get". */
export function pointer(...tokens: readonly (string | number)[]): string {
  return tokens.map((t) => "/" + pointerToken(t)).join("");
}
