/**
 * Atoms: the leaves of the policies' conditions that the tool alone does not decide, each a
 * boolean of the event (`agent is "Cursor"`, `args.repo matches "secrets-*"`, `session has called
 * x`) or of the policy's scope (`tenant is "acme"`). An analysis works on a policy's condition for
 * one target (a catalog tool, an unknown tool, agent discovery) folded to a `Cond` over atoms.
 *
 * Each atom belongs to a dimension: the event field it reads (`agent`, `review`, `tenant`,
 * `call_type`, `tool_name`, `args.<path>`); atoms of one dimension are related (an agent has one
 * name), and `dims.ts` knows how. Every other kind, including condition kinds added later, is an
 * opaque atom of its own dimension: an independent boolean, so an analysis never assumes more
 * about it than that it can hold or not (sound for kinds it does not model).
 */
import type { CExpr } from "../../runtime/types.js";

/** A scope read as a condition: `scope tenant "acme"` holds when the event's tenant is acme. */
export type ScopeAtom = { readonly k: "tenant"; readonly tenant: string };
/** A policy's status read as a condition: the policy is in the set (a status edit flips it). */
export type StatusAtom = { readonly k: "policy_active"; readonly id: string };
/**
 * Facts the runtime reads before or beside the policies: a marked path argument without a
 * canonical form (the call is blocked before any policy runs), and a tool whose live definition
 * differs from its pinned one (`call.definition_changed`: the tool is then `Unreviewed` unless
 * its review is `Disallowed`).
 */
export type PreAtom = { readonly k: "ambiguous_path" } | { readonly k: "definition_changed" };
export type AtomExpr = CExpr | ScopeAtom | StatusAtom | PreAtom;

export interface Atom {
  /** Canonical JSON of the expression: one atom per distinct leaf. */
  readonly key: string;
  /** The dimension (event field) the atom reads; `atom:<key>` for an opaque one. */
  readonly dim: string;
  readonly x: AtomExpr;
}

/** A condition over atoms: constants, atom indexes, and/or/not. */
export type Cond =
  | { readonly k: "c"; readonly v: boolean }
  | { readonly k: "a"; readonly i: number }
  | { readonly k: "and" | "or"; readonly items: readonly Cond[] }
  | { readonly k: "not"; readonly x: Cond };

export const TRUE: Cond = { k: "c", v: true };
export const FALSE: Cond = { k: "c", v: false };

/** The dimension of a leaf. */
export function dimOf(x: AtomExpr, key: string): string {
  switch (x.k) {
    case "agent": return "agent";
    case "review": return "review";
    case "tenant": return "tenant";
    case "call_type": return "call_type";
    case "tool": case "tool_glob": return "tool_name";
    // Array steps (`[n]`, `[*]`, `[all]`) read elements, not one value the dimension can set: opaque.
    case "arg": return x.path.some((p) => p.startsWith("[")) ? `atom:${key}` : `args.${JSON.stringify(x.path)}`;
    case "ambiguous_path": return "ambiguous_path";
    case "definition_changed": return "definition_changed";
    case "policy_active": return `policy:${x.id}`;
    default: return `atom:${key}`;
  }
}

/** The atoms of one analysis (shared by the policy sets it compares), by key. */
export class AtomTable {
  readonly atoms: Atom[] = [];
  private readonly byKey = new Map<string, number>();

  /** The index of the atom for a leaf (added on first sight). */
  of(x: AtomExpr): number {
    const key = JSON.stringify(x);
    let i = this.byKey.get(key);
    if (i === undefined) {
      i = this.atoms.length;
      this.atoms.push({ key, dim: dimOf(x, key), x });
      this.byKey.set(key, i);
    }
    return i;
  }

  find(x: AtomExpr): number | undefined {
    return this.byKey.get(JSON.stringify(x));
  }
}

/** `and` with constants folded. */
export function and(items: readonly Cond[]): Cond {
  const rest: Cond[] = [];
  for (const c of items) {
    if (c.k === "c") { if (!c.v) return FALSE; continue; }
    rest.push(c);
  }
  return rest.length === 0 ? TRUE : rest.length === 1 ? rest[0]! : { k: "and", items: rest };
}

/** `or` with constants folded. */
export function or(items: readonly Cond[]): Cond {
  const rest: Cond[] = [];
  for (const c of items) {
    if (c.k === "c") { if (c.v) return TRUE; continue; }
    rest.push(c);
  }
  return rest.length === 0 ? FALSE : rest.length === 1 ? rest[0]! : { k: "or", items: rest };
}

export function not(x: Cond): Cond {
  return x.k === "c" ? { k: "c", v: !x.v } : x.k === "not" ? x.x : { k: "not", x };
}

/** Truth of a condition under a partial assignment (1 true, 0 false, -1 unknown). */
export function truth(c: Cond, a: Int8Array): 1 | 0 | -1 {
  switch (c.k) {
    case "c": return c.v ? 1 : 0;
    case "a": return a[c.i] as 1 | 0 | -1;
    case "not": { const v = truth(c.x, a); return v === -1 ? -1 : v === 1 ? 0 : 1; }
    case "and": case "or": {
      const stop = c.k === "or" ? 1 : 0;
      let r: 1 | 0 | -1 = stop === 1 ? 0 : 1;
      for (const x of c.items) {
        const v = truth(x, a);
        if (v === stop) return stop;
        if (v === -1) r = -1;
      }
      return r;
    }
  }
}

/** An atom whose value is unknown and that the condition's truth still depends on. */
export function unknownAtom(c: Cond, a: Int8Array): number | undefined {
  switch (c.k) {
    case "c": return undefined;
    case "a": return a[c.i] === -1 ? c.i : undefined;
    case "not": return unknownAtom(c.x, a);
    case "and": case "or":
      for (const x of c.items) if (truth(x, a) === -1) return unknownAtom(x, a);
      return undefined;
  }
}

/** Every atom a condition mentions. */
export function atomsIn(c: Cond, into: Set<number> = new Set()): Set<number> {
  switch (c.k) {
    case "c": break;
    case "a": into.add(c.i); break;
    case "not": atomsIn(c.x, into); break;
    case "and": case "or": for (const x of c.items) atomsIn(x, into); break;
  }
  return into;
}
