import { defineConfig } from "vitest/config";
export default defineConfig({ test: { pool: "forks", testTimeout: 600_000, setupFiles: ["/tmp/t18/prof-setup.ts"], include: ["test/**/*.test.ts"] } });
