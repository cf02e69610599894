/**
 * The folders an upstream reads path arguments against: its root (where relative paths resolve,
 * and what absolute paths inside it are made relative to) and the home folder `~` stands for.
 * - root: `--root` when given; otherwise, for a server started over stdio, its first argument that
 *   is an existing directory (the filesystem server's allowed directory, the git server's
 *   `--repository`), as its real path: the path such servers report and resolve against.
 * - home: the server's `HOME` (from the upstream's environment, else this process's home folder)
 *   for a server started over stdio; unknown for one reached over HTTP.
 */
import { realpathSync, statSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import type { Upstream, UpstreamSpec } from "./upstream.js";

export interface UpstreamFolders {
  readonly root?: string;
  readonly home?: string;
  /** Where the root came from, for the start-up log. */
  readonly rootFrom?: "--root" | "arguments";
}

const isDir = (p: string): boolean => { try { return statSync(p).isDirectory(); } catch { return false; } };
const real = (p: string): string => { try { return realpathSync(p); } catch { return p; } };

const cache = new WeakMap<Upstream, UpstreamFolders>();

/** The folders of a connected upstream (computed once). */
export function foldersOf(u: Upstream): UpstreamFolders {
  let f = cache.get(u);
  if (!f) cache.set(u, (f = upstreamFolders(u.spec, u.spec.root)));
  return f;
}

/** The root and home of an upstream (see the header); `root` from `--root` wins. */
export function upstreamFolders(spec: UpstreamSpec, root?: string): UpstreamFolders {
  const home = "command" in spec ? spec.env?.["HOME"] ?? homedir() : undefined;
  const base = "command" in spec ? spec.cwd ?? process.cwd() : process.cwd();
  const withHome = (x: UpstreamFolders): UpstreamFolders => (home && path.isAbsolute(home) ? { ...x, home } : x);
  if (root !== undefined) return withHome({ root: real(path.resolve(base, root)), rootFrom: "--root" });
  if (!("command" in spec)) return withHome({});
  const dir = spec.command.slice(1).find((a) => !a.startsWith("-") && isDir(path.resolve(base, a)));
  return withHome(dir === undefined ? {} : { root: real(path.resolve(base, dir)), rootFrom: "arguments" });
}
