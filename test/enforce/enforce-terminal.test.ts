/**
 * `policy enforce` in front of a terminal-like MCP server whose `command` argument the catalog
 * marks as a shell line (`"arg_kinds": {"command": "command"}`): a Git policy decides the Git
 * commands inside it, however they are wrapped, and a blocked line never reaches the server.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { buildBundleFile, ROOT, startProxyClient, textOf } from "./helpers.js";

const work = mkdtempSync(path.join(tmpdir(), "enforce-terminal-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const CATALOG = {
  format: "policy-catalog/1",
  integrations: [{
    id: "terminal", name: "Terminal", call_type: "mcp",
    tools: [
      { name: "run_command", operation: "Write", arg_kinds: { command: "command" }, args: { type: "object", properties: { command: { type: "string" } }, required: ["command"] } },
      { name: "run_steps", operation: "Write", arg_kinds: { "steps[*].run": "command" }, args: { type: "object", properties: { steps: { type: "array", items: { type: "object", properties: { run: { type: "string" } } } } } } },
    ],
  }],
};

const POLICIES = `
policy "No force pushes" {
  id no-force-push
  if integration is Git
  if tool is push_force
  action block "force pushes rewrite shared history"
}
policy "Terminal is fine" {
  if integration is terminal
  action allow
}
policy "Git is fine" {
  if integration is Git
  action allow
}
default allow
`;

describe("policy enforce with a terminal tool whose argument is a command line", () => {
  test("git push --force inside the shell line is blocked by the Git policy, and never reaches the server", { timeout: 90_000 }, async () => {
    const catalog = path.join(work, "terminal.catalog.json");
    writeFileSync(catalog, JSON.stringify(CATALOG));
    const { file: bundleFile } = buildBundleFile(work, "terminal", POLICIES, [catalog]);
    const ran = path.join(work, "ran.log");
    const tsx = pathToFileURL(path.join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;
    const server = [process.execPath, "--import", tsx, path.join(ROOT, "test/enforce/terminal-server.ts"), ran];
    const p = await startProxyClient(["--bundle", bundleFile, "--integration", "terminal", "--", ...server]);
    try {
      const call = (name: string, args: Record<string, unknown>) => p.client.callTool({ name, arguments: args });
      const ok = await call("run_command", { command: "git status && npm test" });
      expect(ok.isError ?? false).toBe(false);
      expect(textOf(ok)).toBe("ran: git status && npm test");
      for (const line of [
        "git push --force",
        "git -C /repo push --force origin main",
        "cd /repo && sudo -u deploy /usr/bin/git --no-pager push -f",
        "sh -c 'git push --force-with-lease'",
        "echo done; env GIT_TRACE=1 git -c core.x=y push origin --force",
      ]) {
        const r = await call("run_command", { command: line });
        expect(r.isError, line).toBe(true);
        expect(textOf(r), line).toMatch(/force pushes rewrite shared history/);
      }
      const steps = await call("run_steps", { steps: [{ run: "git status" }, { run: "timeout 60 git push --force" }] });
      expect(steps.isError).toBe(true);
      const reached = existsSync(ran) ? readFileSync(ran, "utf8").split("\n").filter(Boolean) : [];
      expect(reached).toEqual(["git status && npm test"]);
    } finally {
      await p.close();
    }
  });
});
