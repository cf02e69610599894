/**
 * `policy verify <bundle.json> --key public.pem [--sig bundle.json.sig]`: checks a signed bundle
 * exactly as the runtime's loader does before it enforces (bytes, revision, signature, key).
 */
import type { Command } from "commander";
import { verifyBundle } from "../../runtime/verify.js";
import { EXIT_FINDINGS, parseFormat, printJson } from "../output.js";
import { io } from "../io.js";
import { readTextInput } from "../project-io.js";

export function register(program: Command): void {
  program.command("verify").description("check a signed bundle as the runtime does before loading it")
    .argument("<bundle>", "the bundle file")
    .requiredOption("--key <file>", "the Ed25519 public key (PEM) from `policy keygen`")
    .option("--sig <file>", "the detached signature (default: <bundle>.sig)")
    .option("--format <format>", "text or json", "text")
    .action(async (bundlePath: string, o: { key: string; sig?: string; format?: string }) => {
      const format = parseFormat(o.format);
      const bytes = readTextInput(bundlePath, "bundle");
      const sig = readTextInput(o.sig ?? `${bundlePath}.sig`, "signature");
      const key = readTextInput(o.key, "public key");
      const r = await verifyBundle(bytes, sig, key);
      if (format === "json") printJson(r.ok ? { ok: true, revision: r.revision } : { ok: false, reason: r.reason });
      else io().stdout.write(r.ok ? `verified: ${bundlePath} (revision ${r.revision})\n` : `not verified: ${r.reason}\n`);
      if (!r.ok) io().exitCode = EXIT_FINDINGS;
    });
}
