/**
 * Who is at the console: a login token per person (a JWT, HS256, issued by `policy console token
 * <person>` and signed with a key derived from the proxy's approval key, so only the proxy's OS
 * user can issue one), traded once for a browser session (a random id in an HttpOnly, SameSite=Strict
 * cookie), each session with its own CSRF token. Two browsers logged in with two tokens are two
 * people: the approval rules (`roleFor`) then see two different names.
 * INVARIANT: every state-changing request carries the session's CSRF token (compared in constant
 * time) and, when the browser sends one, an `Origin` equal to the console's own.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { SignJWT, jwtVerify } from "jose";
import { parseCookie, stringifySetCookie } from "cookie";
import type { Authenticator } from "../enforce/http-auth.js";

const AUDIENCE = "policy-console";
const ISSUER = "policy-console";
/** A person as approvers are named in `policy.config.json` (OS user names, e-mail-like names). */
export const PERSON_RE = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$/;
export const SESSION_COOKIE = "policy_console";
export const LOGIN_COOKIE = "policy_console_login";
const MAX_SESSIONS = 1000;

/** The key that signs login tokens: derived from the proxy's approval key, never the key itself. */
export function loginKey(approvalKey: Buffer): Uint8Array {
  return new Uint8Array(createHmac("sha256", approvalKey).update("policy-console/login-token/1").digest());
}

/** Issues a login token for `person`, valid `ttlMs`. */
export async function issueToken(key: Uint8Array, person: string, ttlMs: number, now = Date.now()): Promise<string> {
  if (!PERSON_RE.test(person)) throw new Error(`"${person}" is not a person's name as approvers are named (letters, digits, _ . @ -; at most 64)`);
  return new SignJWT({}).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setSubject(person).setAudience(AUDIENCE).setIssuer(ISSUER)
    .setIssuedAt(Math.floor(now / 1000)).setExpirationTime(Math.floor((now + ttlMs) / 1000)).setJti(randomBytes(12).toString("base64url")).sign(key);
}

/** The person a login token names and until when, or why it is refused. */
export async function verifyToken(key: Uint8Array, token: string): Promise<{ person: string; expires: number } | { error: string }> {
  try {
    const { payload } = await jwtVerify(token.trim(), key, { algorithms: ["HS256"], audience: AUDIENCE, issuer: ISSUER, requiredClaims: ["sub", "exp"] });
    if (typeof payload.sub !== "string" || !PERSON_RE.test(payload.sub)) return { error: "the token does not name a person" };
    return { person: payload.sub, expires: payload.exp! * 1000 };
  } catch (e) {
    const code = (e as { code?: string }).code;
    return { error: code === "ERR_JWT_EXPIRED" ? "the token has expired: ask for a new one (`policy console token <you>`)" : "the token is not valid for this console" };
  }
}

/**
 * The person a pasted token names: a console token, else (when the console is given the proxy's
 * HTTP authentication) a named token of its token file or a JWT it accepts, verified by the proxy's
 * own `Authenticator`. Such a token has no expiry of its own: the session lasts `maxMs`.
 */
export async function personOf(key: Uint8Array, auth: Authenticator | undefined, token: string, now: number, maxMs: number): Promise<{ person: string; expires: number } | { error: string }> {
  const own = await verifyToken(key, token);
  if (!("error" in own) || !auth || own.error.includes("expired")) return own;
  const r = await auth.check(`Bearer ${token.trim()}`);
  if (!r.ok) return { error: `the token is not valid for this console (${r.error})` };
  const person = r.principal.user?.id;
  if (!person || !PERSON_RE.test(person)) return { error: "the token names no person (give the token a name in the token file, or a JWT a subject as approvers are named)" };
  return { person, expires: now + maxMs };
}

export interface ConsoleSession {
  readonly id: string;
  readonly person: string;
  readonly csrf: string;
  readonly expires: number;
  /** A message shown once on the next page (the result of a vote). */
  flash?: { readonly ok: boolean; readonly text: string };
}

/** Equal strings, compared in constant time. */
export function sameSecret(a: string | undefined, b: string | undefined): boolean {
  if (typeof a !== "string" || typeof b !== "string" || !a || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** Browser sessions in memory (a restart logs everyone out). */
export class Sessions {
  private readonly byId = new Map<string, ConsoleSession>();

  constructor(private readonly now: () => number = Date.now) {}

  open(person: string, expires: number): ConsoleSession {
    if (this.byId.size >= MAX_SESSIONS) this.byId.delete(this.byId.keys().next().value!);
    const s: ConsoleSession = { id: randomBytes(32).toString("base64url"), person, csrf: randomBytes(24).toString("base64url"), expires };
    this.byId.set(s.id, s);
    return s;
  }

  /** The live session a request's cookie names, if any. */
  of(cookieHeader: string | undefined): ConsoleSession | undefined {
    const id = cookieHeader ? parseCookie(cookieHeader)[SESSION_COOKIE] : undefined;
    const s = id ? this.byId.get(id) : undefined;
    if (s && s.expires <= this.now()) { this.byId.delete(s.id); return undefined; }
    return s;
  }

  close(id: string): void {
    this.byId.delete(id);
  }
}

/** A cookie the browser sends back only to this console, never to scripts or other sites. */
export function cookieHeader(name: string, value: string, maxAgeS: number, secure: boolean): string {
  return stringifySetCookie(name, value, { httpOnly: true, sameSite: "strict", path: "/", maxAge: Math.max(0, Math.floor(maxAgeS)), secure });
}

/** The value of one cookie of a request. */
export function cookieOf(header: string | undefined, name: string): string | undefined {
  return header ? parseCookie(header)[name] : undefined;
}

/** A fresh random value (login CSRF). */
export function nonce(): string {
  return randomBytes(24).toString("base64url");
}
