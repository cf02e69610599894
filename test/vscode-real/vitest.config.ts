/**
 * `npm run test:vscode`: the opt-in real VS Code test (code-server in Debian's chromium). Not part
 * of `npm test`: its files end in `.spec.ts`, which the main config does not collect. The first run
 * installs Node.js 24 and code-server into the cache (scripts/vscode-test/setup.ts, minutes); later
 * runs only start them.
 */
import { resolve } from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: resolve(import.meta.dirname, "../.."),
  test: {
    include: ["test/vscode-real/**/*.spec.ts"],
    // The set-up may install code-server (3–4 minutes cold) in beforeAll.
    hookTimeout: 15 * 60_000,
    testTimeout: 90_000,
    pool: "forks",
    maxWorkers: 1,
  },
});
