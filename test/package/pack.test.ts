/**
 * The published package: `npm pack` (of the built `dist/`) gives a tarball that installs in an
 * empty folder without the network, whose `policy` bin runs `init` and `test` there, whose files
 * are only what runs, and whose `exports` include `./runtime` and `./redis`.
 * Offline: the app's lock is derived from ours (same versions, same integrity hashes), so
 * `npm ci --offline` takes every dependency from the npm cache that `npm ci` of this repo filled.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect, test } from "vitest";

type LockEntry = { dev?: boolean; devOptional?: boolean; optional?: boolean; link?: boolean };

function appLock(tarball: string): object {
  const lock = JSON.parse(readFileSync("package-lock.json", "utf8")) as { packages: Record<string, LockEntry & { dependencies?: Record<string, string> }> };
  const packages: Record<string, unknown> = {
    "": { name: "app", version: "1.0.0", dependencies: { "policy-toolchain": `file:${tarball}` } },
    "node_modules/policy-toolchain": { version: "0.1.0", resolved: `file:${tarball}`, dependencies: lock.packages[""]!.dependencies, bin: { policy: "bin/policy.js" } },
  };
  for (const [k, v] of Object.entries(lock.packages)) {
    if (!k.startsWith("node_modules/") || v.dev || (v.devOptional && !v.optional) || v.link) continue;
    packages[k] = v;
  }
  return { name: "app", version: "1.0.0", lockfileVersion: 3, requires: true, packages };
}

test("the packed tarball installs offline and its bin runs init and test", () => {
  const dir = mkdtempSync(join(tmpdir(), "pack-"));
  const npm = (args: string[], cwd: string) => execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
  const packed = JSON.parse(npm(["pack", "--json", "--ignore-scripts", "--pack-destination", dir], resolve("."))) as { filename: string; files: { path: string }[] }[];
  const files = packed[0]!.files.map((f) => f.path);
  expect(files).toContain("bin/policy.js");
  expect(files).toContain("schemas/catalog.schema.json");
  expect(files.some((f) => f.startsWith("compiler/catalog/builtin/") && f.endsWith(".json"))).toBe(true);
  expect(files.filter((f) => /^(test|bench|examples|vscode-extension)\//.test(f) || f.endsWith(".ts") && !f.endsWith(".d.ts") || f.endsWith(".map"))).toEqual([]);
  const tarball = join(dir, packed[0]!.filename);
  const app = join(dir, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", private: true, dependencies: { "policy-toolchain": `file:${tarball}` } }));
  writeFileSync(join(app, "package-lock.json"), JSON.stringify(appLock(tarball)));
  npm(["ci", "--offline", "--no-audit", "--no-fund", "--ignore-scripts"], app);
  expect(execFileSync("npx", ["--no-install", "policy", "init"], { cwd: app, encoding: "utf8" })).toContain("created");
  expect(execFileSync("npx", ["--no-install", "policy", "test"], { cwd: app, encoding: "utf8" })).toMatch(/^\d+ passed, 0 failed$/m);
  const exportsSeen = execFileSync(process.execPath, ["--input-type=module", "-e",
    'const r = await import("policy-toolchain/redis"); const rt = await import("policy-toolchain/runtime"); console.log(typeof r.createRedisStore, typeof rt.createEnforcer)'], { cwd: app, encoding: "utf8" });
  expect(exportsSeen.trim()).toBe("function function");
}, 120_000);
