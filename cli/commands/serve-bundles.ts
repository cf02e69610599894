/**
 * `policy serve-bundles DIR --listen 127.0.0.1:PORT`: the reference bundle server (ops/bundle-server.ts)
 * that `policy enforce --bundle-url` pulls from; any static server or object store works the same.
 */
import { io } from "../io.js";
import type { Command } from "commander";
import { existsSync, statSync } from "node:fs";
import { serveBundles } from "../../ops/bundle-server.js";
import { CliError } from "../output.js";
import { keepLines } from "../../compiler/terminal-safe.js";

/** `host:port` (the host may be bracketed IPv6); a clear error otherwise. */
export function parseListen(v: string, flag: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(v);
  if (!m || Number(m[2]) > 65535) throw new CliError(`${flag} must be host:port (e.g. 127.0.0.1:8080), not "${v}"`);
  return { host: m[1]!.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1", port: Number(m[2]) };
}

export function register(program: Command): void {
  program.command("serve-bundles").description("serve built (and signed) bundles over HTTP with ETags, for `policy enforce --bundle-url`")
    .argument("<dir>", "the folder `policy build -o DIR/<name>.json --sign key` writes to")
    .option("--listen <host:port>", "where to listen", "127.0.0.1:8080")
    .addHelpText("after", `
Example:
  policy build -o dist/acme.json --sign signing.pem
  policy serve-bundles dist --listen 127.0.0.1:8080
  policy enforce --bundle-url http://127.0.0.1:8080/acme.json --key signing.pub.pem -- npx -y <server>`)
    .action(async (dir: string, o: { listen: string }) => {
      const { host, port } = parseListen(o.listen, "--listen");
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError(`${dir} is not a folder (build into it with \`policy build -o ${dir}/<name>.json --sign key\`)`);
      let s;
      try { s = await serveBundles(dir, host, port); } catch (e) { throw new CliError(`cannot listen on ${o.listen}: ${(e as Error).message}`); }
      io().stderr.write(`policy serve-bundles: serving ${keepLines(dir)} at ${s.url}\n`);
      const stop = () => s.server.close(() => process.exit(0));
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      await new Promise<void>((resolve) => s.server.once("close", () => resolve()));
    });
}
