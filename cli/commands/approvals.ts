/**
 * `policy approvals list | show <id> | approve <id> | deny <id> [--as technician|manager]`:
 * the review screen for calls that `policy enforce` holds for approval (tool, parameters,
 * reason; seed 002), shared with the proxy through the state dir (or Redis with `--store`).
 */
import type { Command } from "commander";
import { userInfo } from "node:os";
import { FileApprovalStore } from "../../enforce/approvals/file-store.js";
import { RedisApprovalStore } from "../../enforce/approvals/redis-store.js";
import type { ApprovalStore, ApprovalView } from "../../enforce/approvals/types.js";
import { CliError, EXIT_FINDINGS, parseFormat, pc, printJson } from "../output.js";
import { io } from "../io.js";

interface StoreFlags { stateDir: string; store?: string }

function openStore(o: StoreFlags): ApprovalStore {
  if (o.store) {
    if (!/^rediss?:\/\//.test(o.store)) throw new CliError(`--store must be a redis:// URL, not "${o.store}"`);
    return new RedisApprovalStore({ url: o.store });
  }
  return new FileApprovalStore(o.stateDir);
}

async function withStore<T>(o: StoreFlags, f: (s: ApprovalStore) => Promise<T>): Promise<T> {
  const s = openStore(o);
  try {
    return await f(s);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`approval store unavailable: ${(e as Error).message}`);
  } finally {
    await s.close?.();
  }
}

function ago(iso: string): string {
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

function left(iso: string): string {
  const s = Math.round((Date.parse(iso) - Date.now()) / 1000);
  return s <= 0 ? "expired" : s < 60 ? `${s}s left` : `${Math.round(s / 60)}m left`;
}

/** The review screen of one request. */
function render(v: ApprovalView): string {
  const r = v.request;
  const status = v.status === "pending" ? pc.yellow("pending") : v.status === "approved" ? pc.green("approved") : pc.red(v.status);
  const args = JSON.stringify(r.args, null, 2).split("\n").map((l) => `    ${l}`).join("\n");
  const lines = [
    `${pc.bold(r.id)}  ${status}  ${r.integration}.${r.tool}  agent ${r.agent?.name ?? r.agent?.id ?? "?"}${r.tenant ? ` (tenant ${r.tenant})` : ""}`,
    `  reason:    ${r.reason}${r.policy ? `  (policy ${r.policy.id})` : ""}`,
    `  approvers: ${r.approvers.length ? r.approvers.join(" and ") : "any one approver"}${v.status === "pending" ? `; waiting for ${v.waitingFor.join(" and ")}` : ""}`,
    `  requested: ${ago(r.created)}, ${v.status === "pending" ? left(r.expires) : `resolved ${v.outcome ? ago(v.outcome.at) : ""}`}  · session ${r.session_id}, call ${r.call_id}`,
    `  parameters:\n${args}`,
  ];
  for (const vote of v.votes) lines.push(`  ${vote.verdict === "approve" ? pc.green("✓") : pc.red("✗")} ${vote.role} (${vote.by}) ${vote.verdict}d ${ago(vote.at)}${vote.note ? `: ${vote.note}` : ""}`);
  return lines.join("\n");
}

function storeOptions(c: Command): Command {
  return c.option("--state-dir <dir>", "the proxy's state dir", ".policy-state")
    .option("--store <url>", "redis://… when the proxy runs with --store");
}

function voteCommand(parent: Command, verb: "approve" | "deny"): void {
  storeOptions(parent.command(verb).description(verb === "approve" ? "approve a held call (both roles must approve when the policy says from [technician, manager])" : "deny a held call (one denial is enough)")
    .argument("<id>", "the approval id (from `policy approvals list`)")
    .option("--as <role>", "the role you approve as, e.g. technician or manager")
    .option("--by <name>", "who you are (default: your user name)")
    .option("--note <text>", "a note the agent sees (on deny) and the decision log keeps")
    .option("--format <format>", "text or json", "text"))
    .action(async (id: string, o: StoreFlags & { as?: string; by?: string; note?: string; format?: string }) => {
      const format = parseFormat(o.format);
      let by = o.by;
      if (!by) { try { by = userInfo().username; } catch { by = "cli"; } }
      const r = await withStore(o, (s) => s.vote(id, { verdict: verb, by: by!, ...(o.as ? { as: o.as } : {}), ...(o.note ? { note: o.note } : {}) }));
      if (format === "json") printJson(r);
      if (!r.ok) {
        if (format === "text") io().stderr.write(`error: ${r.error}\n`);
        io().exitCode = r.view ? EXIT_FINDINGS : 2;
        return;
      }
      if (format === "text") {
        const v = r.view;
        const msg = v.status === "pending" ? `${verb}d as ${v.votes[v.votes.length - 1]?.role}; still waiting for ${v.waitingFor.join(" and ")}` : `${id} is ${v.status}`;
        io().stdout.write(`${msg}\n`);
      }
    });
}

export function register(program: Command): void {
  const ap = program.command("approvals").description("review calls that `policy enforce` holds for approval");
  storeOptions(ap.command("list").description("list pending approvals (tool, parameters, reason, approvers)")
    .option("--all", "also resolved ones")
    .option("--format <format>", "text or json", "text"))
    .action(async (o: StoreFlags & { all?: boolean; format?: string }) => {
      const format = parseFormat(o.format);
      const views = await withStore(o, (s) => s.list({ all: !!o.all }));
      if (format === "json") { printJson(views); return; }
      if (!views.length) { io().stdout.write(o.all ? "no approvals\n" : "no pending approvals\n"); return; }
      io().stdout.write(views.map(render).join("\n\n") + "\n");
    });
  storeOptions(ap.command("show").description("show one approval request")
    .argument("<id>", "the approval id")
    .option("--format <format>", "text or json", "text"))
    .action(async (id: string, o: StoreFlags & { format?: string }) => {
      const format = parseFormat(o.format);
      const v = await withStore(o, (s) => s.get(id));
      if (!v) throw new CliError(`no approval with id "${id}"`);
      if (format === "json") printJson(v);
      else io().stdout.write(render(v) + "\n");
    });
  voteCommand(ap, "approve");
  voteCommand(ap, "deny");
}
