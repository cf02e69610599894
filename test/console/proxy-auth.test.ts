/**
 * Signing in to the console with the proxy's HTTP authentication (the same `Authenticator` as
 * `policy enforce --listen`): a named token of its token file and a JWT it accepts sign the person
 * in; an unnamed token, a JWT of another issuer and a self-signed JWT do not.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { startConsole, type RunningConsole } from "../../console/index.js";
import { Authenticator, parseTokenFile } from "../../enforce/http-auth.js";
import { consoleClient } from "./http-client.js";

const work = mkdtempSync(path.join(tmpdir(), "console-auth-"));
const NAMED = "n4m3d-t0ken-0123456789abcdef";
const UNNAMED = "unn4med-t0ken-0123456789abcdef";
let cons: RunningConsole;
let idp: CryptoKey;

const jwt = (sub: string, iss = "https://idp.example", key = idp) => new SignJWT({}).setProtectedHeader({ alg: "ES256" }).setSubject(sub).setIssuer(iss).setAudience("policy")
  .setExpirationTime("1h").sign(key);

beforeAll(async () => {
  const pair = await generateKeyPair("ES256");
  idp = pair.privateKey;
  const auth = new Authenticator({ tokens: parseTokenFile(`${NAMED} carol\n${UNNAMED}\n`, "tokens"), jwt: { keyPem: await exportSPKI(pair.publicKey), issuer: "https://idp.example", audience: "policy" } });
  mkdirSync(path.join(work, "state"), { mode: 0o700 });
  cons = await startConsole({ host: "127.0.0.1", port: 0, stateDir: path.join(work, "state"), auth, log: () => undefined });
});

afterAll(async () => {
  await cons.close();
  rmSync(work, { recursive: true, force: true });
});

describe("signing in with the proxy's HTTP authentication", () => {
  test("named tokens and accepted JWTs sign their person in; others are refused", async () => {
    const { raw } = consoleClient(cons);
    const login = async (token: string) => {
      const form = await raw("GET", "/login");
      const cookie = String(form.headers["set-cookie"]).split(";")[0]!;
      const nonce = /name="nonce" value="([^"]+)"/.exec(form.body)![1]!;
      const r = await raw("POST", "/login", { headers: { cookie, origin: cons.url }, body: new URLSearchParams({ nonce, token }).toString() });
      if (r.status !== 303) return { status: r.status, body: r.body };
      const session = (r.headers["set-cookie"] as string[]).find((c) => c.startsWith("policy_console="))!.split(";")[0]!;
      const page = await raw("GET", "/approvals", { headers: { cookie: session } });
      return { status: r.status, body: page.body };
    };
    expect((await login(NAMED)).body).toContain("Signed in as <strong data-person>carol</strong>");
    expect((await login(await jwt("dave"))).body).toContain("Signed in as <strong data-person>dave</strong>");
    expect((await login(UNNAMED)).body).toContain("the token names no person");
    expect((await login(await jwt("dave", "https://other.example"))).status).toBe(401);
    expect((await login(await jwt("dave", "https://idp.example", (await generateKeyPair("ES256")).privateKey))).status).toBe(401);
  });
});
