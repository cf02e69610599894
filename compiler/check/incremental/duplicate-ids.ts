/**
 * Duplicate policy ids (PDL2030, `rules/duplicate-ids.ts`) kept up to date: policies are kept in
 * buckets by id, and only the buckets of the ids that changed are looked at again.
 */
import type { Diagnostic } from "../../../grammar/diagnostic.js";
import { duplicateDiagnostic } from "../rules/duplicate-ids.js";
import type { CheckedEntry, CrossFileRule } from "./rule.js";

export class DuplicateIds implements CrossFileRule {
  private readonly buckets = new Map<string, CheckedEntry[]>();
  /** A policy → the earlier one with its id. */
  private readonly found = new Map<CheckedEntry, CheckedEntry>();

  update(added: readonly CheckedEntry[], removed: readonly CheckedEntry[]): void {
    const touched = new Set<string>();
    const gone = new Set(removed);
    for (const e of removed) { touched.add(e.policy.id); this.found.delete(e); }
    for (const id of touched) this.buckets.set(id, (this.buckets.get(id) ?? []).filter((e) => !gone.has(e)));
    for (const e of added) {
      touched.add(e.policy.id);
      const b = this.buckets.get(e.policy.id);
      if (b) b.push(e); else this.buckets.set(e.policy.id, [e]);
    }
    for (const id of touched) {
      const b = this.buckets.get(id)!.sort((x, y) => x.policy.order - y.policy.order);
      if (b.length === 0) { this.buckets.delete(id); continue; }
      // The first of the id is the one the others are reported against.
      this.found.delete(b[0]!);
      for (const e of b.slice(1)) this.found.set(e, b[0]!);
    }
  }

  diagnostics(all: readonly CheckedEntry[]): Diagnostic[] {
    if (this.found.size === 0) return [];
    const out: Diagnostic[] = [];
    for (const e of all) { const prev = this.found.get(e); if (prev) out.push(duplicateDiagnostic(e.policy, prev.policy)); }
    return out;
  }
}
