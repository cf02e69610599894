/**
 * Signing with Ed25519 (node:crypto): key generation for `policy keygen` and the detached
 * signature `policy build --sign` writes next to the bundle. Verification lives in the runtime
 * (`runtime/verify.ts`, WebCrypto) so that enforcement points need nothing else.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import type { BundleSignature } from "../runtime/verify.js";

export interface KeyPair {
  readonly privatePem: string;
  readonly publicPem: string;
  readonly keyId: string;
}

/** Key id: first 16 hex digits of sha256 over the public key's SPKI DER (as the runtime computes it). */
export function keyIdOf(pub: KeyObject): string {
  return sha256Bytes(pub.export({ type: "spki", format: "der" })).slice(0, 16);
}

function sha256Bytes(b: Buffer): string {
  return createHash("sha256").update(b).digest("hex");
}

export function generateKeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    keyId: keyIdOf(publicKey),
  };
}

/** Reads a private key; a clear message (not an exception) when it is not an Ed25519 private key. */
export function readPrivateKey(pem: string, file: string): KeyObject | string {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (e) {
    return /PUBLIC KEY/.test(pem)
      ? `${file} is a public key: sign with the private key (the one \`policy keygen\` wrote without .pub)`
      : `${file} is not a PEM private key (${(e as Error).message})`;
  }
  if (key.asymmetricKeyType !== "ed25519") return `${file} is a ${key.asymmetricKeyType ?? "unknown"} key: bundles are signed with Ed25519 keys (\`policy keygen\`)`;
  return key;
}

/** The detached signature of a bundle file's exact bytes. */
export function signBundle(bytes: string | Buffer, revision: string, key: KeyObject): BundleSignature {
  const sig = sign(null, typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes, key);
  return { format: "policy-signature/1", alg: "Ed25519", revision, key: keyIdOf(createPublicKey(key)), signature: sig.toString("base64") };
}

export function serializeSignature(s: BundleSignature): string {
  return JSON.stringify(s, null, 2) + "\n";
}

/**
 * The distribution statement a signature file carries besides the signature over the bundle's
 * bytes: which name the bundle is published under and when it was signed, signed with the same key.
 * An enforcement point that pulls bundles (`policy enforce --bundle-url`) refuses a bundle signed
 * for another name and one older than the bundle it runs (rollback). One line per field, so that no
 * value can stand for another (names are `[A-Za-z0-9._-]+`, `issued` an ISO time, `revision` hex).
 */
export function distributionStatement(name: string, issued: string, revision: string): string {
  return `policy-distribution/1\nname ${name}\nissued ${issued}\nrevision ${revision}\n`;
}

/** The name a bundle file is published under: its file name without `.json` (`dist/acme.json` → `acme`). */
export function bundleNameOf(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.json$/i, "");
}

/** Adds the signed distribution statement (name, issued) to a signature. */
export function signDistribution(s: BundleSignature, name: string, issued: string, key: KeyObject): BundleSignature & { readonly name: string; readonly issued: string; readonly statement: string } {
  const statement = sign(null, Buffer.from(distributionStatement(name, issued, s.revision), "utf8"), key).toString("base64");
  return { ...s, name, issued, statement };
}
