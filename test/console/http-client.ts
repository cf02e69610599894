/**
 * A raw HTTP client of the console for tests (node:http, so that Host, Origin and cookies are
 * exactly what the test says): requests, and signing a person in with a token the console issues.
 */
import { request } from "node:http";
import { expect } from "vitest";
import { issueToken } from "../../console/auth.js";
import type { RunningConsole } from "../../console/index.js";

export interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

export interface SignedIn { cookie: string; csrf: string }

export function consoleClient(cons: RunningConsole) {
  const u = new URL(cons.url);

  function raw(method: string, p: string, o: { headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
    const form = o.body !== undefined ? { "content-type": "application/x-www-form-urlencoded" } : {};
    return new Promise((resolve, reject) => {
      const req = request({ host: u.hostname, port: u.port, method, path: p, headers: { host: u.host, ...form, ...o.headers } }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => { body += c.toString(); });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on("error", reject);
      req.end(o.body);
    });
  }

  /** Signs `person` in; their cookie and CSRF token. */
  async function signIn(person: string): Promise<SignedIn> {
    const form = await raw("GET", "/login");
    const loginCookie = String(form.headers["set-cookie"]).split(";")[0]!;
    const nonce = /name="nonce" value="([^"]+)"/.exec(form.body)![1]!;
    const token = await issueToken(cons.context.loginKey, person, 3600_000);
    const r = await raw("POST", "/login", { headers: { cookie: loginCookie, origin: cons.url }, body: new URLSearchParams({ nonce, token, next: "/approvals" }).toString() });
    expect(r.status).toBe(303);
    const cookie = (r.headers["set-cookie"] as string[]).find((c) => c.startsWith("policy_console="))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const pair = cookie.split(";")[0]!;
    const page = await raw("GET", "/approvals", { headers: { cookie: pair } });
    return { cookie: pair, csrf: /name="csrf" value="([^"]+)"/.exec(page.body)![1]! };
  }

  return { raw, signIn };
}
