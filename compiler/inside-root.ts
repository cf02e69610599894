/**
 * Whether a path lies inside a root folder, compared by real paths (symbolic links followed), so
 * that a `.policy` file, a config or an imported document from a pull request cannot name a file
 * elsewhere on the machine: `"/etc/passwd"`, `"../../secrets"`, or a link pointing out.
 */
import { realpathSync } from "node:fs";
import path from "node:path";

/** True when `file` is `root` or lies under it (both absolute and already resolved). */
export function isUnder(file: string, root: string): boolean {
  const rel = path.relative(root, file);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** The real path of `p`, or of its nearest existing ancestor joined with the rest. */
export function realPath(p: string): string {
  const abs = path.resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    const up = path.dirname(abs);
    return up === abs ? abs : path.join(realPath(up), path.basename(abs));
  }
}

/** True when the file `p` resolves (links followed) to somewhere inside `root`. */
export function insideRoot(p: string, root: string): boolean {
  return isUnder(realPath(p), realPath(root));
}

/** The deepest folder that holds every one of `paths` (absolute; files count by their folder). */
export function commonFolder(paths: readonly string[]): string {
  const parts = paths.map((p) => path.resolve(p).split(path.sep));
  const first = parts[0] ?? [];
  let n = 0;
  while (n < first.length && parts.every((q) => q[n] === first[n])) n++;
  return first.slice(0, n).join(path.sep) || path.sep;
}
