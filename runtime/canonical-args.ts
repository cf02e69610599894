/**
 * The canonical arguments of a call: each argument the catalog marks (`arg_kinds`: `path`,
 * `paths[*]`, `edits[*].path`) as a path or a URL replaced by its canonical form, before any
 * condition sees it. The call's own object is never changed (copy on write). Command lines
 * (`command`) are read elsewhere. An ambiguous path (see `canonical-path.ts`) is reported, and the
 * enforcer blocks the call.
 * Argument paths: `a.b` steps into object keys, `[*]` into every element of an array, `[3]` into
 * one element; the same syntax as `args.` paths in the language.
 */
import type { ArgKind } from "./types.js";
import { canonicalPath, type PathContext } from "./canonical-path.js";
import { canonicalUrl } from "./canonical-url.js";

const own = Object.prototype.hasOwnProperty;

/** `edits[*].path` → `["edits", "[*]", "path"]`; `argv[1]` → `["argv", "[1]"]`; `paths[all]` → `["paths", "[all]"]`. */
export function argPathSegments(path: string): string[] {
  const out: string[] = [];
  for (const part of path.split(".")) {
    const m = /^([^[\]]*)((?:\[(?:\*|all|\d+)\])*)$/.exec(part);
    if (!m) { out.push(part); continue; }
    if (m[1]) out.push(m[1]);
    for (const ix of m[2]!.match(/\[[^\]]*\]/g) ?? []) out.push(ix);
  }
  return out;
}

/** An index segment `[3]` as its number, `[*]` as -1, anything else undefined. */
export function indexOf(seg: string): number | undefined {
  if (seg === "[*]") return -1;
  return /^\[\d+\]$/.test(seg) ? Number(seg.slice(1, -1)) : undefined;
}

export interface CanonicalArgs {
  readonly args: Record<string, unknown>;
  /** `args.path: a percent-escape hides a separator` when a path has no canonical form. */
  readonly ambiguous?: string;
  /** Whether any argument changed. */
  readonly changed: boolean;
}

type Fix = (v: string) => string | { ambiguous: string };

function fixerOf(kind: ArgKind, ctx: PathContext): Fix | undefined {
  if (kind === "path") return (v) => { const c = canonicalPath(v, ctx); return "path" in c ? c.path : c; };
  if (kind === "url") return canonicalUrl;
  return undefined;
}

/** Rewrites the strings at `segs` below `v`; returns the new value (the same one when nothing changed). */
function rewrite(v: unknown, segs: readonly string[], i: number, fix: Fix, where: string, out: { ambiguous?: string }): unknown {
  if (i === segs.length) {
    if (typeof v !== "string") return v;
    const r = fix(v);
    if (typeof r === "string") return r;
    out.ambiguous ??= `${where}: ${r.ambiguous}`;
    return v;
  }
  const seg = segs[i]!;
  const ix = indexOf(seg);
  if (ix !== undefined) {
    if (!Array.isArray(v)) return v;
    let copy: unknown[] | undefined;
    for (let k = 0; k < v.length; k++) {
      if (ix >= 0 && k !== ix) continue;
      const x = rewrite(v[k], segs, i + 1, fix, `${where}[${k}]`, out);
      if (x !== v[k]) (copy ??= [...v])[k] = x;
    }
    return copy ?? v;
  }
  if (typeof v !== "object" || v === null || Array.isArray(v) || !own.call(v, seg)) return v;
  const o = v as Record<string, unknown>;
  const x = rewrite(o[seg], segs, i + 1, fix, `${where}.${seg}`, out);
  return x === o[seg] ? v : { ...o, [seg]: x };
}

/** The call's arguments with the marked ones in canonical form. */
export function canonicalArgs(args: Record<string, unknown>, kinds: Readonly<Record<string, ArgKind>> | null, ctx: PathContext): CanonicalArgs {
  if (!kinds) return { args, changed: false };
  let cur: unknown = args;
  const out: { ambiguous?: string } = {};
  for (const key in kinds) {
    if (!own.call(kinds, key)) continue;
    const fix = fixerOf(kinds[key]!, ctx);
    if (fix) cur = rewrite(cur, argPathSegments(key), 0, fix, "args", out);
  }
  return { args: cur as Record<string, unknown>, changed: cur !== args, ...(out.ambiguous ? { ambiguous: out.ambiguous } : {}) };
}
