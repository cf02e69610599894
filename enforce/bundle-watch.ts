/**
 * Hot reload: the bundle file is polled (robust to editors and to `policy build -o`, which
 * renames a new file into place); a new revision that validates is loaded for new sessions.
 * A file that does not parse or validate is reported and ignored: the old bundle stays.
 * With a public key, every bundle (the first one and each reload) must carry a valid detached
 * signature (`<bundle>.sig`), checked by the runtime's own verifier; otherwise it is not loaded.
 */
import { readFileSync, unwatchFile, watchFile, type Stats } from "node:fs";
import { checkBundleFile } from "../compiler/emit/index.js";
import type { Bundle } from "../runtime/types.js";
import { verifyBundle } from "../runtime/verify.js";

export type BundleRead = { ok: true; bundle: Bundle } | { ok: false; error: string };

/** Reads and validates a bundle file. */
export function readBundleFile(file: string): BundleRead {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    return { ok: false, error: `cannot read bundle "${file}": ${(e as Error).message}` };
  }
  const r = checkBundleFile(v, file);
  return "problem" in r ? { ok: false, error: r.problem } : { ok: true, bundle: r.bundle };
}

/** Reads a bundle and checks its detached signature (`<file>.sig`) against the public key (PEM). */
export async function readSignedBundleFile(file: string, publicKeyPem: string): Promise<BundleRead> {
  let bytes: string;
  let sig: string;
  try {
    bytes = readFileSync(file, "utf8");
    sig = readFileSync(`${file}.sig`, "utf8");
  } catch (e) {
    return { ok: false, error: `cannot read signed bundle "${file}" and its .sig: ${(e as Error).message}` };
  }
  const v = await verifyBundle(bytes, sig, publicKeyPem);
  if (!v.ok) return { ok: false, error: `bundle "${file}" is not verified: ${v.reason}` };
  const r = checkBundleFile(v.bundle, file);
  return "problem" in r ? { ok: false, error: r.problem } : { ok: true, bundle: r.bundle };
}

/** Calls `onBundle` with each new valid bundle written to `file`; returns a function that stops watching. */
export function watchBundle(file: string, onBundle: (b: Bundle) => void, onError: (message: string) => void, intervalMs = 500, publicKeyPem?: string): () => void {
  const listener = (cur: Stats, prev: Stats) => {
    if (cur.mtimeMs === prev.mtimeMs && cur.size === prev.size && cur.ino === prev.ino) return;
    if (cur.nlink === 0) return; // removed for now; wait for the new file
    const done = (r: BundleRead) => { if (r.ok) onBundle(r.bundle); else onError(`${r.error} (keeping the loaded bundle)`); };
    if (publicKeyPem === undefined) done(readBundleFile(file));
    else void readSignedBundleFile(file, publicKeyPem).then(done, (e: Error) => onError(`${e.message} (keeping the loaded bundle)`));
  };
  watchFile(file, { interval: intervalMs, persistent: false }, listener);
  return () => unwatchFile(file, listener);
}
