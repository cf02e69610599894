/**
 * A bare stdio proxy process for the bench: `node run-proxy.js <bundle.json> <integration> -- <command…>`.
 * Same code path as `policy enforce` (startProxy + serveStdio), without the CLI around it.
 */
import { startProxy } from "./start.js";
import { serveStdio } from "./serve.js";

const argv = process.argv.slice(2);
const dash = argv.indexOf("--");
const [bundle, integration] = argv.slice(0, dash);
const command = argv.slice(dash + 1);
if (dash < 0 || !bundle || !integration || !command.length) {
  process.stderr.write("usage: run-proxy <bundle.json> <integration> -- <command…>\n");
  process.exit(2);
}
const proxy = await startProxy({ bundle, upstreams: [{ integration, command }], watch: false, upstreamStderr: "ignore" });
await serveStdio(proxy.gateway);
await proxy.close();
