/**
 * The proxy refuses to start when its own state (approval records and key, recordings, the
 * decision log) or a file it takes its trust from (an unsigned bundle, which is hot-reloaded; the
 * public key, token file, TLS key, user record, config with users, bundle cache) lies inside a
 * path it hands an upstream server: the agent could otherwise read or rewrite it through that
 * server's tools (e.g. the filesystem server's roots). The paths are
 * found in the upstream's command line: every argument (or the value after `=` in `--opt=value`
 * and in `NAME=value`, as `env NAME=value server` passes it) and every value of its environment
 * settings that names an existing file or folder, resolved against the upstream's working directory.
 */
import { existsSync, realpathSync } from "node:fs";
import path from "node:path";
import type { UpstreamSpec } from "./upstream.js";

/** The real path of `p`, or of its nearest existing ancestor joined with the rest (for paths not created yet). */
export function realPathOf(p: string): string {
  const abs = path.resolve(p);
  let head = abs;
  const rest: string[] = [];
  for (;;) {
    try { return path.join(realpathSync(head), ...rest.reverse()); } catch { /* not there yet */ }
    const up = path.dirname(head);
    if (up === head) return abs;
    rest.push(path.basename(head));
    head = up;
  }
}

/** Existing paths named in an upstream's command line (real paths). */
export function upstreamPaths(spec: UpstreamSpec): string[] {
  if (!("command" in spec)) return [];
  const cwd = spec.cwd ?? process.cwd();
  const out = new Set<string>();
  for (const arg of [...spec.command, ...Object.values(spec.env ?? {})]) {
    const option = /^(?:--?[^=]+|[A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(arg);
    for (const candidate of option ? [option[1]!] : arg.startsWith("-") ? [] : [arg]) {
      const abs = path.resolve(cwd, candidate);
      if (existsSync(abs)) out.add(realPathOf(abs));
    }
  }
  return [...out];
}

function inside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** The first piece of the proxy's state that an upstream can reach, as a message naming both paths. */
export function sharedStateProblem(state: readonly { what: string; path: string }[], upstreams: readonly UpstreamSpec[]): string | undefined {
  for (const u of upstreams) {
    const paths = upstreamPaths(u);
    for (const s of state) {
      const real = realPathOf(s.path);
      const p = paths.find((x) => inside(real, x));
      if (p) return `the ${s.what} ${s.path} lies inside ${p}, which the upstream ${u.integration ?? ("command" in u ? u.command.join(" ") : "")} is given: the agent could read or rewrite it through that server. Move it out (e.g. --state-dir, --record, --decision-log, --bundle elsewhere; a bundle may stay when it is signed and --key given) or pass --allow-shared-state`;
    }
  }
  return undefined;
}
