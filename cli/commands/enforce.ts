/**
 * `policy enforce --bundle b.json [flags] -- <command that starts an MCP server>`: the
 * enforcement point, an MCP proxy in front of real MCP servers (library: enforce/).
 */
import type { Command } from "commander";
import { readTextInput } from "../project-io.js";
import { startProxy, parseDuration } from "../../enforce/start.js";
import { serveHttp, serveStdio } from "../../enforce/serve.js";
import { parseUpstream, Upstream, type UpstreamSpec } from "../../enforce/upstream.js";
import { CliError } from "../output.js";
import { io } from "../io.js";

interface Flags {
  bundle?: string; store?: string; stateDir: string; record?: string; decisionLog?: string; alertsWebhook?: string;
  approvalTimeout: string; integration?: string; upstream?: string[]; listen?: string; tenant?: string; agent?: string;
  agentId?: string; agentReviewStatus?: string; sessionId?: string; separator?: string; key?: string; watch: boolean; quiet?: boolean; listTools?: boolean;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `--list-tools`: what the upstream offers, unfiltered, as a `tools/list` result. */
async function listTools(specs: readonly UpstreamSpec[]): Promise<void> {
  if (specs.length !== 1) throw new CliError("--list-tools takes one upstream");
  let u: Upstream;
  try {
    u = await Upstream.connect(specs[0]!, { stderr: "ignore" });
  } catch (e) { throw new CliError((e as Error).message); }
  try {
    io().stdout.write(JSON.stringify({ tools: u.tools }, null, 2) + "\n");
    io().stderr.write(`${u.tools.length} tools from ${u.serverName ?? "the server"} (integration id ${u.integration})\n`);
  } finally {
    await u.close();
  }
}

export function register(program: Command): void {
  program.command("enforce").description("run an MCP proxy that enforces a bundle in front of MCP servers")
    .argument("[command...]", "after --: the command that starts the upstream MCP server (stdio)")
    .option("--bundle <file>", "the bundle to enforce (reloaded when the file changes)")
    .option("--list-tools", "print the upstream's tools/list result as JSON and exit (for `policy catalog import --from mcp`)")
    .option("--integration <id>", "integration id of the upstream given after -- (default: from the server's name)")
    .option("--upstream <spec>", "an upstream: <id>=<command line> or <id>=http(s)://… (repeatable)", collect)
    .option("--listen <host:port>", "serve agents over Streamable HTTP at http://host:port/mcp instead of stdio")
    .option("--store <url>", "redis://… to share session state and approvals between replicas (default: in memory)")
    .option("--state-dir <dir>", "where pending approvals are kept (shared with `policy approvals`)", ".policy-state")
    .option("--record <dir>", "record every session as JSON Lines (SPEC §6) in this folder")
    .option("--decision-log <file>", "append one JSON line per decision, alert and approval")
    .option("--alerts-webhook <url>", "deliver alerts to this Slack-compatible incoming webhook")
    .option("--approval-timeout <duration>", "how long a call waits for approval before it is denied", "5m")
    .option("--tenant <name>", "tenant put on every event")
    .option("--agent <name>", "agent name (default: the MCP client's name)")
    .option("--agent-id <id>", "agent id")
    .option("--agent-review-status <status>", "Approved, Unreviewed or Disallowed")
    .option("--session-id <id>", "session id (stdio; default: generated)")
    .option("--separator <text>", "between integration and tool in tool names when there are several upstreams", "__")
    .option("--key <file>", "an Ed25519 public key (PEM): only bundles signed with its key (<bundle>.sig) are loaded, at start and on reload")
    .option("--no-watch", "do not reload the bundle when the file changes")
    .option("--quiet", "no operational messages on stderr (approvals to decide are still shown)")
    .addHelpText("after", `
Examples:
  policy enforce --bundle bundle.json --integration filesystem -- npx -y @modelcontextprotocol/server-filesystem ./sandbox
  policy enforce --bundle bundle.json --upstream github="npx -y @modelcontextprotocol/server-github" --upstream memory="npx -y @modelcontextprotocol/server-memory"
  policy enforce --bundle bundle.json --listen 127.0.0.1:8931 --upstream docs=https://mcp.example.com/mcp`)
    .action(async (command: string[], o: Flags) => {
      const timeout = parseDuration(o.approvalTimeout);
      if (timeout === undefined || timeout <= 0) throw new CliError(`--approval-timeout must be a duration like 30s, 5m or 1h, not "${o.approvalTimeout}"`);
      const upstreams: UpstreamSpec[] = [];
      try {
        for (const u of o.upstream ?? []) upstreams.push(parseUpstream(u));
      } catch (e) { throw new CliError((e as Error).message); }
      if (command.length) upstreams.unshift({ ...(o.integration ? { integration: o.integration.toLowerCase() } : {}), command });
      else if (o.integration) throw new CliError("--integration names the upstream given after --; with --upstream write <id>=<command>");
      if (!upstreams.length) throw new CliError("no upstream MCP server: put its command after -- (policy enforce --bundle b.json -- npx -y <server>) or use --upstream");
      if (o.listTools) { await listTools(upstreams); return; }
      if (!o.bundle) throw new CliError("--bundle <file> is required (build one with `policy build -o bundle.json`)");
      const bundle = o.bundle;
      let listen: { host: string; port: number } | undefined;
      if (o.listen) {
        const m = /^(.*):(\d+)$/.exec(o.listen);
        if (!m) throw new CliError(`--listen must be host:port, not "${o.listen}"`);
        listen = { host: m[1]!.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1", port: Number(m[2]) };
      }
      const important = (m: string) => io().stderr.write(`policy enforce: ${m}\n`);
      const log = (m: string) => { if (!o.quiet || m.startsWith("approval ")) important(m); };
      let proxy;
      try {
        proxy = await startProxy({
          bundle, upstreams, stateDir: o.stateDir, approvalTimeoutMs: timeout, watch: o.watch, log,
          ...(o.key ? { publicKey: readTextInput(o.key, "public key") } : {}),
          ...(o.store ? { storeUrl: o.store } : {}),
          ...(o.record ? { recordDir: o.record } : {}),
          ...(o.decisionLog ? { decisionLog: o.decisionLog } : {}),
          ...(o.alertsWebhook ? { alertsWebhook: o.alertsWebhook } : {}),
          ...(o.separator ? { separator: o.separator } : {}),
          identity: {
            ...(o.tenant ? { tenant: o.tenant } : {}),
            agent: { ...(o.agent ? { name: o.agent } : {}), ...(o.agentId ? { id: o.agentId } : {}), ...(o.agentReviewStatus ? { review_status: o.agentReviewStatus } : {}) },
          },
        });
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      let stopping: Promise<void> | undefined;
      const stop = () => (stopping ??= proxy.close());
      process.once("SIGINT", () => { void stop().then(() => process.exit(130)); });
      process.once("SIGTERM", () => { void stop().then(() => process.exit(143)); });
      if (listen) {
        const ep = await serveHttp(proxy.gateway, listen.host, listen.port);
        important(`listening on ${ep.url}`);
        await new Promise<void>((resolve) => ep.server.once("close", () => resolve()));
      } else {
        await serveStdio(proxy.gateway, o.sessionId ? { sessionId: o.sessionId } : {});
      }
      await stop();
      io().exitCode = 0;
    });
}
