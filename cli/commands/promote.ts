/**
 * `policy promote <id> [paths] [--dry-run] [--accept-changes] [--sessions f…]`: activates a draft
 * when the tests pass with it and the recorded sessions replay without unreviewed decision
 * changes; the version it replaces becomes deprecated. Prints what changes either way.
 */
import type { Command } from "commander";
import { resolve, relative } from "node:path";
import { planPromotion, type PromotionPlan } from "../../lifecycle/promote.js";
import { projectRoot } from "../../lifecycle/files.js";
import { collectCatalogs, loadOrExit, reportDiagnostics, writeAtomic } from "../project-io.js";
import { CliError, EXIT_FINDINGS, parseFormat, pc, printJson, renderDiagnostic } from "../output.js";
import { loadShellParser } from "../../compiler/shell/shell-parser.js";
import { io } from "../io.js";

function printPlan(p: PromotionPlan, dry: boolean): void {
  const w = (s: string) => io().stdout.write(s + "\n");
  w(`${dry ? "would promote" : "promoting"} "${p.draft.id}" (version ${p.draft.version ?? 1}, ${p.draft.file}:${p.draft.line}): draft → active`);
  if (p.replaces) w(`  "${p.replaces.id}" (version ${p.replaces.version ?? 1}, ${p.replaces.file}:${p.replaces.line}): active → deprecated`);
  if (p.tests) w(`tests: ${p.tests.passed} passed, ${p.tests.failed} failed${p.tests.failed ? `: ${p.tests.results.filter((r) => !r.passed).map((r) => `"${r.name}"`).join(", ")}` : ""}`);
  w(`replay: ${p.events} recorded decision${p.events === 1 ? "" : "s"} in ${p.sessions.length} session file${p.sessions.length === 1 ? "" : "s"}, ${p.changes.length} would change`);
  for (const c of p.changes) {
    const fmt = (x: { effect: string; policy: string | null }) => `${x.effect}${x.policy ? ` (${x.policy})` : " (default)"}`;
    w(`  ${relative(process.cwd(), c.file)}:${c.line}${c.seq !== null ? ` seq ${c.seq}` : ""} ${c.tool ?? ""}: ${fmt(c.before)} → ${fmt(c.after)}`);
  }
  for (const b of p.blockers) w(pc.red(`✗ ${b}`));
}

export function register(program: Command): void {
  program.command("promote").description("activate a draft once its tests pass and recorded sessions replay without unexpected changes")
    .argument("<id>", "the draft policy")
    .argument("[paths...]", "files or folders (default: .)")
    .option("--dry-run", "show what would change, write nothing")
    .option("--accept-changes", "the decision changes listed are intended: promote anyway")
    .option("--sessions <file>", "also replay this session file (repeatable)", collectCatalogs)
    .option("--catalog <file>", "add a user catalog (repeatable)", collectCatalogs)
    .option("--format <format>", "text or json", "text")
    .action(async (id: string, paths: string[], o: { dryRun?: boolean; acceptChanges?: boolean; sessions?: string[]; catalog?: string[]; format?: string }) => {
      await loadShellParser();
      const format = parseFormat(o.format);
      const loaded = loadOrExit(paths, o.catalog);
      const errors = loaded.project.diagnostics.filter((d) => d.severity === "error");
      if (errors.length) { reportDiagnostics(errors, loaded); io().stderr.write("the project has errors: nothing promoted\n"); io().exitCode = EXIT_FINDINGS; return; }
      const plan = planPromotion(loaded.project, id, { paths, catalogs: o.catalog ?? [], sessions: o.sessions ?? [], root: projectRoot(paths), acceptChanges: !!o.acceptChanges });
      if ("error" in plan) throw new CliError(plan.error, EXIT_FINDINGS);
      const ok = plan.blockers.length === 0;
      if (format === "json") printJson({ ok, dry_run: !!o.dryRun, promoted: ok && !o.dryRun, draft: { id: plan.draft.id, version: plan.draft.version ?? 1 }, replaces: plan.replaces ? { id: plan.replaces.id, version: plan.replaces.version ?? 1 } : null, tests: plan.tests ? { passed: plan.tests.passed, failed: plan.tests.failed } : null, sessions: plan.sessions, events: plan.events, changes: plan.changes, blockers: plan.blockers });
      else {
        for (const d of plan.diagnostics) io().stderr.write(renderDiagnostic(d, plan.texts) + "\n\n");
        printPlan(plan, !!o.dryRun);
      }
      if (!ok) { if (format === "text") io().stdout.write(`not promoted\n`); io().exitCode = EXIT_FINDINGS; return; }
      if (o.dryRun) { if (format === "text") io().stdout.write("dry run: nothing written\n"); return; }
      for (const [file, text] of plan.texts) writeAtomic(resolve(file), text);
      if (format === "text") io().stdout.write(`promoted "${plan.draft.id}"; run \`policy build\` to ship it (the lock and audit log record the new version)\n`);
    });
}
