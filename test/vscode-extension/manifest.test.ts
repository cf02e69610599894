// Checks the VS Code extension without VS Code: the manifest and the files it points to, the
// commands it contributes against the ones src/extension.ts registers, and the TypeScript.
// Building and packaging: packaging.test.ts.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

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
