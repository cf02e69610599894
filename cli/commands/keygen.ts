/**
 * `policy keygen [-o name]`: an Ed25519 key pair for signing bundles — `<name>.pem` (private,
 * mode 0600, for `policy build --sign`) and `<name>.pub.pem` (public, for the runtime's verifier).
 * Also the signing step `build --sign` uses.
 */
import type { Command } from "commander";
import { existsSync, writeFileSync } from "node:fs";
import { bundleNameOf, generateKeyPair, readPrivateKey, serializeSignature, signBundle, signDistribution } from "../../lifecycle/sign.js";
import { CliError, parseFormat, printJson } from "../output.js";
import { io } from "../io.js";
import { readTextInput } from "../project-io.js";

/**
 * Signs a bundle's text with the private key in `keyFile`; the signature file's text. With
 * `output` (the bundle's file), the signature also carries the signed distribution statement: the
 * name the bundle is published under (its file name without `.json`) and the time it was signed.
 */
export function signFile(keyFile: string, bundleText: string, revision: string, output?: string, issued: Date = new Date()): string {
  const pem = readTextInput(keyFile, "signing key");
  const key = readPrivateKey(pem, keyFile);
  if (typeof key === "string") throw new CliError(key);
  const sig = signBundle(bundleText, revision, key);
  if (output !== undefined && !/^[A-Za-z0-9._-]+$/.test(bundleNameOf(output))) throw new CliError(`--sign: the bundle's file name "${bundleNameOf(output)}" is the name it is published under and may hold only letters, digits, ".", "_" and "-"`);
  return serializeSignature(output === undefined ? sig : signDistribution(sig, bundleNameOf(output), issued.toISOString(), key));
}

export function register(program: Command): void {
  program.command("keygen").description("create an Ed25519 key pair for signing bundles (policy build --sign)")
    .option("-o, --output <name>", "file name prefix: writes <name>.pem and <name>.pub.pem", "policy-signing")
    .option("--force", "overwrite existing key files")
    .option("--format <format>", "text or json", "text")
    .action((o: { output: string; force?: boolean; format?: string }) => {
      const format = parseFormat(o.format);
      const base = o.output.replace(/\.pem$/, "");
      const priv = `${base}.pem`;
      const pub = `${base}.pub.pem`;
      for (const f of [priv, pub]) if (existsSync(f) && !o.force) throw new CliError(`${f} already exists: not overwriting a key (use --force)`);
      const k = generateKeyPair();
      writeFileSync(priv, k.privatePem, { mode: 0o600 });
      writeFileSync(pub, k.publicPem);
      if (format === "json") printJson({ private: priv, public: pub, key: k.keyId });
      else io().stdout.write(`wrote ${priv} (private: keep it secret) and ${pub} (public: give it to the enforcement points)\nkey id ${k.keyId}\nnext: policy build -o bundle.json --sign ${priv}\n`);
    });
}
