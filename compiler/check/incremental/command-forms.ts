/**
 * Stricter command forms left out (PDL4023, `rules/command-forms.ts`) kept up to date. What the
 * rule says about a policy p naming tool t depends on the restricting policies that name one of
 * t's stricter forms u; so a change to a policy naming u concerns the policies naming a tool t
 * that has u among its forms (`reverse`), and only those are looked at again.
 */
import type { Diagnostic } from "../../../grammar/diagnostic.js";
import type { Catalog } from "../../catalog/catalog.js";
import type { CheckedPolicy } from "../../model.js";
import { formDiagnostics, formTools, namedTools, restricting } from "../rules/command-forms.js";
import { addTo, removeFrom, type CheckedEntry, type CrossFileRule } from "./rule.js";

export class CommandForms implements CrossFileRule {
  private readonly tools = new Map<CheckedEntry, readonly string[]>();
  private readonly byTool = new Map<string, Set<CheckedEntry>>();
  /** A form u → the tools t that have u among their stricter forms (for every t seen so far). */
  private readonly reverse = new Map<string, Set<string>>();
  private readonly seen = new Set<string>();
  /** What the rule says about a policy, and the declaration it was said of (re-said when the policy moved). */
  private readonly found = new Map<CheckedEntry, { readonly decl: CheckedEntry["decl"]; readonly diagnostics: readonly Diagnostic[] }>();

  constructor(private readonly catalog: Catalog) {}

  update(added: readonly CheckedEntry[], removed: readonly CheckedEntry[]): void {
    const changedTools = new Set<string>();
    for (const e of removed) {
      const ts = this.tools.get(e);
      if (!ts) continue;
      this.tools.delete(e);
      this.found.delete(e);
      for (const t of ts) { removeFrom(this.byTool, t, e); changedTools.add(t); }
    }
    const fresh = added.filter((e) => restricting(e.policy));
    for (const e of fresh) {
      const ts = namedTools(e.policy);
      this.tools.set(e, ts);
      for (const t of ts) { addTo(this.byTool, t, e); changedTools.add(t); this.learn(t); }
    }
    const affected = new Set(fresh);
    for (const u of changedTools) for (const t of this.reverse.get(u) ?? []) for (const p of this.byTool.get(t) ?? []) affected.add(p);
    for (const p of affected) this.decide(p);
  }

  diagnostics(all: readonly CheckedEntry[]): Diagnostic[] {
    if (this.found.size === 0) return [];
    const out: Diagnostic[] = [];
    for (const e of all) {
      let f = this.found.get(e);
      if (f && f.decl !== e.decl) { this.decide(e); f = this.found.get(e); }
      if (f) out.push(...f.diagnostics);
    }
    return out;
  }

  /** Records which forms `t` has (once per tool). */
  private learn(t: string): void {
    if (this.seen.has(t)) return;
    this.seen.add(t);
    for (const u of formTools(this.catalog, t)) addTo(this.reverse, u, t);
  }

  private decide(p: CheckedEntry): void {
    const policiesNaming = (u: string): CheckedPolicy[] => [...(this.byTool.get(u) ?? [])].map((e) => e.policy);
    const found = formDiagnostics(this.catalog, p.policy, this.tools.get(p)!, policiesNaming);
    if (found.length) this.found.set(p, { decl: p.decl, diagnostics: found }); else this.found.delete(p);
  }
}
