/** Test helpers: small bundles, signed (or not) as `policy build -o DIR/<name>.json --sign key` writes them. */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadCatalog } from "../../compiler/catalog/load.js";
import { checkProject } from "../../compiler/check/index.js";
import { buildBundle, serializeBundle } from "../../compiler/emit/index.js";
import { serializeSignature, signBundle, signDistribution } from "../../lifecycle/sign.js";

export interface Built { readonly text: string; readonly revision: string }

/** A bundle whose one policy blocks GitHub with `reason` (each reason gives another revision). */
export function bundleWith(reason: string): Built {
  const b = buildBundle(checkProject([{ file: "p.policy", text: `policy "gh" {\n  id gh\n  if integration is GitHub\n  action block "${reason}"\n}\n` }], loadCatalog().catalog));
  return { text: serializeBundle(b), revision: b.revision };
}

export function keyPair(): { privateKey: KeyObject; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { privateKey, publicPem: publicKey.export({ type: "spki", format: "pem" }).toString() };
}

/** The `.sig` text of a bundle, signed for `name` at `issued`. */
export function sigOf(b: Built, key: KeyObject, name: string, issued: Date): string {
  return serializeSignature(signDistribution(signBundle(b.text, b.revision, key), name, issued.toISOString(), key));
}

/** Writes `DIR/<file>` and its `.sig` (none when `sig` is undefined); the signature first, as a careful publisher does. */
export function publish(dir: string, file: string, text: string, sig: string | undefined): void {
  if (sig === undefined) rmSync(path.join(dir, `${file}.sig`), { force: true });
  else writeFileSync(path.join(dir, `${file}.sig`), sig);
  writeFileSync(path.join(dir, file), text);
}
