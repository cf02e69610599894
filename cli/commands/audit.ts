/**
 * `policy audit verify [path]` checks the hash chain of the audit log (and, with policy.lock, that
 * nothing was cut from its end); `policy audit list [path]` prints the builds it records.
 */
import type { Command } from "commander";
import { existsSync, readFileSync } from "node:fs";
import { verifyAuditLog } from "../../lifecycle/audit.js";
import { lifecycleFiles, loadLock } from "../../lifecycle/files.js";
import { displayPath } from "../../compiler/project.js";
import { CliError, EXIT_FINDINGS, parseFormat, pc, printJson } from "../output.js";
import { io } from "../io.js";
import { oneLine } from "../../compiler/terminal-safe.js";

interface Opts { log?: string; lock?: string; format?: string }

function readLog(path?: string, o: Opts = {}) {
  const files = lifecycleFiles(path ? [path] : [], { ...(o.lock ? { lock: o.lock } : {}), ...(o.log ? { audit: o.log } : {}) });
  const cwd = process.cwd();
  if (!existsSync(files.audit)) throw new CliError(`no audit log at ${displayPath(files.audit, cwd)} (policy build writes it)`);
  const locked = loadLock(files.lock);
  if (locked.diagnostics.length) throw new CliError(locked.diagnostics[0]!.message);
  const text = readFileSync(files.audit, "utf8");
  return { files, text, locked, log: displayPath(files.audit, cwd), lock: displayPath(files.lock, cwd) };
}

export function register(program: Command): void {
  const audit = program.command("audit").description("the audit log of builds (append-only, hash-chained)");
  audit.command("verify").description("check that the audit log was not edited, reordered or truncated")
    .argument("[path]", "the project (default: .)")
    .option("--log <file>", "the audit log (default: policy.audit.jsonl in the project root)")
    .option("--lock <file>", "the lock that records the log's last entry (default: policy.lock)")
    .option("--format <format>", "text or json", "text")
    .action((path: string | undefined, o: Opts) => {
      const format = parseFormat(o.format);
      const r = readLog(path, o);
      const v = verifyAuditLog(r.text, r.locked.lock.audit);
      const anchored = !!r.locked.lock.audit;
      if (format === "json") printJson({ ok: v.ok, log: r.log, entries: v.entries.length, head: v.head ?? null, anchored, problems: v.problems });
      else {
        for (const p of v.problems) io().stdout.write(`${pc.red("✗")} ${r.log}${p.line ? `:${p.line}` : ""}: ${oneLine(p.message)}\n`);
        if (v.ok) io().stdout.write(`${pc.green("✓")} ${r.log}: ${v.entries.length} entr${v.entries.length === 1 ? "y" : "ies"}, chain intact${anchored ? `, ends at the entry ${r.lock} records` : ` (no ${r.lock} to anchor the end: entries cut from the end would go unnoticed)`}\n`);
        else io().stdout.write(`${r.log} has been tampered with: ${v.problems.length} problem${v.problems.length === 1 ? "" : "s"}\n`);
      }
      io().exitCode = v.ok ? 0 : EXIT_FINDINGS;
    });
  audit.command("list").description("print the builds the audit log records")
    .argument("[path]", "the project (default: .)")
    .option("--log <file>", "the audit log (default: policy.audit.jsonl in the project root)")
    .option("--format <format>", "text or json", "text")
    .action((path: string | undefined, o: Opts) => {
      const format = parseFormat(o.format);
      const r = readLog(path, o);
      const v = verifyAuditLog(r.text, r.locked.lock.audit);
      if (format === "json") { printJson(v.entries); return; }
      for (const e of v.entries) {
        const c = e.changes;
        const parts = [
          ...c.added.map((x) => `+${x.id}@${x.version}`),
          ...c.changed.map((x) => `~${x.id}@${x.from}→${x.to}`),
          ...c.deprecated.map((x) => `-${x.id}@${x.version} (deprecated)`),
          ...c.removed.map((x) => `-${x.id}@${x.version} (removed)`),
        ];
        io().stdout.write(oneLine(`#${e.seq} ${e.ts} ${e.actor} revision ${e.revision}${e.signed ? " signed" : ""}: ${e.policies.length} policies${parts.length ? `; ${parts.join(", ")}` : ""}`) + "\n");
      }
      if (!v.ok) io().stdout.write(pc.red(`the log does not verify: run \`policy audit verify\`\n`));
    });
}
