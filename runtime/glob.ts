/** `s` as a regex source that matches exactly `s`. */
export function escapeRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
}

/**
 * Globs of the language: `*` any run of characters (including `/` and `.`), `?` one character,
 * nothing else special. Compiled to anchored regex sources at build time.
 */
export function globToRegexSource(glob: string): string {
  let re = "^";
  for (const ch of glob) {
    if (ch === "*") re += "[\\s\\S]*";
    else if (ch === "?") re += "[\\s\\S]";
    else re += escapeRegex(ch);
  }
  return re + "$";
}
