/**
 * GitHub's real REST description (~1,200 operations, deep $refs), from the npm package
 * @octokit/openapi. Taken from node_modules when it is a devDependency; otherwise fetched with
 * `npm pack` into a temporary directory; skipped (with a message) when neither works.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { importOpenApi, formatReport } from "../../../importers/catalog/index.js";
import { catalogProblems } from "./catalog-shape.js";

const PACKAGE = "@octokit/openapi@23.0.2";
const INNER = "package/generated/api.github.com.json";
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
let file: string | undefined;
let temp: string | undefined;
let why = "";

beforeAll(() => {
  const installed = path.join(ROOT, "node_modules/@octokit/openapi/generated/api.github.com.json");
  if (existsSync(installed)) {
    file = installed;
    return;
  }
  try {
    temp = mkdtempSync(path.join(tmpdir(), "octokit-openapi-"));
    const tgz = execFileSync("npm", ["pack", PACKAGE, "--silent", "--pack-destination", temp],
      { cwd: temp, encoding: "utf8", timeout: 50_000, stdio: ["ignore", "pipe", "ignore"] }).trim().split("\n").pop()!;
    execFileSync("tar", ["xzf", path.join(temp, tgz), "-C", temp, INNER], { timeout: 30_000 });
    file = path.join(temp, INNER);
  } catch (e) {
    why = `cannot obtain ${PACKAGE} (${(e as Error).message.split("\n")[0]}); add it as a devDependency`;
  }
}, 90_000);

afterAll(() => {
  if (temp !== undefined) rmSync(temp, { recursive: true, force: true });
});

describe("GitHub REST API (api.github.com.json)", () => {
  test("imports every operation in reasonable time", async (ctx) => {
    if (file === undefined) {
      console.warn(`skipped: ${why}`);
      ctx.skip();
      return;
    }
    const start = performance.now();
    const r = await importOpenApi(file, { integration: "github_rest", name: "GitHub REST" });
    const ms = performance.now() - start;
    console.info(`GitHub REST import: ${Math.round(ms)} ms`);
    expect(ms).toBeLessThan(20_000);
    if (!r.ok) throw new Error(JSON.stringify(r.errors.slice(0, 5)));
    const tools = new Map(r.catalog.integrations[0]!.tools.map((t) => [t.name, t]));
    expect(tools.size).toBeGreaterThan(800);
    expect(catalogProblems(r.catalog)).toEqual([]);
    expect(r.report.unknown).toEqual([]);
    expect(tools.get("issues_create")).toMatchObject({ operation: "Write", method: "POST", category: "issues", resource: "repo" });
    expect(tools.get("issues_create")!.args!.required).toEqual(expect.arrayContaining(["owner", "repo", "title"]));
    expect(tools.get("issues_list-for-repo")).toMatchObject({ operation: "Read", method: "GET" });
    expect(tools.get("repos_delete")).toMatchObject({ operation: "Delete", method: "DELETE" });
    expect(tools.get("pulls_merge")).toMatchObject({ operation: "Write", method: "PUT" });
    expect(tools.get("markdown_render")).toMatchObject({ operation: "Read", method: "POST" });
    expect(JSON.stringify(r.catalog)).not.toContain('"$ref"');
    expect(formatReport(r.report)).toContain("Imported");
  }, 60_000);
});
