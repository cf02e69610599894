/**
 * Whether a pulled bundle may be enforced. With a public key: the runtime's verifier (bytes,
 * revision, key, signature), then the signed distribution statement of the `.sig`
 * (`lifecycle/sign.ts`): the bundle must be signed for the name this replica pulls, and
 * signed later than the bundle it runs (a server or a man in the middle replaying an older signed
 * bundle is a rollback, refused). Always: the bundle schema and the runtime's own check, which
 * recomputes the content revision (an edited bundle is refused).
 * INVARIANT: `ok: true` only for a bundle that passed every check; never throws.
 */
import { createPublicKey, verify } from "node:crypto";
import { checkBundleFile } from "../compiler/emit/index.js";
import { distributionStatement } from "../lifecycle/sign.js";
import type { Bundle } from "../runtime/types.js";
import { verifyBundle } from "../runtime/verify.js";
import { ajvMessage, schemaValidator } from "../compiler/json/validate.js";

/** What a replica runs: the revision and, for signed bundles, when it was signed. */
export interface Floor {
  readonly revision: string;
  readonly issued?: string | undefined;
}

export interface AcceptOptions {
  /** Ed25519 public key (PEM); without it bundles are taken unsigned. */
  readonly publicKeyPem?: string | undefined;
  /** The name the bundle must be signed for. */
  readonly name: string;
  /** The bundle running now: an older signed one is a rollback. */
  readonly floor?: Floor | undefined;
  /** Where the bundle came from, for messages. */
  readonly where: string;
}

export type Acceptance =
  | { readonly ok: true; readonly bundle: Bundle; readonly issued?: string }
  | { readonly ok: false; readonly reason: string };

interface Statement { readonly name?: unknown; readonly issued?: unknown; readonly statement?: unknown }

/** Checks the signed name and time of a signature file that the verifier already accepted. */
function statementProblem(sigText: string, revision: string, o: AcceptOptions): { problem: string } | { issued: string } {
  let s: Statement;
  try { s = JSON.parse(sigText) as Statement; } catch { return { problem: "the signature file is not JSON" }; }
  const valid = schemaValidator("bundle-signature.schema.json");
  if (!valid(s)) return { problem: `the signature file does not follow schemas/bundle-signature.schema.json: ${(valid.errors ?? []).map(ajvMessage).join("; ")}` };
  if (typeof s.name !== "string" || typeof s.issued !== "string" || typeof s.statement !== "string") {
    return { problem: "the signature carries no signed name and time (sign it with `policy build -o <name>.json --sign key`)" };
  }
  let good = false;
  try {
    good = verify(null, Buffer.from(distributionStatement(s.name, s.issued, revision), "utf8"), createPublicKey(o.publicKeyPem!), Buffer.from(s.statement, "base64"));
  } catch { good = false; }
  if (!good) return { problem: "the signed name and time do not match their signature (edited after signing)" };
  if (s.name !== o.name) return { problem: `it is signed for the name "${s.name}", not for "${o.name}"` };
  if (Number.isNaN(Date.parse(s.issued))) return { problem: `its signing time "${s.issued}" is not a time` };
  const f = o.floor;
  if (f?.issued && revision !== f.revision && Date.parse(s.issued) <= Date.parse(f.issued)) {
    return { problem: `rollback: it was signed at ${s.issued}, not after the running revision ${f.revision} (signed at ${f.issued})` };
  }
  return { issued: s.issued };
}

/** Decides whether `bytes` (and their `.sig`, when a key is given) may be enforced. */
export async function acceptBundle(bytes: Buffer, sigText: string | undefined, o: AcceptOptions): Promise<Acceptance> {
  try {
    let bundle: unknown;
    let issued: string | undefined;
    if (o.publicKeyPem !== undefined) {
      if (sigText === undefined) return { ok: false, reason: `${o.where}: no signature (.sig), and --key requires one` };
      const v = await verifyBundle(new Uint8Array(bytes), sigText, o.publicKeyPem);
      if (!v.ok) return { ok: false, reason: `${o.where}: not verified: ${v.reason}` };
      const st = statementProblem(sigText, v.revision, o);
      if ("problem" in st) return { ok: false, reason: `${o.where}: refused: ${st.problem}` };
      bundle = v.bundle;
      issued = st.issued;
    } else {
      try { bundle = JSON.parse(bytes.toString("utf8")); } catch (e) { return { ok: false, reason: `${o.where}: not JSON (${(e as Error).message})` }; }
    }
    const r = checkBundleFile(bundle, o.where);
    if ("problem" in r) return { ok: false, reason: r.problem };
    return { ok: true, bundle: r.bundle, ...(issued ? { issued } : {}) };
  } catch (e) {
    return { ok: false, reason: `${o.where}: ${(e as Error)?.message ?? String(e)}` };
  }
}
