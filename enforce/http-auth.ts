/**
 * Who is calling over HTTP: `Authorization: Bearer <token>` checked against a token file
 * (`--auth-token-file`, one token per line with an optional name) and/or verified as a JWT with a
 * configured public key or JWKS file (`--jwt-key`, `--jwks-file`; signature, `exp`, `nbf`, issuer and
 * audience checked by `jose`). The result is a `Principal`: the key a session is bound to, and the
 * `user` (id from `sub`, roles, groups and manager from configurable claims) the session's events carry.
 * INVARIANT: a request is authenticated on its own (every request, not only `initialize`): a session
 * id is never a credential (MCP security best practices, "Session Hijacking").
 */
import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from "jose";

import type { UserClaim, UserInfo } from "../runtime/types.js";
export type { UserInfo };

/** A claim value a `user` condition can test: a JSON scalar or an array of scalars (nested objects are left out). */
function claimValue(v: unknown): v is UserClaim {
  const scalar = (x: unknown) => x === null || ["string", "number", "boolean"].includes(typeof x);
  return scalar(v) || (Array.isArray(v) && v.every(scalar));
}

/** An authenticated caller. `key` is what a session is bound to (the same key may continue it). */
export interface Principal {
  readonly key: string;
  /** Shown in logs: the token's name, or the JWT's subject. */
  readonly name: string;
  readonly user?: UserInfo;
}

export type AuthResult = { readonly ok: true; readonly principal: Principal } | { readonly ok: false; readonly error: string; readonly challenge: string };

export interface JwtOptions {
  /** A PEM public key (RSA, EC or Ed25519) … */
  readonly keyPem?: string;
  /** … or a JWKS document (`{"keys": [...]}`) with public keys. */
  readonly jwks?: unknown;
  readonly issuer: string;
  readonly audience: string;
  /** Claim paths (dots for nesting, e.g. `realm_access.roles`); defaults `roles`, `groups`, `manager`. */
  readonly rolesClaim?: string;
  readonly groupsClaim?: string;
  readonly managerClaim?: string;
  /** Allowed clock skew for `exp`/`nbf`, in seconds (default 30). */
  readonly clockToleranceSec?: number;
}

/** A line of the token file: its name (`token-<line>` when none is given) and whether one was given. */
export interface TokenEntry { readonly name: string; readonly named: boolean }

export interface AuthOptions {
  /** Static tokens: token → entry. A named token's name is the session's `user.id`. */
  readonly tokens?: ReadonlyMap<string, TokenEntry>;
  readonly jwt?: JwtOptions;
}

const MIN_TOKEN_LENGTH = 16;
/** RFC 6750 `b64token`: what may follow `Bearer ` in an Authorization header. */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
const ASYMMETRIC = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];
const REGISTERED = new Set(["iss", "sub", "aud", "exp", "nbf", "iat", "jti"]);

const digest = (s: string) => createHash("sha256").update(s).digest("base64url");

/**
 * Reads a token file: one token per line, optionally followed by whitespace and a name; blank
 * lines and `#` comments are skipped. Throws a message with the line number on a bad line.
 */
export function parseTokenFile(text: string, file: string): Map<string, TokenEntry> {
  const tokens = new Map<string, TokenEntry>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const [token, ...rest] = line.split(/\s+/);
    const where = `${file}:${i + 1}`;
    if (!TOKEN68.test(token!)) throw new Error(`${where}: a token may contain only letters, digits and - . _ ~ + / (then = signs), as an HTTP bearer token must`);
    if (token!.length < MIN_TOKEN_LENGTH) throw new Error(`${where}: a token must be at least ${MIN_TOKEN_LENGTH} characters (generate one with: openssl rand -base64 32)`);
    if (tokens.has(token!)) throw new Error(`${where}: this token is listed twice`);
    const name = rest.join(" ");
    tokens.set(token!, { name: name || `token-${i + 1}`, named: !!name });
  });
  if (!tokens.size) throw new Error(`${file}: no token in the file (one token per line, optionally followed by a name)`);
  return tokens;
}

/** Reads `--auth-token-file`; a file other users can read is refused (it holds secrets). */
export function readTokenFile(file: string): Map<string, TokenEntry> {
  let text: string;
  try {
    if (process.platform !== "win32" && (statSync(file).mode & 0o077) !== 0) throw new Error(`${file} can be read by other users: chmod 600 ${file}`);
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`--auth-token-file: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? `${file}: no such file` : (e as Error).message}`);
  }
  return parseTokenFile(text, file);
}

/** Algorithms a PEM key may verify (never a symmetric one, so that a public key cannot be used as an HMAC secret). */
function algorithmsOf(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case "rsa": case "rsa-pss": return ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"];
    case "ec": return [{ prime256v1: "ES256", secp384r1: "ES384", secp521r1: "ES512" }[key.asymmetricKeyDetails?.namedCurve ?? ""] ?? "ES256"];
    case "ed25519": return ["EdDSA", "Ed25519"];
    default: throw new Error(`--jwt-key: a ${key.asymmetricKeyType ?? "symmetric"} key is not supported (use an RSA, EC or Ed25519 public key)`);
  }
}

function jwtKey(o: JwtOptions): { key: KeyObject | JWTVerifyGetKey; algorithms: string[] } {
  if (o.keyPem !== undefined) {
    let key: KeyObject;
    try { key = createPublicKey(o.keyPem); } catch (e) { throw new Error(`--jwt-key: not a PEM public key (${(e as Error).message})`); }
    return { key, algorithms: algorithmsOf(key) };
  }
  const set = o.jwks as JSONWebKeySet | undefined;
  if (!set || !Array.isArray(set.keys) || !set.keys.length) throw new Error(`--jwks-file: expected a JSON Web Key Set: {"keys": [ … ]}`);
  if (set.keys.some((k) => k.kty === "oct" || "d" in k)) throw new Error("--jwks-file: only public keys belong in it (a shared secret or private key was found)");
  return { key: createLocalJWKSet(set), algorithms: ASYMMETRIC };
}

/** The value at a dotted claim path. */
function claimAt(payload: JWTPayload, claimPath: string): unknown {
  let v: unknown = payload;
  for (const part of claimPath.split(".")) v = v && typeof v === "object" ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

function strings(v: unknown): string[] | undefined {
  if (typeof v === "string") return v.split(/[\s,]+/).filter(Boolean);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : undefined;
}

/** The `user` a verified JWT stands for. */
export function userOfClaims(payload: JWTPayload, o: Pick<JwtOptions, "rolesClaim" | "groupsClaim" | "managerClaim">): UserInfo {
  const roles = strings(claimAt(payload, o.rolesClaim ?? "roles"));
  const groups = strings(claimAt(payload, o.groupsClaim ?? "groups"));
  const manager = claimAt(payload, o.managerClaim ?? "manager");
  const claims = Object.fromEntries(Object.entries(payload).filter(([k, v]) => !REGISTERED.has(k) && claimValue(v))) as Record<string, UserClaim>;
  return {
    id: payload.sub!, ...(roles ? { roles } : {}), ...(groups ? { groups } : {}),
    ...(typeof manager === "string" ? { manager } : {}), claims,
  };
}

function jwtError(e: unknown): string {
  if (e instanceof joseErrors.JWTExpired) return "the token has expired";
  if (e instanceof joseErrors.JWTClaimValidationFailed) return `the token's "${e.claim}" claim is not accepted (${e.reason})`;
  if (e instanceof joseErrors.JWSSignatureVerificationFailed || e instanceof joseErrors.JWKSNoMatchingKey) return "the token's signature does not verify";
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return "the token's algorithm is not accepted";
  return "the token is not a valid JWT";
}

/** Checks bearer tokens. Build one with `createAuthenticator`; `undefined` there means no authentication. */
export class Authenticator {
  private readonly byDigest = new Map<string, TokenEntry>();
  private readonly jwt?: { key: KeyObject | JWTVerifyGetKey; algorithms: string[]; o: JwtOptions };

  constructor(o: AuthOptions) {
    for (const [token, entry] of o.tokens ?? []) this.byDigest.set(digest(token), entry);
    if (o.jwt) {
      if (!o.jwt.issuer || !o.jwt.audience) throw new Error("JWT verification needs --jwt-issuer and --jwt-audience (a token issued for another service must not be accepted)");
      this.jwt = { ...jwtKey(o.jwt), o: o.jwt };
    }
    if (!this.byDigest.size && !this.jwt) throw new Error("no authentication configured");
  }

  /** Checks the `Authorization` header of one request. */
  async check(header: string | undefined): Promise<AuthResult> {
    const m = /^Bearer +(\S+)\s*$/i.exec(header ?? "");
    if (m && !TOKEN68.test(m[1]!)) return { ok: false, error: "the token is not accepted", challenge: 'Bearer realm="policy-enforce", error="invalid_token"' };
    if (!m) return { ok: false, error: header ? "the Authorization header must be `Bearer <token>`" : "authentication required: send `Authorization: Bearer <token>`", challenge: 'Bearer realm="policy-enforce"' };
    const token = m[1]!;
    // A digest lookup: the token itself is never compared character by character.
    const known = this.byDigest.get(digest(token));
    if (known) return { ok: true, principal: { key: `token:${digest(token)}`, name: known.name, ...(known.named ? { user: { id: known.name } } : {}) } };
    if (this.jwt && token.split(".").length === 3) return this.verifyJwt(token);
    return { ok: false, error: "the token is not accepted", challenge: 'Bearer realm="policy-enforce", error="invalid_token"' };
  }

  private async verifyJwt(token: string): Promise<AuthResult> {
    const j = this.jwt!;
    try {
      const { payload } = await jwtVerify(token, j.key as Parameters<typeof jwtVerify>[1], {
        algorithms: j.algorithms, issuer: j.o.issuer, audience: j.o.audience,
        clockTolerance: j.o.clockToleranceSec ?? 30, requiredClaims: ["sub", "exp"],
      });
      const user = userOfClaims(payload, j.o);
      return { ok: true, principal: { key: `jwt:${j.o.issuer}\u0000${user.id}`, name: user.id, user } };
    } catch (e) {
      const error = jwtError(e);
      return { ok: false, error, challenge: `Bearer realm="policy-enforce", error="invalid_token", error_description="${error.replace(/"/g, "'")}"` };
    }
  }
}
