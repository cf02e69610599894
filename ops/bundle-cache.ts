/**
 * The last good pulled bundle on disk, so that a replica restarts without the bundle server:
 * `bundle.json` and `bundle.json.sig` exactly as they were served, and `state.json`
 * (`schemas/bundle-cache.schema.json`: URL, name, revision, signing time, ETag). The folder is
 * 0700 and the files 0600; each file is written to a temporary name and renamed into place, the
 * state last, so that a crash leaves the previous good set or the new one. What is read back is
 * verified again like a download (`bundle-accept.ts`): the cache is never trusted more than the server.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { ajvMessage, schemaValidator } from "../compiler/json/validate.js";

export interface CacheState {
  readonly format: "policy-bundle-cache/1";
  readonly url: string;
  readonly name: string;
  readonly revision: string;
  readonly issued?: string;
  readonly etag?: string;
  readonly last_modified?: string;
  readonly fetched: string;
}

export interface CachedBundle {
  readonly state: CacheState;
  readonly bytes: Buffer;
  readonly sig?: string;
}

function writeAtomic(file: string, data: string | Buffer): void {
  const tmp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  renameSync(tmp, file);
}

export class BundleCache {
  constructor(readonly dir: string) {}

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  /** Stores a bundle that was accepted; the error message, or undefined. */
  save(state: CacheState, bytes: Buffer, sig: string | undefined): string | undefined {
    try {
      const existed = existsSync(this.dir);
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      if (!existed) chmodSync(this.dir, 0o700);
      writeAtomic(this.file("bundle.json"), bytes);
      if (sig !== undefined) writeAtomic(this.file("bundle.json.sig"), sig);
      writeAtomic(this.file("state.json"), JSON.stringify(state, null, 2) + "\n");
      return undefined;
    } catch (e) {
      return `cannot write the bundle cache ${this.dir}: ${(e as Error).message}`;
    }
  }

  /** The cached bundle, nothing when there is none, or the reason it cannot be used. */
  load(): CachedBundle | undefined | { readonly error: string } {
    const stateFile = this.file("state.json");
    if (!existsSync(stateFile)) return undefined;
    try {
      if (!lstatSync(this.dir).isDirectory()) return { error: `${this.dir} is not a folder` };
      const state = JSON.parse(readFileSync(stateFile, "utf8")) as unknown;
      const valid = schemaValidator("bundle-cache.schema.json");
      if (!valid(state)) return { error: `${stateFile}: ${(valid.errors ?? []).map(ajvMessage).join("; ")}` };
      const bytes = readFileSync(this.file("bundle.json"));
      const sigFile = this.file("bundle.json.sig");
      const sig = existsSync(sigFile) ? readFileSync(sigFile, "utf8") : undefined;
      return { state: state as CacheState, bytes, ...(sig !== undefined ? { sig } : {}) };
    } catch (e) {
      return { error: `cannot read the bundle cache ${this.dir}: ${(e as Error).message}` };
    }
  }
}
