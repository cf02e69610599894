/**
 * `policy console [--state-dir DIR | --store redis://…] [--decision-log FILE…] [--record DIR…]
 * [--bundle FILE…] --listen 127.0.0.1:PORT`: the web console (console/); and
 * `policy console token <person>`: a login token for one person, signed with a key derived from the
 * proxy's approval key (so it runs as the proxy's OS user, like the console itself).
 */
import { io } from "../io.js";
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { loadOrCreateKey } from "../../enforce/approvals/seal.js";
import { parseDuration } from "../../enforce/start.js";
import { Authenticator, readTokenFile } from "../../enforce/http-auth.js";
import { oneLine } from "../../compiler/terminal-safe.js";
import { CliError } from "../output.js";
import { readTextInput } from "../project-io.js";

const collect = (v: string, prev: string[] = []) => [...prev, v];

interface ConsoleFlags {
  stateDir: string; store?: string; decisionLog?: string[]; record?: string[]; bundle?: string[]; listen: string; allowHost?: string[];
  authTokenFile?: string; jwtKey?: string; jwtIssuer?: string; jwtAudience?: string;
}

/** The proxy's HTTP authentication, when its flags are given: its named tokens and JWTs sign people in too. */
function proxyAuth(o: ConsoleFlags): Authenticator | undefined {
  if (!o.jwtKey && (o.jwtIssuer || o.jwtAudience)) throw new CliError("--jwt-issuer and --jwt-audience need --jwt-key");
  if (o.jwtKey && (!o.jwtIssuer || !o.jwtAudience)) throw new CliError("JWTs are verified with --jwt-issuer <iss> and --jwt-audience <aud>, as `policy enforce` verifies them");
  if (!o.authTokenFile && !o.jwtKey) return undefined;
  try {
    return new Authenticator({
      ...(o.authTokenFile ? { tokens: readTokenFile(o.authTokenFile) } : {}),
      ...(o.jwtKey ? { jwt: { keyPem: readTextInput(o.jwtKey, "JWT public key"), issuer: o.jwtIssuer!, audience: o.jwtAudience! } } : {}),
    });
  } catch (e) {
    throw e instanceof CliError ? e : new CliError((e as Error).message);
  }
}

function parseListen(v: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(v);
  if (!m || Number(m[2]) > 65535) throw new CliError(`--listen must be host:port (e.g. 127.0.0.1:8940), not "${v}"`);
  return { host: m[1]!.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1", port: Number(m[2]) };
}

// The console is loaded only when this command runs: every other command starts as fast as before.
async function serve(o: ConsoleFlags): Promise<void> {
  const { host, port } = parseListen(o.listen);
  const auth = proxyAuth(o);
  const { startConsole } = await import("../../console/index.js");
  let running;
  try {
    running = await startConsole({
      host, port, stateDir: o.stateDir, decisionLogs: o.decisionLog ?? [], records: o.record ?? [], bundles: o.bundle ?? [],
      ...(o.store ? { store: o.store } : {}), ...(o.allowHost ? { allowHosts: o.allowHost } : {}), ...(auth ? { auth } : {}),
    });
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  io().stderr.write(`policy console: listening on ${running.url} (sign in with a token from \`policy console token <person> --state-dir ${oneLine(o.stateDir)}\`)\n`);
  const stop = (code: number) => { void running.close().then(() => process.exit(code)); };
  process.once("SIGINT", () => stop(130));
  process.once("SIGTERM", () => stop(143));
}

async function token(person: string, o: { stateDir: string; ttl: string }): Promise<void> {
  const { issueToken, loginKey, PERSON_RE } = await import("../../console/auth.js");
  if (!PERSON_RE.test(person)) throw new CliError(`"${oneLine(person)}" is not a person's name as approvers are named in policy.config.json (letters, digits, _ . @ -)`);
  const ttl = parseDuration(o.ttl);
  if (ttl === undefined || ttl <= 0) throw new CliError(`--ttl must be a duration like 12h, not "${oneLine(o.ttl)}"`);
  if (!existsSync(o.stateDir)) throw new CliError(`the state dir ${oneLine(o.stateDir)} does not exist: give the --state-dir of \`policy enforce\``);
  let key: Buffer;
  try { key = loadOrCreateKey(o.stateDir); } catch (e) { throw new CliError((e as Error).message); }
  io().stdout.write(`${await issueToken(loginKey(key), person, ttl)}\n`);
}

export function register(program: Command): void {
  const c = program.command("console").description("the web console: approvals queue and review screen, monitor, alerts")
    .option("--state-dir <dir>", "the state dir of `policy enforce` (its approval key; the approvals unless --store)", ".policy-state")
    .option("--store <url>", "redis://… when the proxy runs with --store")
    .option("--decision-log <file>", "a decision log of the proxy (repeatable)", collect)
    .option("--record <dir>", "a recording folder of the proxy (repeatable): the matching input, explain and replay", collect)
    .option("--bundle <file>", "a bundle the proxy serves (repeatable): policy source lines and explain", collect)
    .option("--listen <host:port>", "where to serve (loopback only)", "127.0.0.1:8940")
    .option("--allow-host <name>", "a Host name a TLS-terminating reverse proxy forwards under (repeatable)", collect)
    .option("--auth-token-file <file>", "the proxy's token file: its named tokens sign people in (the name is the person)")
    .option("--jwt-key <pem>", "accept JWTs signed with this public key, as `policy enforce --jwt-key` (the subject is the person)")
    .option("--jwt-issuer <iss>", "with --jwt-key: the issuer JWTs must have")
    .option("--jwt-audience <aud>", "with --jwt-key: the audience JWTs must have")
    .action((o: ConsoleFlags) => serve(o));
  c.command("token").description("print a login token for one person (run it as the proxy's OS user)")
    .argument("<person>", "the person, named as in \"approvers\" of policy.config.json")
    .option("--ttl <duration>", "how long the token is valid", "12h")
    // --state-dir is the console's own option (commander gives it to the parent wherever it is written).
    .action((person: string, o: { ttl: string }) => token(person, { ...o, stateDir: (c.opts() as ConsoleFlags).stateDir }));
}
