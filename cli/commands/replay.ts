/**
 * `policy replay <sessions...> --bundle b.json [--against old.json]`: decisions for recorded
 * sessions (streamed, one enforcer per session), and what would change against another bundle.
 */
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { streamSessionFile } from "../../compiler/session/read.js";
import { createEnforcer, type Enforcer } from "../../runtime/index.js";
import type { Bundle, Decision } from "../../runtime/types.js";
import { readBundle } from "../project-io.js";
import { CliError, EXIT_FINDINGS, parseFormat, pc } from "../output.js";

function changedBetween(a: Decision, b: Decision): boolean {
  return a.effect !== b.effect || (a.policy?.id ?? null) !== (b.policy?.id ?? null);
}

export function register(program: Command): void {
  program.command("replay").description("replay recorded sessions through a bundle (dry run); with --against, what would change")
    .argument("<sessions...>", "session files (JSON Lines)")
    .requiredOption("--bundle <file>", "the bundle to decide with")
    .option("--against <file>", "an older bundle to compare with")
    .option("--format <format>", "text or json", "text")
    .action(async (sessions: string[], o: { bundle: string; against?: string; format?: string }) => {
      const format = parseFormat(o.format);
      for (const s of sessions) if (!existsSync(s)) throw new CliError(`cannot read session file "${s}": no such file`);
      const bundle = readBundle(o.bundle);
      const before: Bundle | undefined = o.against ? readBundle(o.against) : undefined;
      let requests = 0, changed = 0, bad = 0;
      const effects: Record<string, number> = {};
      const changes = new Map<string, number>();
      for (const file of sessions) {
        const now = new Map<string, Enforcer>();
        const old = new Map<string, Enforcer>();
        const get = (m: Map<string, Enforcer>, k: string, b: Bundle) => { let e = m.get(k); if (!e) { e = createEnforcer(b); m.set(k, e); } return e; };
        for await (const item of streamSessionFile(file)) {
          if ("bad" in item) {
            bad++;
            process.stderr.write(`${file}:${item.line}: ${item.message}\n`);
            continue;
          }
          const ev = item.event;
          const key = `${ev.tenant ?? ""}\u0000${ev.session_id ?? ""}`;
          if (ev.type !== "tool_call_request" && ev.type !== "agent_discovered") {
            await get(now, key, bundle).observe(ev);
            if (before) await get(old, key, before).observe(ev);
            continue;
          }
          requests++;
          const d = get(now, key, bundle).decide(ev);
          effects[d.effect] = (effects[d.effect] ?? 0) + 1;
          const line: Record<string, unknown> = { file, line: item.line, session_id: ev.session_id ?? null, seq: ev.seq ?? null, call_id: ev.call?.id ?? null, decision: d };
          if (before) {
            const b = get(old, key, before).decide(ev);
            const c = changedBetween(b, d);
            line["before"] = b;
            line["changed"] = c;
            if (c) {
              changed++;
              const k = `${d.tool ?? `agent ${ev.agent?.name ?? ""}`}: ${b.effect}${b.policy ? ` (${b.policy.id})` : ""} → ${d.effect}${d.policy ? ` (${d.policy.id})` : ""}`;
              changes.set(k, (changes.get(k) ?? 0) + 1);
            }
          }
          if (format === "json") process.stdout.write(JSON.stringify(line) + "\n");
        }
      }
      if (format === "text") {
        process.stdout.write(`${requests} decisions: ${Object.entries(effects).map(([k, v]) => `${k} ${v}`).join(", ") || "none"}\n`);
        if (before) {
          if (!changes.size) process.stdout.write(pc.green("no decision changed\n"));
          for (const [k, n] of [...changes].sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${k} ×${n}\n`);
          if (changed) process.stdout.write(pc.yellow(`${changed} decision${changed === 1 ? "" : "s"} would change\n`));
        }
      }
      if (bad) process.stderr.write(`${bad} malformed line${bad === 1 ? "" : "s"}\n`);
      process.exitCode = changed || bad ? EXIT_FINDINGS : 0;
    });
}
