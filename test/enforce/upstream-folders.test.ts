/**
 * The folders an upstream reads path arguments against: `--root` wins; otherwise a stdio server's
 * first directory argument, as its real path; the home folder only for stdio servers.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { upstreamFolders } from "../../enforce/upstream-folders.js";

const work = realpathSync(mkdtempSync(path.join(tmpdir(), "upstream-folders-")));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("upstream folders", () => {
  it("root: --root, else the first directory argument (real path); home: the server's HOME", () => {
    const sandbox = path.join(work, "sandbox");
    mkdirSync(sandbox);
    writeFileSync(path.join(work, "server.js"), "");
    symlinkSync(sandbox, path.join(work, "link"));
    const spec = { command: ["node", path.join(work, "server.js"), "--flag", path.join(work, "link"), work], env: { HOME: "/home/ada" } };
    expect(upstreamFolders(spec)).toEqual({ root: sandbox, rootFrom: "arguments", home: "/home/ada" });
    expect(upstreamFolders(spec, "/srv/project")).toEqual({ root: "/srv/project", rootFrom: "--root", home: "/home/ada" });
    expect(upstreamFolders({ command: ["npx", "-y", "@modelcontextprotocol/server-memory"], cwd: work, env: { HOME: "/home/ada" } })).toEqual({ home: "/home/ada" });
    expect(upstreamFolders({ url: "https://mcp.example.com/mcp" })).toEqual({});
    expect(upstreamFolders({ url: "https://mcp.example.com/mcp" }, "/srv/docs")).toEqual({ root: "/srv/docs", rootFrom: "--root" });
  });
});
