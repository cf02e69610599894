/**
 * What the incremental check keeps per policy declaration (`PolicyEntry`), and the shape of a
 * cross-file rule kept up to date edit by edit (`CrossFileRule`).
 */
import type * as A from "../../../grammar/ast.js";
import type { Diagnostic } from "../../../grammar/diagnostic.js";
import type { CheckedPolicy } from "../../model.js";

/**
 * One policy declaration as last checked. An entry is replaced (never changed) when its
 * declaration, file or environment changes, so "the same entry" means "the same policy".
 */
export interface PolicyEntry {
  /** The declaration (the latest, when a parse moved it unchanged: see `DeclMove`). */
  decl: A.PolicyDecl;
  readonly file: string;
  /** The environment it was checked in (`CheckContext.envKey` and the approvers roster). */
  readonly env: string;
  /** The checked policy, its `order` that of the latest check; undefined when the policy has errors. */
  policy: CheckedPolicy | undefined;
  /** Its own diagnostics: its check, its approvers (PDL2073), contradictory integrations (PDL4002). */
  diagnostics: readonly Diagnostic[];
  /** The last cross-file update that saw it (`CheckMemo`'s counter), and its place among the checked entries then. */
  seen: number;
  place: number;
}

/**
 * A declaration that a parse moved, unchanged, from an earlier parse of the same file (the
 * language server's re-parse after an edit above it): `from`, shifted by `offset` characters and
 * `lines` lines, columns unchanged. Its check is the earlier one, moved the same way.
 */
export interface DeclMove {
  readonly from: A.Decl;
  readonly offset: number;
  readonly lines: number;
}

/** A checked entry (its `policy` is defined). */
export type CheckedEntry = PolicyEntry & { policy: CheckedPolicy };

/**
 * A rule over several policies, brought up to date from what changed since the last check.
 * INVARIANT: after `update`, `diagnostics` equals what the rule reports over all policies at once.
 */
export interface CrossFileRule {
  /**
   * `added` and `removed`: the entries new since the last check and those gone. Kept entries
   * keep their relative order (their `order` numbers may have moved) and what they say, but may
   * have moved in their file: diagnostics are made from the entries as they are at `diagnostics`.
   */
  update(added: readonly CheckedEntry[], removed: readonly CheckedEntry[]): void;
  /** The rule's diagnostics for `all` (the current entries, in project order). */
  diagnostics(all: readonly CheckedEntry[]): Diagnostic[];
}

/** Adds `v` to the set kept under `k`. */
export function addTo<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  const s = m.get(k);
  if (s) s.add(v); else m.set(k, new Set([v]));
}

/** Removes `v` from the set kept under `k` (and the set when it empties). */
export function removeFrom<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  const s = m.get(k);
  if (s?.delete(v) && s.size === 0) m.delete(k);
}
