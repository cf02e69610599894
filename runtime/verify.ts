/**
 * Signed bundles: verifies a detached Ed25519 signature (`<bundle>.sig`, written by
 * `policy build --sign`) with WebCrypto, so it runs in Node, browsers and edge workers.
 * INVARIANT: a bundle is loaded only when its bytes, its revision and its signature all match;
 * otherwise the result names what is wrong and nothing is loaded (fail closed). Never throws.
 */
import { Enforcer, type EnforcerOptions } from "./enforcer.js";
import { encodeBundle, isBundleFile, type BundleFile } from "./bundle-codec.js";
import type { Bundle } from "./types.js";

/** The detached signature file (`policy-signature/1`). */
export interface BundleSignature {
  readonly format: "policy-signature/1";
  readonly alg: "Ed25519";
  /** The revision of the signed bundle. */
  readonly revision: string;
  /** Key id: the first 16 hex digits of the sha256 of the public key (SPKI DER). */
  readonly key: string;
  /** Base64 Ed25519 signature over the bundle file's exact bytes. */
  readonly signature: string;
}

export type VerifyResult =
  | { readonly ok: true; readonly reason: ""; readonly bundle: BundleFile; readonly revision: string }
  | { readonly ok: false; readonly reason: string };

type Bytes = Uint8Array | ArrayBuffer | string;
const ALG = { name: "Ed25519" } as const;

type Buf = Uint8Array<ArrayBuffer>;

function toBytes(b: Bytes): Buf {
  return typeof b === "string" ? new TextEncoder().encode(b) : new Uint8Array(b);
}

function fromBase64(s: string): Buf | undefined {
  try {
    const bin = atob(s.replace(/\s+/g, ""));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch { return undefined; }
}

async function hex(data: Buf | ArrayBuffer, subtle: SubtleCrypto): Promise<string> {
  const d = new Uint8Array(await subtle.digest("SHA-256", data));
  let s = "";
  for (const x of d) s += x.toString(16).padStart(2, "0");
  return s;
}

function fail(reason: string): VerifyResult {
  return { ok: false, reason };
}

/** The key id of a public key (SPKI DER bytes), as recorded in signature files. */
export async function keyId(spki: Uint8Array | ArrayBuffer): Promise<string> {
  return (await hex(toBytes(spki), globalThis.crypto.subtle)).slice(0, 16);
}

function parseSignature(sig: Bytes | BundleSignature): BundleSignature | string {
  let v: unknown = sig;
  if (typeof sig === "string" || sig instanceof Uint8Array || sig instanceof ArrayBuffer) {
    try { v = JSON.parse(typeof sig === "string" ? sig : new TextDecoder().decode(toBytes(sig))); } catch { return "the signature file is not JSON (expected a policy-signature/1 document)"; }
  }
  const s = v as Partial<BundleSignature> | null;
  if (!s || typeof s !== "object" || s.format !== "policy-signature/1") return "the signature file is not a policy-signature/1 document";
  if (s.alg !== "Ed25519") return `the signature uses ${JSON.stringify(s.alg)}, only Ed25519 is accepted`;
  if (typeof s.revision !== "string" || typeof s.key !== "string" || typeof s.signature !== "string") return "the signature file lacks revision, key or signature";
  return s as BundleSignature;
}

async function importKey(k: Bytes | CryptoKey, subtle: SubtleCrypto): Promise<{ key: CryptoKey; spki: ArrayBuffer } | string> {
  try {
    if (typeof CryptoKey !== "undefined" && k instanceof CryptoKey) return { key: k, spki: await subtle.exportKey("spki", k) };
    let der: Buf | undefined;
    if (typeof k === "string") {
      const m = /-----BEGIN PUBLIC KEY-----([\s\S]*?)-----END PUBLIC KEY-----/.exec(k);
      if (!m) return "the public key is not a PEM \"PUBLIC KEY\" (SPKI) block";
      der = fromBase64(m[1]!);
    } else der = toBytes(k as Uint8Array | ArrayBuffer);
    if (!der) return "the public key is not valid base64";
    const key = der.length === 32 ? await subtle.importKey("raw", der, ALG, true, ["verify"]) : await subtle.importKey("spki", der, ALG, true, ["verify"]);
    return { key, spki: await subtle.exportKey("spki", key) };
  } catch (e) {
    return `the public key is not an Ed25519 public key (${(e as Error)?.message ?? String(e)})`;
  }
}

/**
 * Verifies a bundle file's bytes against its detached signature and a public key (PEM, SPKI or
 * raw bytes, or a CryptoKey). On success returns the parsed bundle; otherwise `reason` says what
 * does not match: bytes, revision, key or signature.
 */
export async function verifyBundle(bytes: Bytes, signature: Bytes | BundleSignature, publicKey: Bytes | CryptoKey): Promise<VerifyResult> {
  try {
    const subtle = globalThis.crypto?.subtle;
    if (!subtle) return fail("WebCrypto (crypto.subtle) is not available here: the bundle cannot be verified");
    const data = toBytes(bytes);
    const sig = parseSignature(signature);
    if (typeof sig === "string") return fail(sig);
    const raw = fromBase64(sig.signature);
    if (!raw || raw.length !== 64) return fail("the signature is not a base64 Ed25519 signature (64 bytes)");
    const k = await importKey(publicKey, subtle);
    if (typeof k === "string") return fail(k);
    let bundle: BundleFile;
    try {
      bundle = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(data)) as BundleFile;
    } catch (e) {
      return fail(`the bundle is not valid JSON (truncated or corrupted: ${(e as Error).message})`);
    }
    if (!bundle || typeof bundle !== "object" || bundle.format !== "policy-bundle/1" || typeof bundle.revision !== "string") return fail("the bundle is not a policy-bundle/1 document");
    if (bundle.revision !== sig.revision) return fail(`the signature is for revision ${sig.revision}, but the bundle is revision ${bundle.revision}: it signs another bundle`);
    const id = (await hex(k.spki, subtle)).slice(0, 16);
    if (sig.key !== id) return fail(`the bundle was signed with key ${sig.key}, not with the public key given (${id})`);
    if (!(await subtle.verify(ALG, k.key, raw, data))) return fail("the signature does not match the bundle's bytes: the bundle was modified after it was signed");
    // The revision is the hash of the compact form (runtime/bundle-codec.ts); a bundle signed as built in memory is encoded first.
    const content = JSON.stringify({ ...(isBundleFile(bundle) ? bundle : encodeBundle(bundle as unknown as Bundle)), revision: "" });
    const rev = (await hex(new TextEncoder().encode(content), subtle)).slice(0, 16);
    if (rev !== bundle.revision) return fail(`the bundle's revision ${bundle.revision} does not match its content (${rev})`);
    return { ok: true, reason: "", bundle, revision: bundle.revision };
  } catch (e) {
    return fail(`verification failed: ${(e as Error)?.message ?? String(e)}`);
  }
}

/** A bundle that never loads: every decision of its enforcer is `block` with this reason. */
function rejected(reason: string): unknown {
  return { get format(): never { throw new Error(reason); } };
}

/**
 * Verifies, then loads. With `opts.enforcer`, a verified bundle is loaded into it (running sessions
 * keep their revision) and a rejected one leaves it unchanged. Without, a new enforcer is created;
 * when verification fails, that enforcer blocks every call with the reason (fail closed).
 */
export async function loadVerifiedBundle(bytes: Bytes, signature: Bytes | BundleSignature, publicKey: Bytes | CryptoKey, opts: EnforcerOptions & { readonly enforcer?: Enforcer } = {}): Promise<{ readonly ok: boolean; readonly reason: string; readonly enforcer: Enforcer }> {
  const v = await verifyBundle(bytes, signature, publicKey);
  if (opts.enforcer) {
    if (v.ok) opts.enforcer.load(v.bundle);
    return { ok: v.ok, reason: v.reason, enforcer: opts.enforcer };
  }
  return { ok: v.ok, reason: v.reason, enforcer: new Enforcer(v.ok ? v.bundle : rejected(`signature check failed: ${v.reason}`), opts) };
}
