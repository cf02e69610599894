// Builds the VS Code extension without VS Code: build.mjs + vsce on a temporary copy with a stub
// language server, and the real bundles (in a temporary folder) driven as the editor drives them.
import { fork, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  createProtocolConnection,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  IPCMessageReader,
  IPCMessageWriter,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  type PublishDiagnosticsParams,
} from "vscode-languageserver-protocol/node";
import { afterAll, describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const ext = join(root, "vscode-extension");

describe("packaging (build.mjs + vsce, with a stub server in a temporary copy)", () => {
  const tmp = mkdtempSync(join(tmpdir(), "policy-vsix-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const hasVsce = existsSync(join(root, "node_modules/.bin/vsce"));

  /** A copy of the extension (without dist/) and the data files, beside the root node_modules. */
  function stage(withServer: boolean): string {
    const dir = join(tmp, withServer ? "with-server" : "without-server");
    cpSync(ext, join(dir, "vscode-extension"), { recursive: true, filter: (p) => !p.includes(`${ext}/dist`) && !p.endsWith(".vsix") });
    for (const d of ["schemas", "compiler/catalog/builtin"]) cpSync(join(root, d), join(dir, d), { recursive: true });
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
    if (withServer) {
      mkdirSync(join(dir, "lsp"));
      writeFileSync(
        join(dir, "lsp/main.ts"),
        'import { createConnection, ProposedFeatures } from "vscode-languageserver/node";\n' +
          "const connection = createConnection(ProposedFeatures.all);\n" +
          "connection.onInitialize(() => ({ capabilities: {} }));\nconnection.listen();\n",
      );
    }
    return dir;
  }

  test("build.mjs says clearly that lsp/main.ts is missing and exits non-zero", () => {
    const dir = stage(false);
    const r = spawnSync(process.execPath, ["vscode-extension/build.mjs"], { cwd: dir, encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("lsp/main.ts does not exist");
  });

  test.skipIf(!hasVsce)("build.mjs bundles and vsce packages the extension with what VS Code needs", () => {
    const dir = stage(true);
    const build = spawnSync(process.execPath, ["vscode-extension/build.mjs"], { cwd: dir, encoding: "utf8" });
    expect(build.status, `${build.stdout}${build.stderr}`).toBe(0);
    const vsix = join(dir, "policy-lang.vsix");
    const pack = spawnSync(
      join(root, "node_modules/.bin/vsce"),
      ["package", "--no-dependencies", "--skip-license", "--allow-missing-repository", "-o", vsix],
      { cwd: join(dir, "vscode-extension"), encoding: "utf8", input: "", timeout: 60_000 },
    );
    expect(pack.status, `${pack.stdout}${pack.stderr}`).toBe(0);
    const ls = spawnSync(join(root, "node_modules/.bin/vsce"), ["ls", "--no-dependencies"], {
      cwd: join(dir, "vscode-extension"),
      encoding: "utf8",
      input: "",
    });
    const files = ls.stdout.split("\n").filter(Boolean);
    for (const f of [
      "package.json",
      "dist/extension.js",
      "dist/server.js",
      "dist/schemas/catalog.schema.json",
      "dist/compiler/catalog/builtin/github.json",
      "syntaxes/policy.tmLanguage.json",
      "snippets/policy.json",
      "language-configuration.json",
      "README.md",
    ]) {
      expect(files, f).toContain(f);
    }
    expect(files.some((f) => f.startsWith("src/") || f.endsWith(".ts") || f === "build.mjs")).toBe(false);
  });
});

describe("the real bundles (when lsp/main.ts exists)", () => {
  const hasServer = existsSync(join(root, "lsp/main.ts"));
  const out = mkdtempSync(join(tmpdir(), "policy-dist-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test.skipIf(!hasServer)("dist/server.js answers the client over Node IPC, with the built-in catalog", async () => {
    const build = spawnSync(process.execPath, ["vscode-extension/build.mjs", "--outdir", out], { cwd: root, encoding: "utf8" });
    expect(build.status, `${build.stdout}${build.stderr}`).toBe(0);

    // As vscode-languageclient does for TransportKind.ipc: fork the module with --node-ipc.
    const child = fork(join(out, "server.js"), ["--node-ipc"], { cwd: out, stdio: ["ignore", "ignore", "pipe", "ipc"] });
    const conn = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    const uri = "file:///workspace/a.policy";
    const published = new Promise<PublishDiagnosticsParams>((resolve) => {
      conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
        if (p.uri === uri && p.diagnostics.length > 0) resolve(p);
      });
    });
    conn.listen();
    try {
      const init = await conn.sendRequest(InitializeRequest.type, {
        processId: process.pid,
        rootUri: null,
        capabilities: {},
        workspaceFolders: null,
        initializationOptions: { catalogs: [] },
      });
      expect(init.capabilities.textDocumentSync).toBeDefined();
      await conn.sendNotification(InitializedNotification.type, {});
      const text = 'policy "p" {\n  if integration is GitHubb\n  action block\n}\n';
      await conn.sendNotification(DidOpenTextDocumentNotification.type, {
        textDocument: { uri, languageId: "policy", version: 1, text },
      });
      const diagnostics = await Promise.race([
        published,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no diagnostics within 15 s")), 15_000)),
      ]);
      // An unknown integration is only reported when the built-in catalog loaded from dist/.
      expect(diagnostics.diagnostics.some((d) => String(d.code).startsWith("PDL") && d.range.start.line === 1)).toBe(true);
      await conn.sendRequest(ShutdownRequest.type);
      await conn.sendNotification(ExitNotification.type);
    } finally {
      conn.dispose();
      child.kill();
    }
  });

  test.skipIf(!existsSync(join(root, "cli/main.ts")))("dist/cli.js runs `policy test` on its own", () => {
    if (!existsSync(join(out, "cli.js"))) {
      const build = spawnSync(process.execPath, ["vscode-extension/build.mjs", "--outdir", out], { cwd: root, encoding: "utf8" });
      expect(build.status, `${build.stdout}${build.stderr}`).toBe(0);
    }
    const project = mkdtempSync(join(tmpdir(), "policy-project-"));
    try {
      writeFileSync(
        join(project, "a.policy"),
        'policy "GitHub is read-only" {\n  id github-readonly\n  if integration is GitHub\n  if operation in [Write, Delete]\n  action block\n}\n' +
          'test "writes are blocked" {\n  call github.create_issue { owner: "acme", repo: "api", title: "x" }\n  expect block by github-readonly\n}\n',
      );
      const r = spawnSync(process.execPath, [join(out, "cli.js"), "test"], { cwd: project, encoding: "utf8" });
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/^1 passed, 0 failed$/m);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});
