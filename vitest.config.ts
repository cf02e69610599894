/**
 * Two test projects. `unit` runs in-process (the CLI through `main(argv, io)`, no child process):
 * `npm run test:unit` is the quick loop. `e2e` holds every test that starts a process or a server —
 * the built `bin/policy.js`, MCP servers, Redis, the language server, Neovim, packaging — and
 * builds `dist/` first when a source is newer (test/support/built-cli.ts). `npm test` runs both.
 */
import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";
import SlowFirstSequencer from "./test/support/slow-first-sequencer.js";

/** Tests that start a process or a server. A new test that does belongs here. */
const E2E = [
  "test/cli/binary.test.ts",
  "test/enforce/**/*.test.ts",
  "test/bench/**/*.test.ts",
  "test/ops/bundle-distribution.test.ts",
  "test/ops/enforce-ops.test.ts",
  "test/ops/metrics.test.ts",
  "test/console/**/*.test.ts",
  "test/inventory/**/*.test.ts",
  "test/importers/catalog/catalog-diff.test.ts",
  "test/lsp/server.test.ts",
  "test/lsp/why-lens.test.ts",
  "test/lsp/lock.test.ts",
  "test/lsp/large-file.test.ts",
  "test/lsp/nvim.test.ts",
  "test/vscode-extension/**/*.test.ts",
  "test/adapters/redis/redis.test.ts",
  "test/runtime/session/counting.test.ts",
  "test/runtime/session/response-facts.test.ts",
  "test/runtime/session/message-changes.test.ts",
  "test/runtime/session/redis-round-trips.test.ts",
  "test/bench/redis-shared.test.ts",
  "test/runtime/session/examples.test.ts",
  "test/importers/catalog/github-openapi.test.ts",
  "test/importers/catalog/live-mcp.test.ts",
];

/** Test files that mock a module: they cannot share the unit files' module graph. */
const MOCKING = ["test/diagnostics/injected-faults.test.ts"];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // forks, not threads: in-process CLI runs change the working directory (process.chdir), which
    // worker threads cannot.
    pool: "forks",
    // vitest's default leaves one core to itself (one worker on 2 cores); its own work is small.
    // One worker more than there are cores: the e2e files spend about a third of their time
    // waiting (on their processes, approval timeouts, Redis), and a core left idle while one does
    // is time lost; the extra worker costs one more load of the modules.
    maxWorkers: Math.max(2, availableParallelism()) + 1,
    // TEST_CPU_LOG=<file>: each test file's wall and CPU seconds, one JSON line per file
    // (test/support/cpu-time.ts; `node scripts/test-cost.mjs <file>` sums them).
    setupFiles: process.env.TEST_CPU_LOG ? ["test/support/cpu-time.ts"] : [],
    // The slowest files start first in their project (a fresh clone has no timings to go by).
    sequence: { sequencer: SlowFirstSequencer },
    projects: [
      // isolate: false — the unit files share one module graph per worker instead of loading the
      // compiler (parser tables, schemas) again for every file; no unit test keeps module state.
      { extends: true, test: { name: "unit", include: ["test/**/*.test.ts"], exclude: [...E2E, ...MOCKING], isolate: false } },
      // Files that replace a module (vi.mock) get a module graph of their own.
      { extends: true, test: { name: "isolated", include: MOCKING, isolate: true } },
      // The e2e files share a module graph per worker too (the compiler, the MCP SDK, the proxy):
      // their state lives in the processes and folders each file starts, not in modules.
      { extends: true, test: { name: "e2e", include: E2E, globalSetup: ["test/support/built-cli.ts"], isolate: false } },
    ],
  },
});
