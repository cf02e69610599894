/**
 * What makes approval records tamper-evident: the request's identity hash (a SHA-256 of the
 * canonical JSON of everything that was decided) and the proxy's HMAC over each record it writes
 * (request, accepted votes, outcome), with a key that only the proxy's OS user can read.
 * INVARIANT: the key never leaves the proxy's OS user; `policy approvals` never reads it, so an
 * approver (or anyone who can write to the store) can submit a ballot but cannot forge a record.
 * `policy console`, run as the proxy's OS user, uses it only to attest the ballots of the people it
 * signed in (kind `ballot`) and to derive the key of its login tokens.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { closeSync, fstatSync, openSync, readFileSync, writeSync, constants } from "node:fs";
import path from "node:path";
import canonicalize from "canonicalize";

/** RFC 8785 canonical JSON (sorted keys, fixed number form): the same value always gives the same bytes. */
export function canonicalJson(v: unknown): string {
  return canonicalize(v) ?? "null";
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export const KEY_FILE = "approval.key";

/**
 * The proxy's HMAC key in `<stateDir>/approval.key`: created at first start (32 random bytes,
 * 0600, exclusively), read afterwards. A key file other users could read or write is refused.
 */
export function loadOrCreateKey(stateDir: string): Buffer {
  const file = path.join(stateDir, KEY_FILE);
  try {
    const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    const key = randomBytes(32);
    try { writeSync(fd, key.toString("hex") + "\n"); } finally { closeSync(fd); }
    return key;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new Error(`cannot create the approval key ${file}: ${(e as Error).message}`);
  }
  const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`the approval key ${file} is not a regular file`);
    if (st.mode & 0o077) throw new Error(`the approval key ${file} is readable or writable by other users (mode ${(st.mode & 0o777).toString(8)}); make it 0600 (chmod 600) or delete it to create a new one`);
    if (typeof process.getuid === "function" && st.uid !== process.getuid()) throw new Error(`the approval key ${file} belongs to another user (uid ${st.uid})`);
    const hex = readFileSync(fd, "utf8").trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`the approval key ${file} is not 64 hex digits`);
    return Buffer.from(hex, "hex");
  } finally {
    closeSync(fd);
  }
}

/**
 * What a MAC is over: a record the proxy writes, or a ballot the console vouches for (`ballot`:
 * the console logged the person in, so the ballot's `by` is theirs; see `Ballot.attest`).
 */
export type MacKind = "request" | "vote" | "outcome" | "ballot";

/** The MAC of a record: HMAC-SHA256 over its kind and canonical JSON (kinds keep a vote from passing as an outcome). */
export function macOf(key: Buffer, kind: MacKind, body: unknown): string {
  return createHmac("sha256", key).update(`${kind}\n${canonicalJson(body)}`).digest("hex");
}

export function macOk(key: Buffer, kind: MacKind, body: unknown, mac: unknown): boolean {
  if (typeof mac !== "string" || !/^[0-9a-f]{64}$/.test(mac)) return false;
  return timingSafeEqual(Buffer.from(macOf(key, kind, body), "hex"), Buffer.from(mac, "hex"));
}
