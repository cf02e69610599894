/**
 * `policy enforce --bundle b.json [flags] -- <command that starts an MCP server>`: the
 * enforcement point, an MCP proxy in front of real MCP servers (library: enforce/).
 */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { readJsonFile, readTextInput } from "../read-input.js";
import { startProxy, parseDuration } from "../../enforce/start.js";
import { listenProblem, serveHttp, serveStdio, type HttpOptions } from "../../enforce/serve.js";
import { Authenticator, readTokenFile, type AuthOptions } from "../../enforce/http-auth.js";
import { ajvMessage, schemaValidator } from "../../compiler/json/validate.js";
import { parseUpstream, Upstream, type UpstreamSpec } from "../../enforce/upstream.js";
import { CliError } from "../output.js";
import { io } from "../io.js";
import { keepLines, oneLine } from "../../compiler/terminal-safe.js";
import { resolveUser, userSourceFile } from "../../enforce/user-source.js";
import { loadShellParser } from "../../compiler/shell/shell-parser.js";
import { bundleUrlProblem, startOps, type Ops } from "../../ops/enforce-ops.js";
import { parseListen } from "./serve-bundles.js";

interface Flags {
  bundle?: string; store?: string; stateDir: string; record?: string; decisionLog?: string; alertsWebhook?: string;
  approvalTimeout: string; integration?: string; upstream?: string[]; root?: string[]; listen?: string; tenant?: string; agent?: string;
  agentId?: string; agentReviewStatus?: string; user?: string; userFile?: string; config?: string; strict?: boolean; sessionId?: string; separator?: string; key?: string; watch: boolean; quiet?: boolean; listTools?: boolean;
  allowOrigin?: string[]; allowHost?: string[]; authTokenFile?: string; jwtKey?: string; jwksFile?: string; jwtIssuer?: string; jwtAudience?: string;
  jwtRolesClaim?: string; jwtGroupsClaim?: string; jwtManagerClaim?: string; sessionIdle: string; maxSessionsPerToken: string;
  tlsCert?: string; tlsKey?: string;
  audit: string; allowSharedState?: boolean; sampling?: boolean; approversGroup?: string;
  bundleUrl?: string; poll: string; bundleWait: string; bundleCache?: string; metrics?: string;
}

const HTTP_FLAGS = ["allowOrigin", "allowHost", "authTokenFile", "jwtKey", "jwksFile", "jwtIssuer", "jwtAudience", "jwtRolesClaim", "jwtGroupsClaim", "jwtManagerClaim", "tlsCert", "tlsKey"] as const;
const flagName = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The JWT part of the authentication flags, or undefined when neither key flag is given. */
function jwtOptions(o: Flags): AuthOptions["jwt"] {
  if (!o.jwtKey && !o.jwksFile) {
    const stray = (["jwtIssuer", "jwtAudience", "jwtRolesClaim", "jwtGroupsClaim", "jwtManagerClaim"] as const).find((k) => o[k] !== undefined);
    if (stray) throw new CliError(`${flagName(stray)} needs --jwt-key or --jwks-file`);
    return undefined;
  }
  if (o.jwtKey && o.jwksFile) throw new CliError("give --jwt-key or --jwks-file, not both");
  if (!o.jwtIssuer || !o.jwtAudience) throw new CliError("JWTs are verified with --jwt-issuer <iss> and --jwt-audience <aud> (a token issued for another service must not be accepted)");
  let jwks: unknown;
  if (o.jwksFile) {
    jwks = readJsonFile(o.jwksFile, "JWKS file");
    const valid = schemaValidator("jwks.schema.json");
    if (!valid(jwks)) throw new CliError(`--jwks-file ${o.jwksFile}: ${(valid.errors ?? []).map(ajvMessage).join("; ")} (schemas/jwks.schema.json: public RSA, EC or OKP keys only)`);
  }
  return {
    issuer: o.jwtIssuer, audience: o.jwtAudience,
    ...(o.jwtKey ? { keyPem: readTextInput(o.jwtKey, "JWT public key") } : { jwks }),
    ...(o.jwtRolesClaim ? { rolesClaim: o.jwtRolesClaim } : {}),
    ...(o.jwtGroupsClaim ? { groupsClaim: o.jwtGroupsClaim } : {}),
    ...(o.jwtManagerClaim ? { managerClaim: o.jwtManagerClaim } : {}),
  };
}

/** What `--listen` is served with: allow-lists, authentication and session limits. */
function httpOptions(o: Flags): HttpOptions {
  const idle = parseDuration(o.sessionIdle);
  if (idle === undefined || idle <= 0) throw new CliError(`--session-idle must be a duration like 30s, 10m or 1h, not "${o.sessionIdle}"`);
  const cap = Number(o.maxSessionsPerToken);
  if (!Number.isInteger(cap) || cap < 1) throw new CliError(`--max-sessions-per-token must be a whole number of at least 1, not "${o.maxSessionsPerToken}"`);
  let auth: Authenticator | undefined;
  try {
    const tokens = o.authTokenFile ? readTokenFile(o.authTokenFile) : undefined;
    const jwt = jwtOptions(o);
    if (tokens || jwt) auth = new Authenticator({ ...(tokens ? { tokens } : {}), ...(jwt ? { jwt } : {}) });
  } catch (e) {
    throw e instanceof CliError ? e : new CliError((e as Error).message);
  }
  if (!o.tlsCert !== !o.tlsKey) throw new CliError("HTTPS needs both --tls-cert and --tls-key");
  return {
    sessionIdleMs: idle, maxSessionsPerToken: cap,
    ...(o.tlsCert && o.tlsKey ? { tls: { cert: readTextInput(o.tlsCert, "TLS certificate"), key: readTextInput(o.tlsKey, "TLS key") } } : {}),
    ...(auth ? { auth } : {}),
    ...(o.allowOrigin ? { allowOrigins: o.allowOrigin } : {}),
    ...(o.allowHost ? { allowHosts: o.allowHost } : {}),
  };
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/**
 * The files given on the command line that the proxy takes its trust from: none may lie where an
 * upstream server (and so the agent) can read or rewrite it (enforce/shared-state.ts).
 */
function trustedFilesOf(o: Flags): { what: string; path: string }[] {
  const out: { what: string; path: string }[] = [];
  const add = (what: string, p: string | undefined) => { if (p !== undefined && p !== "-" && existsSync(p)) out.push({ what, path: p }); };
  add("public key (--key)", o.key);
  add("token file (--auth-token-file)", o.authTokenFile);
  add("JWT key (--jwt-key)", o.jwtKey);
  add("JWKS file (--jwks-file)", o.jwksFile);
  add("TLS key (--tls-key)", o.tlsKey);
  add("TLS certificate (--tls-cert)", o.tlsCert);
  add(o.userFile !== undefined ? "user record (--user-file)" : "config with the users (--config)", userSourceFile(o));
  add("bundle cache (--bundle-cache)", o.bundleCache);
  if (o.key && o.bundle) add("bundle signature", `${o.bundle}.sig`);
  return out;
}

/** `--root [id=]dir`: onto the upstream with that id, or (without `id=`) the one given after `--`. */
function applyRoots(upstreams: UpstreamSpec[], roots: readonly string[], hasCommand: boolean): void {
  for (const r of roots) {
    const m = /^([a-z][a-z0-9_]*)=(.+)$/.exec(r);
    const i = m ? upstreams.findIndex((u) => u.integration === m[1]) : hasCommand ? 0 : -1;
    if (i < 0) throw new CliError(m ? `--root ${r}: no upstream has the id "${m[1]}"` : `--root ${r}: without id= it applies to the server given after --; with --upstream write --root <id>=<dir>`);
    upstreams[i] = { ...upstreams[i]!, root: m ? m[2]! : r };
  }
}

/** `--list-tools`: what the upstream offers, unfiltered, as a `tools/list` result. */
async function listTools(specs: readonly UpstreamSpec[]): Promise<void> {
  if (specs.length !== 1) throw new CliError("--list-tools takes one upstream");
  let u: Upstream;
  try {
    u = await Upstream.connect(specs[0]!, { stderr: "ignore" });
  } catch (e) { throw new CliError((e as Error).message); }
  try {
    io().stdout.write(JSON.stringify({ tools: u.tools }, null, 2) + "\n");
    io().stderr.write(`${u.tools.length} tools from ${oneLine(u.serverName ?? "the server")} (integration id ${u.integration})\n`);
  } finally {
    await u.close();
  }
}

/** `--bundle-url` and `--metrics`: checked, then started (the first bundle is awaited here). */
async function opsOf(o: Flags, publicKeyPem: string | undefined, log: (m: string) => void): Promise<Ops> {
  const poll = parseDuration(o.poll);
  if (poll === undefined || poll < 100) throw new CliError(`--poll must be a duration like 10s, 30s or 5m, not "${o.poll}"`);
  const wait = parseDuration(o.bundleWait);
  if (wait === undefined) throw new CliError(`--bundle-wait must be a duration like 10s or 1m, not "${o.bundleWait}"`);
  if (!o.bundleUrl && o.bundleCache) throw new CliError("--bundle-cache applies to --bundle-url");
  const problem = o.bundleUrl ? bundleUrlProblem(o.bundleUrl, publicKeyPem !== undefined) : undefined;
  if (problem) throw new CliError(problem);
  try {
    return await startOps({
      bundleUrl: o.bundleUrl, publicKeyPem, pollMs: poll, waitMs: wait, stateDir: o.stateDir, cacheDir: o.bundleCache,
      metrics: o.metrics ? parseListen(o.metrics, "--metrics") : undefined, log,
    });
  } catch (e) {
    throw e instanceof CliError ? e : new CliError((e as Error).message);
  }
}

export function register(program: Command): void {
  program.command("enforce").description("run an MCP proxy that enforces a bundle in front of MCP servers")
    .argument("[command...]", "after --: the command that starts the upstream MCP server (stdio)")
    .option("--bundle <file>", "the bundle to enforce (reloaded when the file changes)")
    .option("--bundle-url <url>", "pull the bundle from this URL (polled with ETags; <url>.sig verified with --key; the last good one cached in the state dir)")
    .option("--poll <duration>", "with --bundle-url: how often to poll", "30s")
    .option("--bundle-wait <duration>", "with --bundle-url: how long to try at start when neither the server nor the cache gives a bundle", "30s")
    .option("--bundle-cache <dir>", "with --bundle-url: where the last good bundle is kept (default: <state-dir>/bundle-cache/<hash of the URL>)")
    .option("--metrics <host:port>", "serve Prometheus metrics at /metrics, and /healthz and /readyz, on this address")
    .option("--list-tools", "print the upstream's tools/list result as JSON and exit (for `policy catalog import --from mcp`)")
    .option("--integration <id>", "integration id of the upstream given after -- (default: from the server's name)")
    .option("--upstream <spec>", "an upstream: <id>=<command line> or <id>=http(s)://… (repeatable)", collect)
    .option("--root <[id=]dir>", "the folder an upstream resolves relative paths against (path arguments are made relative to it; default: a stdio server's first directory argument); id= names an --upstream (repeatable)", collect)
    .option("--listen <host:port>", "serve agents over Streamable HTTP at http://host:port/mcp instead of stdio")
    .option("--allow-origin <origin>", "with --listen: a browser Origin to accept besides loopback ones, e.g. https://app.example.com (repeatable)", collect)
    .option("--allow-host <name>", "with --listen: a Host name to accept besides loopback names and the listen address (repeatable)", collect)
    .option("--auth-token-file <file>", "with --listen: bearer tokens, one per line with an optional name (required beyond loopback, or a JWT key)")
    .option("--jwt-key <pem>", "with --listen: accept JWTs signed with this public key (RSA, EC or Ed25519)")
    .option("--jwks-file <file>", "with --listen: accept JWTs signed with a key of this JSON Web Key Set")
    .option("--jwt-issuer <iss>", "the issuer JWTs must name")
    .option("--jwt-audience <aud>", "the audience JWTs must be issued for")
    .option("--jwt-roles-claim <path>", "claim with the user's roles (default roles; dots for nesting)")
    .option("--jwt-groups-claim <path>", "claim with the user's groups (default groups)")
    .option("--jwt-manager-claim <path>", "claim with the user's manager (default manager)")
    .option("--tls-cert <pem>", "with --listen: serve HTTPS with this certificate (chain), with --tls-key")
    .option("--tls-key <pem>", "with --listen: the certificate's private key")
    .option("--session-idle <duration>", "with --listen: close a session after this long without a request", "10m")
    .option("--max-sessions-per-token <n>", "with --listen: sessions one token may hold (the least recently used idle one is closed first)", "32")
    .option("--store <url>", "redis://… to share session state and approvals between replicas (default: in memory)")
    .option("--state-dir <dir>", "where pending approvals are kept (shared with `policy approvals`)", ".policy-state")
    .option("--record <dir>", "record every session as JSON Lines (SPEC §6) in this folder")
    .option("--decision-log <file>", "append one JSON line per decision, alert and approval")
    .option("--alerts-webhook <url>", "deliver alerts to this Slack-compatible incoming webhook")
    .option("--approval-timeout <duration>", "how long a call waits for approval before it is denied", "5m")
    .option("--tenant <name>", "tenant put on every event")
    .option("--agent <name>", "agent name (default: the MCP client's name)")
    .option("--agent-id <id>", "agent id")
    .option("--agent-review-status <status>", "Approved, Unreviewed or Disallowed, for agents the reviews file (policy agent review) does not name")
    .option("--user <id>", "the person behind the agent: a user of policy.config.json \"users\" (put on every event; `user` conditions)")
    .option("--user-file <file>", "the person behind the agent, as a JSON user record (schemas/user.schema.json)")
    .option("--config <file>", "the policy.config.json that --user reads (default: found from the working folder upwards)")
    .option("--session-id <id>", "session id (stdio; default: generated)")
    .option("--separator <text>", "between integration and tool in tool names when there are several upstreams", "__")
    .option("--key <file>", "an Ed25519 public key (PEM): only bundles signed with its key (<bundle>.sig) are loaded, at start and on reload")
    .option("--no-watch", "do not reload the bundle when the file changes")
    .option("--audit <mode>", "strict: block a call whose recording or decision-log line cannot be written; best-effort: forward it anyway", "strict")
    .option("--sampling", "tell the upstream servers that the agent's client can sample: their sampling requests are decided (when tool_response of sampling/createMessage) and passed to the agent")
    .option("--allow-shared-state", "start even when the state dir, recordings, decision log, an unsigned bundle or a key, token, user or config file lie inside a path given to an upstream server")
    .option("--approvers-group <group>", "an OS group whose members may review and vote with `policy approvals` (the state dir stays closed to everyone else)")
    .option("--quiet", "no operational messages on stderr (approvals to decide are still shown)")
    .option("--strict", "refuse to start when an upstream has no integration in the catalog or serves tools no policy and no default can decide")
    .addHelpText("after", `
Examples:
  policy enforce --bundle bundle.json --integration filesystem -- npx -y @modelcontextprotocol/server-filesystem ./sandbox
  policy enforce --bundle bundle.json --upstream github="npx -y @modelcontextprotocol/server-github" --upstream memory="npx -y @modelcontextprotocol/server-memory"
  policy enforce --bundle bundle.json --listen 127.0.0.1:8931 --upstream docs=https://mcp.example.com/mcp`)
    .action(async (command: string[], o: Flags) => {
      if (o.audit !== "strict" && o.audit !== "best-effort") throw new CliError(`--audit must be strict or best-effort, not "${o.audit}"`);
      const audit: "strict" | "best-effort" = o.audit;
      await loadShellParser();
      const timeout = parseDuration(o.approvalTimeout);
      if (timeout === undefined || timeout <= 0) throw new CliError(`--approval-timeout must be a duration like 30s, 5m or 1h, not "${o.approvalTimeout}"`);
      const upstreams: UpstreamSpec[] = [];
      try {
        for (const u of o.upstream ?? []) upstreams.push(parseUpstream(u));
      } catch (e) { throw new CliError((e as Error).message); }
      if (command.length) upstreams.unshift({ ...(o.integration ? { integration: o.integration.toLowerCase() } : {}), command });
      else if (o.integration) throw new CliError("--integration names the upstream given after --; with --upstream write <id>=<command>");
      if (!upstreams.length) throw new CliError("no upstream MCP server: put its command after -- (policy enforce --bundle b.json -- npx -y <server>) or use --upstream");
      applyRoots(upstreams, o.root ?? [], command.length > 0);
      if (o.listTools) { await listTools(upstreams); return; }
      if (o.bundle && o.bundleUrl) throw new CliError("give --bundle <file> or --bundle-url <url>, not both");
      if (!o.bundle && !o.bundleUrl) throw new CliError("--bundle <file> or --bundle-url <url> is required (build one with `policy build -o bundle.json`)");
      let listen: { host: string; port: number } | undefined;
      if (o.listen) {
        const m = /^(.*):(\d+)$/.exec(o.listen);
        if (!m) throw new CliError(`--listen must be host:port, not "${o.listen}"`);
        listen = { host: m[1]!.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1", port: Number(m[2]) };
      } else {
        const stray = HTTP_FLAGS.find((k) => o[k] !== undefined);
        if (stray) throw new CliError(`${flagName(stray)} applies to the HTTP transport: add --listen host:port`);
      }
      let user;
      try {
        user = resolveUser({ ...(o.user !== undefined ? { user: o.user } : {}), ...(o.userFile !== undefined ? { userFile: o.userFile } : {}), ...(o.config !== undefined ? { config: o.config } : {}) });
      } catch (e) { throw new CliError((e as Error).message); }
      const http = listen ? httpOptions(o) : undefined;
      const problem = listen && http ? listenProblem(listen.host, http) : undefined;
      if (problem) throw new CliError(problem);
      // Messages quote agents, tools and upstream errors: nothing in them may act on the terminal.
      const important = (m: string) => io().stderr.write(`policy enforce: ${keepLines(m)}\n`);
      const log = (m: string) => { if (!o.quiet || m.startsWith("approval ")) important(m); };
      // Last, once every flag is checked: the metrics endpoint, and the first pulled bundle.
      const ops = await opsOf(o, o.key ? readTextInput(o.key, "public key") : undefined, log);
      const bundle = ops.bundle ?? o.bundle!;
      let proxy;
      try {
        proxy = await startProxy({
          bundle, upstreams, stateDir: o.stateDir, approvalTimeoutMs: timeout, watch: o.watch && !ops.bundle, log, ...(ops.observer ? { observer: ops.observer } : {}), warn: important, ...(o.strict ? { strict: true } : {}), audit,
          ...(o.allowSharedState ? { allowSharedState: true } : { trustedFiles: trustedFilesOf(o) }), ...(o.sampling ? { sampling: true } : {}),
          ...(o.approversGroup ? { approversGroup: o.approversGroup } : {}),
          ...(o.key ? { publicKey: readTextInput(o.key, "public key") } : {}),
          ...(o.store ? { storeUrl: o.store } : {}),
          ...(o.record ? { recordDir: o.record } : {}),
          ...(o.decisionLog ? { decisionLog: o.decisionLog } : {}),
          ...(o.alertsWebhook ? { alertsWebhook: o.alertsWebhook } : {}),
          ...(o.separator ? { separator: o.separator } : {}),
          identity: {
            ...(o.tenant ? { tenant: o.tenant } : {}),
            agent: { ...(o.agent ? { name: o.agent } : {}), ...(o.agentId ? { id: o.agentId } : {}), ...(o.agentReviewStatus ? { review_status: o.agentReviewStatus } : {}) },
            ...(user ? { user } : {}),
          },
        });
      } catch (e) {
        await ops.close();
        throw new CliError((e as Error).message);
      }
      ops.attach(proxy);
      if (ops.metricsUrl) important(`metrics at ${ops.metricsUrl}/metrics (also /healthz, /readyz)`);
      let stopping: Promise<void> | undefined;
      const stop = () => (stopping ??= ops.close().then(() => proxy.close()));
      process.once("SIGINT", () => { void stop().then(() => process.exit(130)); });
      process.once("SIGTERM", () => { void stop().then(() => process.exit(143)); });
      if (listen) {
        let ep;
        try {
          ep = await serveHttp(proxy.gateway, listen.host, listen.port, http);
        } catch (e) {
          await stop();
          throw new CliError((e as Error).message);
        }
        important(`listening on ${ep.url}`);
        await new Promise<void>((resolve) => ep.server.once("close", () => resolve()));
      } else {
        await serveStdio(proxy.gateway, o.sessionId ? { sessionId: o.sessionId } : {});
      }
      await stop();
      io().exitCode = 0;
    });
}
