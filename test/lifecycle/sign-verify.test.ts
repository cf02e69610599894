import { describe, expect, it } from "vitest";
import { createPublicKey } from "node:crypto";
import { generateKeyPair, readPrivateKey, signBundle } from "../../lifecycle/sign.js";
import { buildBundle, serializeBundle } from "../../compiler/emit/index.js";
import { createEnforcer } from "../../runtime/index.js";
import { loadVerifiedBundle, verifyBundle } from "../../runtime/verify.js";
import { GITHUB, project } from "./helpers.js";

const keys = generateKeyPair();
const priv = readPrivateKey(keys.privatePem, "k.pem");
if (typeof priv === "string") throw new Error(priv);
const bundle = buildBundle(project({ "a.policy": GITHUB }));
const text = serializeBundle(bundle);
const bytes = new TextEncoder().encode(text);
const sig = JSON.stringify(signBundle(text, bundle.revision, priv));
const call = { type: "tool_call_request", session_id: "s", agent: { name: "a" }, call: { id: "c", type: "mcp", integration: "github", tool: "list_issues", args: {} } };

describe("signed bundles", () => {
  it("verifies a bundle signed by policy build --sign (PEM, SPKI DER, raw key)", async () => {
    const v = await verifyBundle(bytes, sig, keys.publicPem);
    expect(v).toMatchObject({ ok: true, revision: bundle.revision });
    const spki = createPublicKey(keys.publicPem).export({ type: "spki", format: "der" });
    expect((await verifyBundle(text, sig, new Uint8Array(spki))).ok).toBe(true);
    expect((await verifyBundle(text, JSON.parse(sig), new Uint8Array(spki.subarray(spki.length - 32)))).ok).toBe(true);
  });

  it("refuses a bundle with one byte changed", async () => {
    const i = text.indexOf("GitHub is read-only");
    const t = new Uint8Array(bytes);
    t[i] = "g".charCodeAt(0);
    const v = await verifyBundle(t, sig, keys.publicPem);
    expect(v).toEqual({ ok: false, reason: "the signature does not match the bundle's bytes: the bundle was modified after it was signed" });
  });

  it("refuses a truncated bundle, a signature of another bundle, another key, a malformed signature", async () => {
    expect((await verifyBundle(bytes.subarray(0, bytes.length - 40), sig, keys.publicPem)).reason).toMatch(/not valid JSON \(truncated or corrupted/);
    const other = buildBundle(project({ "b.policy": GITHUB.replace("priority 10", "priority 11") }));
    const otherSig = JSON.stringify(signBundle(serializeBundle(other), other.revision, priv));
    expect((await verifyBundle(bytes, otherSig, keys.publicPem)).reason).toBe(`the signature is for revision ${other.revision}, but the bundle is revision ${bundle.revision}: it signs another bundle`);
    const k2 = generateKeyPair();
    expect((await verifyBundle(bytes, sig, k2.publicPem)).reason).toMatch(/signed with key [0-9a-f]{16}, not with the public key given/);
    expect((await verifyBundle(bytes, "{}", keys.publicPem)).reason).toMatch(/not a policy-signature\/1 document/);
    expect((await verifyBundle(bytes, "nope", keys.publicPem)).reason).toMatch(/not JSON/);
    expect((await verifyBundle(bytes, sig.replace(/"signature": ?"[^"]+"/, '"signature":"AAAA"'), keys.publicPem)).reason).toMatch(/64 bytes/);
    expect((await verifyBundle(bytes, sig, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")).reason).toMatch(/not an Ed25519 public key/);
    expect((await verifyBundle(bytes, sig, keys.privatePem)).reason).toMatch(/not a PEM "PUBLIC KEY"/);
  });

  it("refuses a re-signed bundle whose revision does not match its content", async () => {
    const forged = text.replace(`"revision":"${bundle.revision}"`, `"revision":"${"0".repeat(16)}"`);
    const s = JSON.stringify(signBundle(forged, "0".repeat(16), priv));
    expect((await verifyBundle(forged, s, keys.publicPem)).reason).toMatch(/revision 0000000000000000 does not match its content/);
  });

  it("loads only verified bundles: a rejected one blocks every call with the reason", async () => {
    const good = await loadVerifiedBundle(bytes, sig, keys.publicPem);
    expect(good.ok).toBe(true);
    expect(good.enforcer.decide(call).effect).toBe("allow");
    const bad = await loadVerifiedBundle(bytes.subarray(0, 100), sig, keys.publicPem);
    expect(bad.ok).toBe(false);
    const d = bad.enforcer.decide(call);
    expect(d.effect).toBe("block");
    expect(d.reason).toContain("signature check failed: the bundle is not valid JSON");
  });

  it("keeps the running bundle when a new one does not verify", async () => {
    const enforcer = createEnforcer(bundle);
    const other = buildBundle(project({ "b.policy": GITHUB.replace("priority 10", "priority 11") }));
    const r = await loadVerifiedBundle(serializeBundle(other), sig, keys.publicPem, { enforcer });
    expect(r.ok).toBe(false);
    expect(enforcer.revision).toBe(bundle.revision);
    const ok = await loadVerifiedBundle(serializeBundle(other), JSON.stringify(signBundle(serializeBundle(other), other.revision, priv)), keys.publicPem, { enforcer });
    expect(ok.ok).toBe(true);
    expect(enforcer.revision).toBe(other.revision);
  });

  it("the runtime's verifier imports nothing from outside runtime/", async () => {
    const { readFileSync } = await import("node:fs");
    const src = readFileSync("runtime/verify.ts", "utf8");
    for (const m of src.matchAll(/from "([^"]+)"/g)) expect(m[1]).toMatch(/^\.\/[a-z-]+\.js$/);
  });

  it("names a wrong signing key", () => {
    expect(readPrivateKey(keys.publicPem, "pub.pem")).toMatch(/pub\.pem is a public key/);
    expect(readPrivateKey("garbage", "x.pem")).toMatch(/x\.pem is not a PEM private key/);
  });
});
