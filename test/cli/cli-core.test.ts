/**
 * Golden tests of the core commands: test/fixtures/cli-core/<case>/ holds the inputs, `args`
 * (one argument per line), and the expected stdout, stderr and exit status. `UPDATE_GOLDEN=1`
 * rewrites the expectations.
 */
import { describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdtempSync, cpSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { runCli } from "../support/cli.js";

const ROOT = "test/fixtures/cli-core";

function check(dir: string, name: string, got: string): void {
  const f = join(dir, name);
  if (process.env["UPDATE_GOLDEN"] || !existsSync(f)) writeFileSync(f, got);
  expect(got, `${dir}/${name}`).toBe(readFileSync(f, "utf8"));
}

describe("CLI golden cases", () => {
  for (const name of readdirSync(ROOT).sort()) {
    it(name, async () => {
      const dir = join(ROOT, name);
      const work = mkdtempSync(join(tmpdir(), `cli-${name}-`));
      cpSync(join(dir, "in"), work, { recursive: true });
      const args = readFileSync(join(dir, "args"), "utf8").split("\n").filter((l) => l.length);
      const r = await runCli(args, { cwd: work });
      const norm = (s: string) => s.replaceAll(work, "<tmp>");
      check(dir, "expected.stdout", norm(r.stdout));
      check(dir, "expected.stderr", norm(r.stderr));
      check(dir, "expected.exit", `${r.code}\n`);
      if (existsSync(join(dir, "expected.files"))) {
        const files = readFileSync(join(dir, "expected.files"), "utf8").split("\n").filter(Boolean);
        for (const f of files) expect(existsSync(join(work, f)), f).toBe(true);
      }
    });
  }
});

describe("CLI behaviour", () => {
  it("builds byte-identical bundles from the same sources", async () => {
    const work = mkdtempSync(join(tmpdir(), "cli-repro-"));
    cpSync("examples", join(work, "examples"), { recursive: true });
    const a = await runCli(["build", "examples", "-o", "a.json"], { cwd: work });
    const b = await runCli(["build", "examples", "-o", "b.json"], { cwd: work });
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(readFileSync(join(work, "a.json"), "utf8")).toBe(readFileSync(join(work, "b.json"), "utf8"));
  });
  it("creates a starter project that passes its own tests", async () => {
    const work = mkdtempSync(join(tmpdir(), "cli-init-"));
    expect((await runCli(["init"], { cwd: work })).code).toBe(0);
    const t = await runCli(["test"], { cwd: work });
    expect(t.stdout.trim().split("\n").at(-1)).toBe("4 passed, 0 failed");
    expect(t.code).toBe(0);
    expect((await runCli(["init"], { cwd: work })).code).toBe(2);
  });
  it("formats idempotently and --check reports unformatted files", async () => {
    const work = mkdtempSync(join(tmpdir(), "cli-fmt-"));
    writeFileSync(join(work, "a.policy"), 'policy "x" {   id x\n  if integration is GitHub   # keep me\naction block "no" }\n');
    expect((await runCli(["fmt", "--check", "."], { cwd: work })).code).toBe(1);
    expect((await runCli(["fmt", "."], { cwd: work })).code).toBe(0);
    const once = readFileSync(join(work, "a.policy"), "utf8");
    expect(once).toBe('policy "x" {\n  id x\n  if integration is GitHub # keep me\n  action block "no"\n}\n');
    expect((await runCli(["fmt", "--check", "."], { cwd: work })).code).toBe(0);
  });
});

describe("catalog re-import", () => {
  it("reports the policies a newer manifest breaks, as diagnostics, and exits 1", async () => {
    const work = mkdtempSync(join(tmpdir(), "cli-reimport-"));
    const tool = (name: string, props: object) => ({ name, inputSchema: { type: "object", properties: props } });
    writeFileSync(join(work, "v1.json"), JSON.stringify({ tools: [tool("delete_contact", { contact_id: { type: "string" } }), tool("list_contacts", { limit: { type: "number" } })] }));
    writeFileSync(join(work, "v2.json"), JSON.stringify({ tools: [tool("delete_contact", { id: { type: "number" } })] }));
    writeFileSync(join(work, "policy.config.json"), JSON.stringify({ catalogs: ["acme.catalog.json"] }));
    writeFileSync(join(work, "p.policy"), 'policy "vip" {\n  id vip\n  if tool is acme_crm.delete_contact\n  if args.contact_id matches "vip-*"\n  action block\n}\n');
    expect((await runCli(["catalog", "import", "--from", "mcp", "v1.json", "--integration", "acme_crm", "-o", "acme.catalog.json"], { cwd: work })).code).toBe(0);
    expect((await runCli(["check", "."], { cwd: work })).code).toBe(0);
    const r = await runCli(["catalog", "import", "--from", "mcp", "v2.json", "--integration", "acme_crm", "--previous", "acme.catalog.json", "--policies", ".", "-o", "next.catalog.json"], { cwd: work });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("PDL2010");
    expect(r.stderr).toContain("args.contact_id");
    expect(r.stderr).toContain("list_contacts (removed; incompatible)");
  });
});

describe("policy verify", () => {
  it("accepts a signed bundle and refuses a changed byte, as the runtime would", async () => {
    const work = mkdtempSync(join(tmpdir(), "cli-verify-"));
    writeFileSync(join(work, "p.policy"), 'policy "x" {\n  id x\n  if integration is GitHub\n  action block "no"\n}\n');
    expect((await runCli(["keygen", "-o", "k"], { cwd: work })).code).toBe(0);
    const b = await runCli(["build", ".", "-o", "b.json", "--sign", "k.pem", "--no-lock"], { cwd: work });
    expect(b.code, b.stderr).toBe(0);
    const ok = await runCli(["verify", "b.json", "--key", "k.pub.pem"], { cwd: work });
    expect([ok.code, ok.stdout.startsWith("verified: b.json")]).toEqual([0, true]);
    writeFileSync(join(work, "b.json"), readFileSync(join(work, "b.json"), "utf8").replace('"no"', '"on"'));
    const bad = await runCli(["verify", "b.json", "--key", "k.pub.pem"], { cwd: work });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^not verified: /);
  });
});
