// Checks the VS Code extension without VS Code: the manifest and the files it points to, the
// commands it contributes against the ones src/extension.ts registers, the TypeScript, and
// (with a stub language server in a temporary copy) that build.mjs + vsce produce a package.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const ext = join(root, "vscode-extension");
const readJson = (p: string): any => JSON.parse(readFileSync(join(ext, p), "utf8"));
const manifest = readJson("package.json");
const contributes = manifest.contributes;
const extensionSource = readFileSync(join(ext, "src/extension.ts"), "utf8");
const vscodeignore = readFileSync(join(ext, ".vscodeignore"), "utf8").split("\n").map((l) => l.trim());

/** True when .vscodeignore (`**` then `!…` lines) ships `file` (a path relative to the extension). */
function shipped(file: string): boolean {
  const rel = file.replace(/^\.\//, "");
  return vscodeignore.some((line) => {
    if (!line.startsWith("!")) return false;
    const pattern = line.slice(1);
    if (pattern.endsWith("/**")) return rel.startsWith(pattern.slice(0, -2));
    return pattern === rel;
  });
}

describe("manifest", () => {
  test("identity and entry point", () => {
    expect(manifest).toMatchObject({
      name: "policy-lang",
      displayName: "Policy Language",
      publisher: "policy-toolchain",
      version: "0.1.0",
      engines: { vscode: "^1.91.0" },
      main: "./dist/extension.js",
    });
    expect(manifest.activationEvents).toEqual(expect.arrayContaining(["onLanguage:policy", "workspaceContains:**/*.policy"]));
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.type).toBeUndefined(); // dist/*.js are CommonJS
  });

  test("@types/vscode is not newer than engines.vscode (vsce refuses to package otherwise)", () => {
    const types = JSON.parse(readFileSync(join(root, "node_modules/@types/vscode/package.json"), "utf8")).version as string;
    const [tMajor, tMinor] = types.split(".").map(Number);
    const [eMajor, eMinor] = manifest.engines.vscode.replace(/^\^/, "").split(".").map(Number);
    expect(tMajor! < eMajor! || (tMajor === eMajor && tMinor! <= eMinor!), `@types/vscode ${types}`).toBe(true);
  });

  test("every path in contributes exists and is shipped", () => {
    const paths = [
      ...contributes.languages.map((l: any) => l.configuration),
      ...contributes.grammars.map((g: any) => g.path),
      ...contributes.snippets.map((s: any) => s.path),
    ];
    expect(paths.length).toBeGreaterThanOrEqual(3);
    for (const p of paths) {
      expect(existsSync(join(ext, p)), p).toBe(true);
      expect(shipped(p), `${p} is excluded by .vscodeignore`).toBe(true);
    }
    for (const f of ["package.json", "dist/extension.js", "dist/server.js", "dist/cli.js", "README.md", "CHANGELOG.md", "LICENSE"]) {
      expect(shipped(f), `${f} is excluded by .vscodeignore`).toBe(true);
    }
    expect(vscodeignore).toContain("**");
  });

  test("language, grammar and snippets agree on the language id and scope name", () => {
    const [language] = contributes.languages;
    expect(language).toMatchObject({ id: "policy", extensions: [".policy"] });
    const [grammar] = contributes.grammars;
    expect(grammar).toMatchObject({ language: "policy", scopeName: "source.policy" });
    expect(readJson(grammar.path).scopeName).toBe(grammar.scopeName);
    expect(contributes.snippets[0].language).toBe("policy");
  });

  test("settings", () => {
    const props = contributes.configuration.properties;
    expect(Object.keys(props).sort()).toEqual(["policy.catalogs", "policy.server.path", "policy.trace.server"]);
    expect(props["policy.catalogs"]).toMatchObject({ type: "array", items: { type: "string" } });
    expect(props["policy.trace.server"].enum).toEqual(["off", "messages", "verbose"]);
  });

  test("every contributed command is registered in src/extension.ts, and the other way round", () => {
    const contributed = contributes.commands.map((c: any) => c.command).sort();
    expect(contributed).toEqual(["policy.buildBundle", "policy.explainEvent", "policy.restartServer", "policy.runTests"]);
    const registered = [...extensionSource.matchAll(/registerCommand\(\s*"([^"]+)"/g)].map((m) => m[1]).sort();
    expect(registered).toEqual(contributed);
    const titles = Object.fromEntries(contributes.commands.map((c: any) => [c.command, `${c.category}: ${c.title}`]));
    expect(titles["policy.runTests"]).toBe("Policy: Run tests");
    expect(titles["policy.buildBundle"]).toBe("Policy: Build bundle");
    expect(titles["policy.explainEvent"]).toBe("Policy: Explain event…");
  });
});

describe("language configuration", () => {
  const config = readJson("language-configuration.json");

  test("comments, brackets and quotes", () => {
    expect(config.comments).toEqual({ lineComment: "#" });
    expect(config.brackets).toEqual([["{", "}"], ["[", "]"], ["(", ")"]]);
    expect(config.autoClosingPairs.map((p: any) => p.open)).toEqual(expect.arrayContaining(["{", "[", "(", '"']));
  });

  test("a word keeps - and . inside names", () => {
    const word = new RegExp(config.wordPattern, "g");
    const words = "id github-readonly call linear.delete_issue if args.repo.owner is 5m".match(word);
    expect(words).toEqual(["id", "github-readonly", "call", "linear.delete_issue", "if", "args.repo.owner", "is", "5m"]);
  });

  test("indentation follows braces, not braces in strings or one-line objects", () => {
    const increase = new RegExp(config.indentationRules.increaseIndentPattern);
    const decrease = new RegExp(config.indentationRules.decreaseIndentPattern);
    expect(increase.test('policy "Block {all}" {')).toBe(true);
    expect(increase.test("default by operation {   # comment")).toBe(true);
    expect(increase.test('  call linear.delete_issue { id: "LIN-42" }')).toBe(false);
    expect(increase.test('policy "has a { in the name"')).toBe(false);
    expect(decrease.test("  }")).toBe(true);
  });
});

describe("snippets", () => {
  const snippets = readJson("snippets/policy.json") as Record<string, { prefix: string; body: string[] }>;

  test("cover every kind of declaration", () => {
    const prefixes = Object.values(snippets).map((s) => s.prefix);
    for (const p of ["policy", "test", "test-replay", "default", "default-by-operation", "detector", "organization"]) {
      expect(prefixes).toContain(p);
    }
    for (const s of Object.values(snippets)) expect(s.body.length).toBeGreaterThan(0);
  });
});

describe("extension sources", () => {
  test("type-check (strict)", () => {
    const r = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "vscode-extension/tsconfig.json"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  });

  test("the client runs dist/server.js over IPC for file-based policy documents", () => {
    const client = readFileSync(join(ext, "src/client.ts"), "utf8");
    expect(client).toContain('context.asAbsolutePath("dist/server.js")');
    expect(client).toContain("TransportKind.ipc");
    expect(client).toContain('documentSelector: [{ scheme: "file", language: "policy" }]');
    expect(client).toContain("initializationOptions");
  });
});

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
