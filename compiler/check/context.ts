/**
 * State shared by the check rules: the catalog, the diagnostics sink, what the project declares
 * (detector classes, organization) and, per policy, the integrations it constrains.
 */
import { distance } from "fastest-levenshtein";
import type * as A from "../../grammar/ast.js";
import type { Diagnostic, Fix, RelatedInfo } from "../../grammar/diagnostic.js";
import { diagnostic, type Code } from "../diagnostics/codes.js";
import type { Span } from "../../grammar/span.js";
import type { Catalog } from "../catalog/catalog.js";
import type { Trigger } from "../../runtime/types.js";

/** The type of a declared user claim (`policy.config.json` `user_claims`). */
export type ClaimType = "string" | "number" | "boolean" | "string[]" | "number[]";

const catalogIds = new WeakMap<Catalog, number>();
let nextCatalogId = 1;
/** A number that names one catalog object (a catalog is not changed once loaded). */
function catalogId(c: Catalog): number {
  let id = catalogIds.get(c);
  if (id === undefined) { id = nextCatalogId++; catalogIds.set(c, id); }
  return id;
}

export class CheckContext {
  readonly diagnostics: Diagnostic[] = [];
  /** Declared user claims by name; undefined when the project declares none (claims are untyped). */
  userClaims: ReadonlyMap<string, ClaimType> | undefined;
  /** Data classes available: built-in + declared by detectors. */
  readonly dataClasses = new Set<string>();
  hasOrganization = false;
  constructor(readonly catalog: Catalog) {}

  /**
   * Everything a policy's check reads besides the policy itself and its file name, as one string:
   * the incremental check (`incremental/`) keeps a policy's result only while this is unchanged.
   * INVARIANT: a field that the rules read must be part of it.
   */
  envKey(): string {
    return JSON.stringify([catalogId(this.catalog), [...this.dataClasses], this.hasOrganization, this.userClaims ? [...this.userClaims] : null]);
  }

  /** Reports a diagnostic; its severity is the one the registry gives the code. */
  report(code: Code, span: Span, message: string, hint?: string, extra?: { related?: RelatedInfo[]; fixes?: Fix[] }): void {
    this.diagnostics.push(diagnostic(code, span, message, hint, extra));
  }
  /** `report`, read at call sites of codes the registry makes errors (the registry still decides). */
  error(code: Code, span: Span, message: string, hint?: string, extra?: { related?: RelatedInfo[]; fixes?: Fix[] }): void {
    this.report(code, span, message, hint, extra);
  }
  /** `report`, read at call sites of codes the registry makes warnings (the registry still decides). */
  warn(code: Code, span: Span, message: string, hint?: string, extra?: { related?: RelatedInfo[]; fixes?: Fix[] }): void {
    this.report(code, span, message, hint, extra);
  }
}

/** Per-policy context for condition rules. */
export interface PolicyScope {
  readonly ctx: CheckContext;
  /** Integration ids the policy constrains with `integration is/in` on its own `if` lines (undefined: none). */
  readonly integrations: readonly string[] | undefined;
  readonly trigger: Trigger;
  /** `result.<path>` references (`when tool_response`), checked against result schemas once the tools are known. */
  readonly resultRefs?: import("./rules/subject-args.js").ArgRef[];
}

/** The closest candidate, when close enough to be a plausible typo. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const w = word.toLowerCase();
  for (const c of candidates) {
    const d = distance(w, c.toLowerCase());
    if (d < bestD) { bestD = d; best = c; }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

export function didYouMean(word: string, candidates: Iterable<string>, span: Span): { hint: string | undefined; fixes: Fix[] } {
  const list = [...candidates];
  const s = suggest(word, list);
  if (s) return { hint: `did you mean \`${s}\`?`, fixes: [{ title: `Change to '${s}'`, span, text: s }] };
  if (list.length > 12) return { hint: `closest: ${closest(word, list, 8).join(", ")}, …`, fixes: [] };
  return { hint: list.length ? `expected one of: ${list.join(", ")}` : undefined, fixes: [] };
}

/**
 * The `n` candidates nearest to `word`: those that contain it, or that it contains, first; then by
 * edit distance; ties in list order. A long list is ranked, never cut at its first entries.
 */
export function closest(word: string, candidates: readonly string[], n: number): string[] {
  const w = word.toLowerCase();
  const score = (c: string) => {
    const l = c.toLowerCase();
    return (l.includes(w) || w.includes(l) ? 0 : 1000) + distance(w, l);
  };
  return candidates.map((c, i) => ({ c, i, d: score(c) })).sort((a, b) => a.d - b.d || a.i - b.i).slice(0, n).map((x) => x.c);
}

/** The items of a value used with `in`: a list, or (tolerated) a single value. */
export function itemsOf(v: A.Value | undefined): readonly A.Value[] {
  if (!v) return [];
  return v.kind === "List" ? v.items : [v];
}

/** A bare word or a string, as text (enum literals may be bare or quoted). */
export function wordOf(v: A.Value): string | undefined {
  return v.kind === "Name" || v.kind === "String" ? v.value : undefined;
}
