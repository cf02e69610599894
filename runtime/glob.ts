/** `s` as a regex source that matches exactly `s`. */
export function escapeRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
}

/**
 * The pieces of a glob: `*` any run of characters (including `/` and `.`), `?` one character,
 * `\*` `\?` `\\` the character itself; every other character (a `\` before anything else too)
 * stands for itself.
 */
export type GlobPiece = "*" | "?" | { readonly lit: string };

export function globPieces(glob: string): GlobPiece[] {
  const out: GlobPiece[] = [];
  const chars = [...glob];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    const next = chars[i + 1];
    if (ch === "\\" && (next === "*" || next === "?" || next === "\\")) { out.push({ lit: next }); i++; }
    else if (ch === "*" || ch === "?") out.push(ch);
    else out.push({ lit: ch });
  }
  return out;
}

/** Globs of the language (see `globPieces`), compiled to anchored regex sources at build time. */
export function globToRegexSource(glob: string): string {
  let re = "^";
  for (const p of globPieces(glob)) re += p === "*" ? "[\\s\\S]*" : p === "?" ? "[\\s\\S]" : escapeRegex(p.lit);
  return re + "$";
}

/** The literal text a glob starts with (escapes resolved) and the glob from its first wildcard on. */
export function globLiteralPrefix(glob: string): { prefix: string; rest: string } {
  const pieces = globPieces(glob);
  let prefix = "";
  let i = 0;
  for (; i < pieces.length; i++) {
    const p = pieces[i]!;
    if (typeof p === "string") break;
    prefix += p.lit;
  }
  const rest = pieces.slice(i).map((p) => (typeof p === "string" ? p : p.lit === "*" || p.lit === "?" || p.lit === "\\" ? `\\${p.lit}` : p.lit)).join("");
  return { prefix, rest };
}
