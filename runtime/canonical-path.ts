/**
 * Canonical file paths: the one spelling of a path that policies compare with, whatever spelling
 * the agent used (`./a`, `sub/../a`, `.//a`, `/root/a`, `a%2Etxt`, `~/a`).
 *
 * The rules, in order:
 * 1. Percent-escapes are decoded until none is left (so `%2E` is `.`, and a double-encoded `%252E`
 *    is `.` too). That makes the canonical form a fixed point: canonicalising it again changes nothing.
 * 2. `/` and `\` both separate components; the text is put in Unicode NFC (servers such as the
 *    filesystem server open an NFC-equivalent name when the exact one does not exist).
 * 3. A path is *ambiguous* when servers may disagree on where its components are: a percent-escape
 *    that decodes to a separator (`%2F`, `%5C`), a `.`/`..` component spelled with escapes
 *    (`%2E%2E`), a `.`/`..` component that only a backslash separates (`a\..\b`: one file name on
 *    POSIX, a step up on Windows), a backslash anywhere in a path with a `..` component (`a\b/..`:
 *    how many components `..` climbs depends on the server), or escapes that are not UTF-8.
 *    Ambiguous paths are not given a canonical form: the enforcer blocks the call (fail closed)
 *    rather than guess.
 * 4. `~` alone or as the first component is the home folder, when it is known.
 * 5. Empty and `.` components are dropped, `..` removes the component before it (`/..` is `/`; a
 *    relative path keeps its leading `..`).
 * 6. With a root (the folder the server resolves relative paths against), a relative path is
 *    resolved against it, and a path inside the root is written relative to it (`.` for the root
 *    itself). A path that escapes the root, or an absolute path outside it, stays absolute: it can
 *    never equal a path inside the root, which is relative and never starts with `..` or `/`.
 * INVARIANT: `canonicalPath(canonicalPath(p).path)` is `canonicalPath(p)` (fast-check property).
 */

/** Where relative paths resolve and what `~` is; both absolute paths, both optional. */
export interface PathContext {
  readonly root?: string | undefined;
  readonly home?: string | undefined;
}

export type CanonicalPath = { readonly path: string } | { readonly ambiguous: string };

const ESCAPE = /%[0-9A-Fa-f]{2}/;
const MAX_DECODES = 8;

/** Decodes percent-escapes until none is left; undefined when they are not UTF-8 (or nest absurdly). */
function decodeAll(s: string): string | undefined {
  let out = s;
  for (let i = 0; i < MAX_DECODES && ESCAPE.test(out); i++) {
    try {
      // A lone `%` (not followed by two hex digits) is a plain character.
      out = decodeURIComponent(out.replace(/%(?![0-9A-Fa-f]{2})/g, "%25"));
    } catch {
      return undefined;
    }
  }
  return ESCAPE.test(out) ? undefined : out;
}

const isDot = (c: string): boolean => c === "." || c === "..";

/** Why a raw path is ambiguous (see rule 3), or undefined. */
function ambiguity(raw: string): string | undefined {
  const byBoth = raw.split(/[/\\]/);
  for (const c of byBoth) {
    const d = decodeAll(c);
    if (d === undefined) return "its percent-escapes are not UTF-8";
    if (/[/\\]/.test(d)) return "a percent-escape hides a separator";
    if (isDot(d) && !isDot(c)) return "a percent-escape hides a . or .. component";
  }
  if (raw.split("/").filter(isDot).length !== byBoth.filter(isDot).length) return "a backslash separates a . or .. component";
  // `a\b/..` is `.` where `\` separates and `..` where it does not.
  if (raw.includes("\\") && byBoth.includes("..")) return "a backslash and a .. component: the number of components climbed is unclear";
  return undefined;
}

/**
 * Parts of a path: `drive` is "" (POSIX), `C:` (a Windows drive) or `~` (the home folder, when it
 * is not known: a leading `..` below it is kept, since it is not known what it climbs out of).
 */
interface Parts { readonly abs: boolean; readonly drive: string; readonly comps: readonly string[] }

/** `C:` of a Windows drive path (upper-cased), `~` of a home path, or "". */
function driveOf(s: string): string {
  if (/^[A-Za-z]:(?:[/\\]|$)/.test(s)) return s[0]!.toUpperCase() + ":";
  return /^~(?:[/\\]|$)/.test(s) ? "~" : "";
}

/** Splits and normalises (rule 5). */
function partsOf(s: string): Parts {
  const drive = driveOf(s);
  const rest = s.slice(drive.length);
  const abs = drive !== "" || rest.startsWith("/") || rest.startsWith("\\");
  const keepUp = !abs || drive === "~";
  const comps: string[] = [];
  for (const c of rest.split(/[/\\]/)) {
    if (c === "" || c === ".") continue;
    if (c === "..") {
      if (comps.length && comps[comps.length - 1] !== "..") comps.pop();
      else if (keepUp) comps.push("..");
      continue;
    }
    comps.push(c);
  }
  return { abs, drive, comps };
}

function show(p: Parts): string {
  if (p.drive === "~") return p.comps.length ? `~/${p.comps.join("/")}` : "~";
  if (p.abs) return `${p.drive}/${p.comps.join("/")}`;
  if (!p.comps.length) return ".";
  // A relative path whose first component reads as a drive or the home folder keeps a `./`.
  return driveOf(p.comps[0]!) ? `./${p.comps.join("/")}` : p.comps.join("/");
}

/** An absolute context path (root or home) as parts, or undefined when it is not absolute. */
function absParts(s: string | undefined): Parts | undefined {
  if (s === undefined) return undefined;
  const p = partsOf(s);
  return p.abs && p.drive !== "~" ? p : undefined;
}

/** Is `p` inside `root` (component-wise)? Then the components below it. */
function below(p: Parts, root: Parts): readonly string[] | undefined {
  if (!p.abs || p.drive !== root.drive || p.comps.length < root.comps.length) return undefined;
  for (let i = 0; i < root.comps.length; i++) if (p.comps[i] !== root.comps[i]) return undefined;
  return p.comps.slice(root.comps.length);
}

/** The canonical form of a path (see the header), or why it has none. */
export function canonicalPath(raw: string, ctx: PathContext = {}): CanonicalPath {
  const why = ambiguity(raw);
  const decoded = why === undefined ? decodeAll(raw) : undefined;
  if (decoded === undefined) return { ambiguous: why ?? "its percent-escapes are not UTF-8" };
  return { path: show(resolveParts(decoded.normalize("NFC"), ctx)) };
}

/** Rules 4–6 on a decoded path: the parts of its canonical form. */
function resolveParts(decoded: string, ctx: PathContext): Parts {
  const home = absParts(ctx.home);
  const p = home && driveOf(decoded) === "~" ? partsOf(`${show(home)}/${decoded.slice(1)}`) : partsOf(decoded);
  const root = absParts(ctx.root);
  if (!root || p.drive === "~") return p;
  const full = p.abs ? p : partsOf(`${show(root)}/${p.comps.join("/")}`);
  const rel = below(full, root);
  return rel ? { abs: false, drive: "", comps: rel } : full;
}

/**
 * `under`: is canonical path `path` the folder `anchor` or inside it, component by component
 * (`/etc2` is not under `/etc`)? Both are canonical in the same context; with a root, relative
 * paths are compared as the absolute paths they stand for, so `under "/"` holds for all of them.
 */
export function pathUnder(path: string, anchor: string, ctx: PathContext = {}): boolean {
  const root = absParts(ctx.root);
  const full = (s: string): Parts => {
    const p = partsOf(s);
    return root && !p.abs ? partsOf(`${show(root)}/${p.comps.join("/")}`) : p;
  };
  const p = full(path), a = full(anchor);
  if (p.abs !== a.abs || p.drive !== a.drive || p.comps.length < a.comps.length) return false;
  for (let i = 0; i < a.comps.length; i++) if (p.comps[i] !== a.comps[i]) return false;
  return true;
}
