/** Which paths an upstream is handed, and when the proxy's state lies inside one of them. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { sharedStateProblem, upstreamPaths } from "../../enforce/shared-state.js";

const work = mkdtempSync(path.join(tmpdir(), "shared-state-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("state inside an upstream's paths", () => {
  test("paths come from arguments and --opt=value, relative to the upstream's cwd; symlinks are resolved", () => {
    const root = path.join(work, "root");
    mkdirSync(path.join(root, "sub"), { recursive: true });
    symlinkSync(root, path.join(work, "link"));
    const spec = { command: ["node", "server.js", ".", "--allowed=sub", "-v", "/nonexistent/x"], cwd: root };
    expect(upstreamPaths(spec).sort()).toEqual([root, path.join(root, "sub")].sort());
    const state = (p: string) => [{ what: "state dir", path: p }];
    expect(sharedStateProblem(state(path.join(root, ".policy-state")), [spec])).toMatch(/the state dir .*\.policy-state lies inside .*root/);
    // Through a symlink, and for a state dir not created yet several levels down.
    expect(sharedStateProblem(state(path.join(work, "link", "a", "b", "state")), [spec])).toMatch(/lies inside/);
    expect(sharedStateProblem(state(path.join(work, "elsewhere")), [spec])).toBeUndefined();
    expect(sharedStateProblem(state(path.join(work, "elsewhere")), [{ command: ["server", "/"] }])).toMatch(/lies inside \//);
    expect(sharedStateProblem(state(path.join(root, "x")), [{ url: "https://example.com/mcp" }])).toBeUndefined();
    // Paths handed through the environment: `env ROOT=dir server` and the spec's env.
    expect(sharedStateProblem(state(path.join(root, "s")), [{ command: ["env", `ROOT=${root}`, "server"] }])).toMatch(/lies inside/);
    expect(sharedStateProblem(state(path.join(root, "s")), [{ command: ["server"], env: { DATA: root } }])).toMatch(/lies inside/);
  });
});
