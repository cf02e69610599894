/**
 * Shadowed policies (PDL4001, `rules/shadowed.ts`) kept up to date. A policy q can shadow p only
 * when every `if` line of q is one of p's, so a change to q concerns only the policies holding all
 * of q's lines: they are found through the postings of q's rarest line (every line → the policies
 * that have it) and looked at again; the others keep their result. A policy without `if` lines
 * can shadow any other: adding or removing one looks at every policy again.
 * Candidates are indexed as in the rule: each q under one of its lines (the rarest when indexed).
 */
import type { Diagnostic } from "../../../grammar/diagnostic.js";
import { ifKeys, shadowable, shadowedDiagnostic, shadows } from "../rules/shadowed.js";
import { addTo, removeFrom, type CheckedEntry, type CrossFileRule } from "./rule.js";

interface Keys { readonly list: readonly string[]; readonly set: ReadonlySet<string>; under: string | undefined }

export class Shadowed implements CrossFileRule {
  private readonly keys = new Map<CheckedEntry, Keys>();
  /** Every `if` line → the policies that have it. */
  private readonly postings = new Map<string, Set<CheckedEntry>>();
  /** The candidate index: each policy under one of its lines. */
  private readonly byKey = new Map<string, Set<CheckedEntry>>();
  private readonly unconstrained = new Set<CheckedEntry>();
  /** A shadowed policy → the one that shadows it. */
  private readonly found = new Map<CheckedEntry, CheckedEntry>();
  /** The diagnostics last made, with the declarations they were made of (made again when either moved). */
  private readonly made = new Map<CheckedEntry, { readonly p: unknown; readonly q: unknown; readonly d: Diagnostic }>();

  update(added: readonly CheckedEntry[], removed: readonly CheckedEntry[]): void {
    const changed: Keys[] = [];
    for (const e of removed) {
      const k = this.keys.get(e);
      if (k) { this.drop(e, k); changed.push(k); }
    }
    const fresh = added.filter((e) => shadowable(e.policy));
    for (const e of fresh) {
      const list = ifKeys(e.policy);
      const k: Keys = { list, set: new Set(list), under: undefined };
      this.keys.set(e, k);
      for (const x of k.set) addTo(this.postings, x, e);
      changed.push(k);
    }
    for (const e of fresh) this.index(e, this.keys.get(e)!);
    // Every policy new (the first check): each is decided once, no need to look for the concerned ones.
    const all = fresh.length === this.keys.size;
    for (const p of all ? fresh : this.affected(changed, fresh)) this.decide(p);
  }

  diagnostics(all: readonly CheckedEntry[]): Diagnostic[] {
    if (this.found.size === 0) return [];
    const out: Diagnostic[] = [];
    for (const e of all) {
      const q = this.found.get(e);
      if (!q) continue;
      let m = this.made.get(e);
      if (!m || m.p !== e.decl || m.q !== q.decl) this.made.set(e, (m = { p: e.decl, q: q.decl, d: shadowedDiagnostic(e.policy, q.policy) }));
      out.push(m.d);
    }
    return out;
  }

  private drop(e: CheckedEntry, k: Keys): void {
    this.keys.delete(e);
    this.found.delete(e);
    this.made.delete(e);
    for (const x of k.set) removeFrom(this.postings, x, e);
    if (k.under === undefined) this.unconstrained.delete(e); else removeFrom(this.byKey, k.under, e);
  }

  private index(e: CheckedEntry, k: Keys): void {
    let rarest: string | undefined;
    for (const x of k.set) if (rarest === undefined || this.postings.get(x)!.size < this.postings.get(rarest)!.size) rarest = x;
    k.under = rarest;
    if (rarest === undefined) this.unconstrained.add(e); else addTo(this.byKey, rarest, e);
  }

  /** The policies whose result a change of the policies with lines `changed` can alter. */
  private affected(changed: readonly Keys[], fresh: readonly CheckedEntry[]): Iterable<CheckedEntry> {
    const out = new Set(fresh);
    for (const q of changed) {
      if (q.set.size === 0) return this.keys.keys();
      let smallest: Set<CheckedEntry> | undefined;
      for (const x of q.set) {
        const s = this.postings.get(x);
        if (!s) { smallest = undefined; break; }
        if (!smallest || s.size < smallest.size) smallest = s;
      }
      for (const p of smallest ?? []) if ([...q.set].every((x) => this.keys.get(p)!.set.has(x))) out.add(p);
    }
    return out;
  }

  /** The rule for one policy: the first candidate in project order that shadows it. */
  private decide(p: CheckedEntry): void {
    const mine = this.keys.get(p)!;
    const candidates = [...this.unconstrained];
    for (const x of mine.set) for (const q of this.byKey.get(x) ?? []) candidates.push(q);
    candidates.sort((a, b) => a.policy.order - b.policy.order);
    const q = candidates.find((c) => shadows(c.policy, this.keys.get(c)!.list, p.policy, mine.set));
    if (q) { if (this.found.get(p) !== q) this.made.delete(p); this.found.set(p, q); } else { this.found.delete(p); this.made.delete(p); }
  }
}
