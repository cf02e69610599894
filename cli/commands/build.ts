/** `policy build [paths] -o bundle.json [--include-drafts] [--catalog f]`. */
import type { Command } from "commander";
import { buildBundle, serializeBundle, validateBundle } from "../../compiler/emit/index.js";
import { collectCatalogs, loadOrExit, ALLOW_OUTSIDE_HELP, reportDiagnostics, summaryLine, writeAtomic, lockOptions } from "../project-io.js";
import { CliError, diagnosticJson, EXIT_FINDINGS, parseFormat, printJson, summarize } from "../output.js";
import { io } from "../io.js";
import { checkLock } from "../../lifecycle/lock.js";
import { buildScope, checkAuditLog, lifecycleFiles, loadLock, recordBuild } from "../../lifecycle/files.js";
import { signFile } from "./keygen.js";
import { displayPath } from "../../compiler/project.js";

export function register(program: Command): void {
  lockOptions(program.command("build").description("compile the policies into a bundle for the runtime"), "the lock of built versions (default: policy.lock in the project root)", "do not check or update policy.lock, nor append to the audit log")
    .argument("[paths...]", "files or folders (default: .)")
    .option("-o, --output <file>", "where to write the bundle (default: stdout)")
    .option("--include-drafts", "build draft policies too")
    .option("--catalog <file>", "add a user catalog (repeatable)", collectCatalogs)
    .option("--allow-outside", ALLOW_OUTSIDE_HELP)
    .option("--sign <key>", "sign the bundle with an Ed25519 private key (PEM); writes <output>.sig")
    .option("--format <format>", "text or json (the summary)", "text")
    .action((paths: string[], o: { output?: string; includeDrafts?: boolean; catalog?: string[]; sign?: string; format?: string; lock?: string | false; allowOutside?: boolean }) => {
      const format = parseFormat(o.format);
      const loaded = loadOrExit(paths, o.catalog, { allowOutside: !!o.allowOutside });
      if (o.sign && !o.output) throw new CliError("--sign needs -o <bundle.json>: the detached signature is written next to it (<bundle.json>.sig)");
      const lc = o.lock === false ? undefined : lifecycleFiles(paths, typeof o.lock === "string" ? { lock: o.lock } : {});
      const locked = lc ? loadLock(lc.lock) : undefined;
      const ds = [...loaded.project.diagnostics, ...(locked?.diagnostics ?? []), ...(lc && locked && !locked.diagnostics.length ? checkLock(loaded.project, locked.lock, displayPath(lc.lock, process.cwd()), buildScope(lc.root, paths)) : [])];
      const s = summarize(ds);
      if (s.errors) {
        if (format === "json") printJson({ ok: false, diagnostics: ds.map(diagnosticJson) });
        else { reportDiagnostics(ds, loaded, { quietInfo: true }); io().stderr.write(`no bundle written: ${summaryLine(s)}\n`); }
        io().exitCode = EXIT_FINDINGS;
        return;
      }
      const audit = lc && locked ? checkAuditLog(lc, locked.lock) : undefined;
      if (audit && "error" in audit) throw new CliError(audit.error, EXIT_FINDINGS);
      const bundle = buildBundle(loaded.project, { includeDrafts: !!o.includeDrafts });
      const problems = validateBundle(bundle);
      if (problems.length) throw new CliError(`internal error: the bundle does not validate: ${problems.join("; ")}`, EXIT_FINDINGS);
      const text = serializeBundle(bundle);
      const signature = o.sign ? signFile(o.sign, text, bundle.revision, o.output) : undefined;
      if (o.output) writeAtomic(o.output, text);
      else io().stdout.write(text);
      if (signature && o.output) writeAtomic(`${o.output}.sig`, signature);
      if (lc && locked) {
        const rec = recordBuild({ paths, project: loaded.project, bundle, lock: locked.lock, files: lc, output: o.output ?? null, signed: !!signature, includeDrafts: !!o.includeDrafts });
        if ("error" in rec) throw new CliError(rec.error, EXIT_FINDINGS);
      }
      const summary = { ok: true, revision: bundle.revision, policies: bundle.policies.length, output: o.output ?? null, bytes: Buffer.byteLength(text), signature: signature ? `${o.output}.sig` : null };
      if (format === "json" && o.output) printJson(summary);
      else if (o.output) {
        reportDiagnostics(ds.filter((d) => d.severity === "warning"), loaded);
        io().stderr.write(`wrote ${o.output}${signature ? ` and ${o.output}.sig` : ""}: ${bundle.policies.length} policies, revision ${bundle.revision}\n`);
      }
    });
}
