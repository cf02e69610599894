/**
 * The cached set-up of the real VS Code test (`npm run test:vscode`): Node.js 24 from the npm
 * package `node`, code-server from npm built with that Node (its native modules compiled against
 * the headers that package ships, so node-gyp downloads nothing), and Debian's `chromium`. Only the
 * npm registry is contacted; everything lands in one cache folder outside the repository
 * (`POLICY_VSCODE_TEST_CACHE`, default `~/.cache/policy-toolchain/vscode-test/`), and a warm run
 * only checks that it is there.
 *
 *   npx tsx scripts/vscode-test/setup.ts     installs what is missing and prints the paths
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Versions installed into the cache; changing one reinstalls that part on the next run. */
export const NODE_VERSION = "24.21.0";
export const CODE_SERVER_VERSION = "4.139.1";

/** Debian packages code-server's native modules (kerberos, native-keymap, …) compile against. */
export const BUILD_PACKAGES = ["libkrb5-dev", "libx11-dev", "libxkbfile-dev", "libsecret-1-dev", "pkg-config"];
/** The pkg-config modules those packages provide, checked before a cold install. */
const BUILD_MODULES = ["krb5-gssapi", "x11", "xkbfile", "libsecret-1"];

/** Where everything the test needs lives. */
export interface VscodeTestSetup {
  readonly cache: string;
  /** The Node.js 24 binary code-server runs on. */
  readonly node: string;
  /** code-server's entry point (run with `node`). */
  readonly codeServer: string;
  /** Debian's chromium. */
  readonly chromium: string;
}

/** A set-up step that could not be done: what failed and the command that fixes it. */
export class SetupError extends Error {}

export function cacheDir(): string {
  return process.env["POLICY_VSCODE_TEST_CACHE"] ?? join(homedir(), ".cache/policy-toolchain/vscode-test");
}

/** The folder of the `node` npm package's platform binary (it ships `include/node/*.h`). */
function nodePackageDir(cache: string): string {
  return join(cache, "node24/node_modules/node/node_modules", `node-${process.platform}-${process.arch}`);
}

/** Runs `cmd args` with inherited output; rejects with the command line when it fails. */
function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", (e) => reject(new SetupError(`${cmd} ${args.join(" ")}: ${e.message}`)));
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new SetupError(`${cmd} ${args.join(" ")} exited with ${code} (in ${cwd})`)),
    );
  });
}

/** True when `dir/.installed` names `version` (written last, so a broken install is redone). */
function installed(dir: string, version: string): boolean {
  const stamp = join(dir, ".installed");
  return existsSync(stamp) && readFileSync(stamp, "utf8").trim() === version;
}

/** `npm install --prefix dir pkg@version` with `env`, then the stamp. */
async function npmInstall(dir: string, spec: string, version: string, env: NodeJS.ProcessEnv): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await run("npm", ["install", "--prefix", dir, "--no-audit", "--no-fund", "--no-save", spec], env, dir);
  writeFileSync(join(dir, ".installed"), `${version}\n`);
}

async function ensureNode(cache: string, log: (m: string) => void): Promise<string> {
  const dir = join(cache, "node24");
  const bin = join(nodePackageDir(cache), "bin/node");
  if (installed(dir, NODE_VERSION) && existsSync(bin)) return bin;
  log(`installing Node.js ${NODE_VERSION} from npm (package node@${NODE_VERSION}) into ${dir}`);
  await npmInstall(dir, `node@${NODE_VERSION}`, NODE_VERSION, process.env);
  if (!existsSync(bin)) throw new SetupError(`node@${NODE_VERSION} installed no binary at ${bin}`);
  return bin;
}

/** Fails with the apt-get command when a header code-server's native build needs is missing. */
function checkBuildPackages(): void {
  const missing = BUILD_MODULES.filter((m) => spawnSync("pkg-config", ["--exists", m]).status !== 0);
  if (missing.length === 0) return;
  throw new SetupError(
    `code-server's native modules need the development files of ${missing.join(", ")}.\n` +
      `  fix: apt-get install -y ${BUILD_PACKAGES.join(" ")}`,
  );
}

async function ensureCodeServer(cache: string, node: string, log: (m: string) => void): Promise<string> {
  const dir = join(cache, "code-server");
  const entry = join(dir, "node_modules/code-server/out/node/entry.js");
  if (installed(dir, CODE_SERVER_VERSION) && existsSync(entry)) return entry;
  checkBuildPackages();
  log(`installing code-server ${CODE_SERVER_VERSION} from npm into ${dir} (3–4 minutes: native modules are compiled)`);
  const nodeBin = join(nodePackageDir(cache), "bin");
  await npmInstall(dir, `code-server@${CODE_SERVER_VERSION}`, CODE_SERVER_VERSION, {
    ...process.env,
    // npm, its scripts and node-gyp run on Node 24 (code-server's postinstall checks the version).
    PATH: `${nodeBin}:${process.env["PATH"] ?? ""}`,
    // node-gyp compiles against the headers of that Node instead of downloading them.
    npm_config_nodedir: nodePackageDir(cache),
  });
  if (!existsSync(entry)) throw new SetupError(`code-server@${CODE_SERVER_VERSION} installed no ${entry}`);
  return entry;
}

function findChromium(): string {
  const path = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
  if (!existsSync(path)) throw new SetupError(`${path} does not exist.\n  fix: apt-get install -y chromium`);
  return path;
}

/** Installs what is missing (Node 24, code-server) and returns where everything is. */
export async function ensureSetup(log: (m: string) => void = (m) => process.stderr.write(`${m}\n`)): Promise<VscodeTestSetup> {
  const cache = cacheDir();
  mkdirSync(cache, { recursive: true });
  const chromium = findChromium();
  const node = await ensureNode(cache, log);
  const codeServer = await ensureCodeServer(cache, node, log);
  return { cache, node, codeServer, chromium };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  ensureSetup().then(
    (s) => process.stdout.write(`${JSON.stringify({ ...s, seconds: (Date.now() - started) / 1000 }, null, 2)}\n`),
    (e: unknown) => {
      process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
