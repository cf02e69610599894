/**
 * ARCHITECTURE.md matches the folders: its code map names every top-level source part and every
 * sub-folder of `compiler/`, every repository path it names exists, and its stage table is
 * `STAGES` of `compiler/index.ts`, in order, with modules that exist.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { STAGES } from "../../compiler/index.js";
import { partOf, REPO, sourceFiles } from "./imports.js";

const doc = readFileSync(join(REPO, "ARCHITECTURE.md"), "utf8");

/** The text of one `## ` section. */
function section(title: string): string {
  const start = doc.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`ARCHITECTURE.md has no "## ${title}" section`);
  const end = doc.indexOf("\n## ", start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

const isDir = (p: string): boolean => existsSync(join(REPO, p)) && statSync(join(REPO, p)).isDirectory();

describe("ARCHITECTURE.md matches the tree", () => {
  test("the code map names every top-level part that holds code", () => {
    const map = section("Code map");
    const parts = [...new Set(sourceFiles().map(partOf))].filter((p) => isDir(p));
    expect(parts.length).toBeGreaterThan(10);
    expect(parts.filter((p) => !map.includes(`\`${p}/`))).toEqual([]);
  });

  test("the code map names every sub-folder of compiler/", () => {
    const map = section("Code map");
    const subs = readdirSync(join(REPO, "compiler"), { withFileTypes: true }).filter((e) => e.isDirectory() && readdirSync(join(REPO, "compiler", e.name)).length > 0).map((e) => `compiler/${e.name}/`);
    expect(subs.length).toBeGreaterThan(5);
    expect(subs.filter((s) => !map.includes(`\`${s}`))).toEqual([]);
  });

  test("every repository path it names exists", () => {
    const tops = new Set(readdirSync(REPO).filter((f) => isDir(f) && !f.startsWith(".")));
    const named = [...doc.matchAll(/`([a-z][\w.-]*\/[^`\s]*)`/g)].map((m) => m[1]!).filter((p) => tops.has(p.split("/")[0]!) && !/[*<]/.test(p));
    expect(named.length).toBeGreaterThan(30);
    expect([...new Set(named)].filter((p) => !existsSync(join(REPO, p)))).toEqual([]);
  });

  test("the stage table is STAGES, in order, and its modules exist", () => {
    const rows = [...section("Stages").matchAll(/^\| ([\w-]+) \| `([^`]+)` \|/gm)];
    expect(rows.map((r) => r[1])).toEqual([...STAGES]);
    expect(rows.map((r) => r[2]!).filter((m) => !existsSync(join(REPO, m)))).toEqual([]);
  });
});
