/**
 * Runs the `policy` CLI from source (tsx) for tests that spawn it as a separate process:
 * `node --import tsx test/enforce/policy-cli.ts approvals approve <id>`.
 */
import { main } from "../../cli/main.js";

const code = await main(process.argv.slice(2));
if (code !== 0) process.exitCode = code;
