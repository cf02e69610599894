/**
 * The content revision of a bundle: the first 16 hex digits of SHA-256 over the JSON of its compact
 * form (runtime/bundle-codec.ts: `JSON.stringify`, keys in the order the compiler writes them) with
 * `revision` set to "".
 * The compiler stamps it (compiler/emit) and the runtime recomputes it when it loads a bundle, so a
 * bundle edited by hand is rejected (SPEC §5, settled: fail closed).
 * Dependency-free: Node's own SHA-256 when the host has one (`process.getBuiltinModule`, no import),
 * else the small implementation below (browsers, edge workers); both give the same digest (tested).
 */

import { encodeBundle, isBundleFile } from "./bundle-codec.js";
import type { Bundle } from "./types.js";

type NodeCrypto = { createHash(alg: string): { update(s: string, enc: string): { digest(enc: string): string } } };

const nodeCrypto: NodeCrypto | undefined = (() => {
  try {
    const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    return p?.getBuiltinModule?.("node:crypto") as NodeCrypto | undefined;
  } catch {
    return undefined;
  }
})();

/** The revision a bundle's content should carry: the hash of its compact form (runtime/bundle-codec.ts). */
export function contentRevision(bundle: { readonly revision?: unknown }): string {
  const wire = isBundleFile(bundle) ? bundle : encodeBundle(bundle as unknown as Bundle);
  const text = JSON.stringify({ ...wire, revision: "" });
  return sha256Hex(text).slice(0, 16);
}

/** SHA-256 of the UTF-8 bytes of `text`, as lower-case hex. */
export function sha256Hex(text: string): string {
  if (nodeCrypto) return nodeCrypto.createHash("sha256").update(text, "utf8").digest("hex");
  return portableSha256Hex(text);
}

/**
 * SHA-256's round constants and initial hash: the first 32 bits of the fractional parts of the cube
 * and square roots of the first primes (FIPS 180-4 §4.2.2, §5.3.3), computed once instead of
 * written out (a smaller runtime; `test/runtime/revision.test.ts` checks the digest against Node's).
 * Exact on any engine: `Math.sqrt` is correctly rounded, and each cube root's 32 bits lie at least
 * 0.02 × 2^-32 from a rounding boundary, thousands of ulps of `Math.cbrt`'s error.
 */
const PRIMES: number[] = [];
for (let n = 2; PRIMES.length < 64; n++) if (PRIMES.every((p) => n % p !== 0)) PRIMES.push(n);
const frac32 = (x: number): number => ((x - Math.floor(x)) * 0x100000000) >>> 0;
const K = new Uint32Array(PRIMES.map((p) => frac32(Math.cbrt(p))));
const H0 = PRIMES.slice(0, 8).map((p) => frac32(Math.sqrt(p)));

/** FIPS 180-4 SHA-256, for hosts without Node's crypto. */
export function portableSha256Hex(text: string): string {
  const msg = new TextEncoder().encode(text);
  const blocks = ((msg.length + 9 + 63) >>> 6) << 6;
  const buf = new Uint8Array(blocks);
  buf.set(msg);
  buf[msg.length] = 0x80;
  const view = new DataView(buf.buffer);
  view.setUint32(blocks - 8, Math.floor(msg.length / 0x20000000));
  view.setUint32(blocks - 4, (msg.length << 3) >>> 0);
  const h = new Uint32Array(H0);
  const w = new Uint32Array(64);
  const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < blocks; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15]!, b = w[i - 2]!;
      w[i] = (w[i - 16]! + (rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3)) + w[i - 7]! + (rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10))) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = h as unknown as number[];
    for (let i = 0; i < 64; i++) {
      const t1 = (hh! + (rotr(e!, 6) ^ rotr(e!, 11) ^ rotr(e!, 25)) + ((e! & f!) ^ (~e! & g!)) + K[i]! + w[i]!) >>> 0;
      const t2 = ((rotr(a!, 2) ^ rotr(a!, 13) ^ rotr(a!, 22)) + ((a! & b!) ^ (a! & c!) ^ (b! & c!))) >>> 0;
      hh = g; g = f; f = e; e = (d! + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
    }
    h[0] = (h[0]! + a!) >>> 0; h[1] = (h[1]! + b!) >>> 0; h[2] = (h[2]! + c!) >>> 0; h[3] = (h[3]! + d!) >>> 0;
    h[4] = (h[4]! + e!) >>> 0; h[5] = (h[5]! + f!) >>> 0; h[6] = (h[6]! + g!) >>> 0; h[7] = (h[7]! + hh!) >>> 0;
  }
  let out = "";
  for (let i = 0; i < 8; i++) out += h[i]!.toString(16).padStart(8, "0");
  return out;
}
