/**
 * Input bytes: `.policy` files, catalogs and the project config are UTF-8 (a BOM dropped); other
 * bytes are one error naming the line and the byte, a binary file one error, and a project without
 * policies a warning — never a lossy decode that checks clean, never thousands of parse errors.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { loadProject } from "../../compiler/project.js";
import { decodeUtf8, firstBadByte } from "../../compiler/text-input.js";
import { runCli } from "../support/cli.js";

const POLICY = 'policy "r" {\n  id r\n  if body contains any ["résumé"]\n  action block\n}\n';

function project(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), "bytes-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

const codes = (dir: string) => loadProject([dir], { cwd: dir }).project.diagnostics.map((d) => `${d.code} ${d.message}`);

describe("decodeUtf8", () => {
  test("a BOM is dropped; Latin-1 is one problem at the right line and byte", async () => {
    expect(decodeUtf8(Buffer.from("\uFEFFpolicy", "utf8"))).toEqual({ text: "policy" });
    const r = decodeUtf8(Buffer.from("a\nbb r\xe9sum\xe9\n", "latin1"));
    expect(r).toMatchObject({ problem: { binary: false, line: 2, byte: 5, value: 0xe9, message: "not UTF-8 text: line 2, byte 5 (0xE9) is not valid UTF-8" } });
  });

  test("a NUL byte makes the file binary", async () => {
    expect(decodeUtf8(Buffer.from("ab\ncd\0ef"))).toMatchObject({ problem: { binary: true, line: 2, byte: 3 } });
  });

  test("property: the bad byte found is where valid UTF-8 stops", async () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), fc.string({ unit: "grapheme", maxLength: 10 }), (noise, prefix) => {
      const bytes = Buffer.concat([Buffer.from(prefix, "utf8"), noise]);
      const ok = (b: Uint8Array) => { try { new TextDecoder("utf-8", { fatal: true }).decode(b); return true; } catch { return false; } };
      if (ok(bytes)) return;
      const at = firstBadByte(bytes);
      expect(ok(bytes.subarray(0, at))).toBe(true);
      expect(at).toBeGreaterThanOrEqual(Buffer.byteLength(prefix, "utf8"));
      // …and no character starting at the bad byte decodes.
      for (let n = 1; n <= 4 && at + n <= bytes.length; n++) expect(ok(bytes.subarray(at, at + n))).toBe(false);
    }), { numRuns: 2000 });
  });
});

describe("files of a project", () => {
  test("a Latin-1 .policy file is one PDL1006 with line and byte, not a clean check", async () => {
    const dir = project({ "p.policy": Buffer.from(POLICY, "latin1") });
    expect(codes(dir)).toEqual([`PDL1006 p.policy: not UTF-8 text: line 3, byte ${'  if body contains any ["r'.length + 1} (0xE9) is not valid UTF-8`]);
  });

  test("a UTF-8 file with a BOM checks clean", async () => {
    expect(codes(project({ "p.policy": "\uFEFF" + POLICY }))).toEqual([]);
  });

  test("a binary .policy file is one PDL1007", async () => {
    const junk = Buffer.alloc(100_000);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919) % 256;
    expect(codes(project({ "p.policy": junk }))).toEqual([expect.stringMatching(/^PDL1007 p\.policy: a binary file, not text: a NUL byte at line \d+, byte \d+$/)]);
  });

  test("a Latin-1 catalog and a Latin-1 config are PDL1006 too", async () => {
    const cat = Buffer.from(JSON.stringify({ format: "policy-catalog/1", integrations: [{ id: "crm", name: "Crm é", call_type: "mcp", tools: [] }] }), "latin1");
    expect(codes(project({ "p.policy": POLICY, "policy.config.json": '{"catalogs":["c.json"]}', "c.json": cat }))).toEqual([expect.stringMatching(/^PDL1006 c\.json: not UTF-8 text: line 1, byte \d+ \(0xE9\)/)]);
    expect(codes(project({ "p.policy": POLICY, "policy.config.json": Buffer.from('{"include":["é"]}', "latin1") }))).toEqual([expect.stringMatching(/^PDL1006 policy\.config\.json: not UTF-8/)]);
  });

  test("a project without policies is a PDL4005 warning", async () => {
    expect(codes(project({ "p.policy": "" }))).toEqual(["PDL4005 the project has no policies (1 file): every call is allowed (there is no `default` either)"]);
    expect(codes(project({ "p.policy": "default block\n" }))).toEqual(["PDL4005 the project has no policies (1 file): every call gets the default"]);
  });
});

test("policy check of a binary file prints one short error, and escapes control characters in frames", async () => {
  const dir = project({ "p.policy": Buffer.concat([Buffer.from("policy \"x\" {\n"), Buffer.alloc(50_000, 0)]), "q.policy": 'policy "y" {\n  if tool is \u001b[2J\n}\n' });
  const r = await runCli(["check", "p.policy"], { cwd: dir });
  expect(r.code).toBe(1);
  expect(r.stderr.length).toBeLessThan(600);
  expect(r.stderr).toContain("error[PDL1007]");
  const q = await runCli(["check", "q.policy"], { cwd: dir });
  expect(q.stderr).not.toContain("\u001b");
  expect(q.stderr).toContain("\\u{1b}[2J");
});
