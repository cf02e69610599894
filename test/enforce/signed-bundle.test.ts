/** `policy enforce --key`: only bundles signed with the key are loaded, at start and on reload. */
import { describe, expect, test } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSignedBundleFile } from "../../enforce/bundle-watch.js";
import { signFile } from "../../cli/commands/keygen.js";
import { loadCatalog } from "../../compiler/catalog/load.js";
import { checkProject } from "../../compiler/check/index.js";
import { buildBundle, serializeBundle } from "../../compiler/emit/index.js";

describe("signed bundles for the proxy", () => {
  test("a signed bundle loads; a changed byte, another key or a missing signature does not", async () => {
    const dir = mkdtempSync(join(tmpdir(), "signed-"));
    const mk = () => generateKeyPairSync("ed25519");
    const { privateKey, publicKey } = mk();
    writeFileSync(join(dir, "k.pem"), privateKey.export({ type: "pkcs8", format: "pem" }).toString());
    const pub = publicKey.export({ type: "spki", format: "pem" }).toString();
    const other = mk().publicKey.export({ type: "spki", format: "pem" }).toString();
    const bundle = buildBundle(checkProject([{ file: "p.policy", text: 'policy "x" {\n  id x\n  if integration is GitHub\n  action block "no"\n}\n' }], loadCatalog().catalog));
    const text = serializeBundle(bundle);
    const file = join(dir, "b.json");
    writeFileSync(file, text);
    writeFileSync(`${file}.sig`, signFile(join(dir, "k.pem"), text, bundle.revision));
    const ok = await readSignedBundleFile(file, pub);
    expect(ok.ok && ok.bundle.revision).toBe(bundle.revision);
    expect(await readSignedBundleFile(file, other)).toMatchObject({ ok: false });
    writeFileSync(file, text.replace('"no"', '"on"'));
    expect(await readSignedBundleFile(file, pub)).toMatchObject({ ok: false, error: expect.stringMatching(/not verified/) });
    expect(await readSignedBundleFile(join(dir, "missing.json"), pub)).toMatchObject({ ok: false });
  });
});
