/**
 * `policy approvals list | show <id> | approve <id> | deny <id> [--as technician|manager]`:
 * the review screen for calls that `policy enforce` holds for approval (tool, parameters,
 * reason; seed 002), shared with the proxy through the state dir (or Redis with `--store`).
 * The voter is the OS user running this command; `--as` only picks one of the roles that user
 * holds. A vote is a ballot the proxy checks and records (this command never holds the proxy's
 * key and never writes an outcome); it waits for the proxy's receipt and reports it.
 */
import type { Command } from "commander";
import { FileApprovalStore } from "../../enforce/approvals/file-store.js";
import { RedisApprovalStore } from "../../enforce/approvals/redis-store.js";
import { currentUser } from "../../enforce/approvals/identity.js";
import { abandoned, castBallot } from "../../enforce/approvals/cast.js";
import { viewOf, type ApprovalStore, type ApprovalView } from "../../enforce/approvals/types.js";
import { parseDuration } from "../../enforce/start.js";
import { CliError, EXIT_FINDINGS, parseFormat, pc, printJson } from "../output.js";
import { io } from "../io.js";
import { oneLine as s } from "../../compiler/terminal-safe.js";

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

/**
 * The review screen of one request. Every value is shown through `s` (one inert line): the agent
 * chose its name, the tool's parameters and (through them) parts of the reason. The MCP session id
 * is not shown: over HTTP it is not a credential, but it stays out of reach of other local users.
 */
function render(v: ApprovalView): string {
  const r = v.request;
  const status = abandoned(v) ? pc.red("abandoned (the proxy that held it is gone)") : v.status === "pending" ? pc.yellow("pending") : v.status === "approved" ? pc.green("approved") : pc.red(s(v.status));
  const args = JSON.stringify(r.args, null, 2).split("\n").map((l) => `    ${s(l)}`).join("\n");
  const lines = [
    `${pc.bold(s(r.id))}  ${status}  ${s(r.integration)}.${s(r.tool)}  agent ${s(r.agent?.name ?? r.agent?.id ?? "?")}${r.tenant ? ` (tenant ${s(r.tenant)})` : ""}`,
    `  reason:    ${s(r.reason)}${r.policy ? `  (policy ${s(r.policy.id)})` : ""}`,
    `  approvers: ${r.approvers.length ? s(r.approvers.join(" and ")) : "any one approver"}${v.status === "pending" ? `; waiting for ${s(v.waitingFor.join(" and "))}` : ""}`,
    `  requested: ${ago(r.created)}, ${v.status === "pending" ? left(r.expires) : `resolved ${v.outcome ? ago(v.outcome.at) : ""}`}  · call ${s(r.call_id)}`,
    `  parameters:\n${args}`,
  ];
  for (const vote of v.votes) lines.push(`  ${vote.verdict === "approve" ? pc.green("✓") : pc.red("✗")} ${s(vote.role)} (${s(vote.by)}) ${s(vote.verdict)}d ${ago(vote.at)}${vote.note ? `: ${s(vote.note)}` : ""}`);
  if (v.outcome?.why) lines.push(`  outcome:   ${s(v.outcome.status)} (${s(v.outcome.why)})`);
  return lines.join("\n");
}

function storeOptions(c: Command): Command {
  return c.option("--state-dir <dir>", "the proxy's state dir", ".policy-state")
    .option("--store <url>", "redis://… when the proxy runs with --store");
}

function voteCommand(parent: Command, verb: "approve" | "deny"): void {
  storeOptions(parent.command(verb).description(verb === "approve" ? "approve a held call as your OS user (both roles must approve when the policy says from [technician, manager])" : "deny a held call as your OS user (one denial is enough)")
    .argument("<id>", "the approval id (from `policy approvals list`)")
    .option("--as <role>", "which of your roles you vote as, when you hold several (see \"approvers\" in policy.config.json)")
    .option("--note <text>", "a note the agent sees (on deny) and the decision log keeps")
    .option("--wait <duration>", "how long to wait for the proxy to count the vote", "10s")
    .option("--format <format>", "text or json", "text"))
    .action(async (id: string, o: StoreFlags & { as?: string; note?: string; wait: string; format?: string }) => {
      const format = parseFormat(o.format);
      const waitMs = parseDuration(o.wait);
      if (waitMs === undefined) throw new CliError(`--wait must be a duration like 10s, not "${o.wait}"`);
      const r = await withStore(o, (s) => castBallot(s, id, verb, { by: currentUser(), waitMs, ...(o.as ? { as: o.as } : {}), ...(o.note ? { note: o.note } : {}) }));
      if (format === "json") printJson(r);
      if (!r.ok) {
        if (format === "text") io().stderr.write(`error: ${s(r.error)}\n`);
        io().exitCode = r.view ? EXIT_FINDINGS : 2;
        return;
      }
      if (format === "text") {
        const v = r.view;
        const msg = s(v.status === "pending" ? `${verb}d as ${r.role}; still waiting for ${v.waitingFor.join(" and ")}` : `${id} is ${v.status}`);
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
      const now = Date.now();
      const views = (await withStore(o, (s) => s.list())).map((x) => viewOf(x, now)).filter((v) => o.all || v.status === "pending");
      if (format === "json") { printJson(views); return; }
      if (!views.length) { io().stdout.write(o.all ? "no approvals\n" : "no pending approvals\n"); return; }
      io().stdout.write(views.map(render).join("\n\n") + "\n");
    });
  storeOptions(ap.command("show").description("show one approval request")
    .argument("<id>", "the approval id")
    .option("--format <format>", "text or json", "text"))
    .action(async (id: string, o: StoreFlags & { format?: string }) => {
      const format = parseFormat(o.format);
      const stored = await withStore(o, (s) => s.get(id));
      if (!stored) throw new CliError(`no approval with id "${id}"`);
      const v = viewOf(stored, Date.now());
      if (format === "json") printJson(v);
      else io().stdout.write(render(v) + "\n");
    });
  voteCommand(ap, "approve");
  voteCommand(ap, "deny");
}
