#!/usr/bin/env node
// The `policy` command: runs the built CLI (npm ci builds it) with the process's own streams.
import { main } from "../dist/cli/main.js";

const code = await main(process.argv.slice(2));
if (code !== 0) process.exitCode = code;
