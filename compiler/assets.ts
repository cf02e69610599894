/**
 * Locates the data files that ship with the package (JSON Schemas, the built-in catalog),
 * whether the code runs from sources, from `dist/`, or bundled into the VS Code extension.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function here(): string {
  // ESM (sources, dist/) has import.meta.url; a CommonJS bundle (the VS Code extension) has __filename.
  const url = (import.meta as { url?: string }).url;
  if (url) return dirname(fileURLToPath(url));
  if (typeof __filename === "string") return dirname(__filename);
  return process.cwd();
}
declare const __filename: string | undefined;

let root: string | undefined;

/** The folder that holds `schemas/` and `compiler/catalog/builtin/`. */
export function assetRoot(): string {
  if (root) return root;
  const env = process.env["POLICY_ASSETS"];
  if (env && existsSync(join(env, "schemas"))) return (root = env);
  let dir = here();
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, "schemas", "catalog.schema.json"))) return (root = dir);
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error("cannot find the package's data files (schemas/); set POLICY_ASSETS");
}

export function assetPath(...parts: string[]): string {
  return join(assetRoot(), ...parts);
}

const jsonCache = new Map<string, unknown>();
export function readAssetJson<T = unknown>(...parts: string[]): T {
  const p = assetPath(...parts);
  let v = jsonCache.get(p);
  if (v === undefined) {
    v = JSON.parse(readFileSync(p, "utf8"));
    jsonCache.set(p, v);
  }
  return v as T;
}
