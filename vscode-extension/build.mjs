// Bundles the extension, the language server and the CLI into vscode-extension/dist/ with esbuild
// (from the root node_modules; the extension has no dependencies of its own), and copies the data
// files the compiler reads at run time (schemas/, the built-in catalog) next to them.
//
//   node vscode-extension/build.mjs          minified, for packaging
//   node vscode-extension/build.mjs --dev    not minified, with inline source maps
//   node vscode-extension/build.mjs --outdir <dir>   write the bundles there instead of dist/
//
// Exits non-zero when the server entry point is missing or anything fails to bundle.
import { build } from "esbuild";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const dev = process.argv.includes("--dev");
// --outdir <dir>: build somewhere else than vscode-extension/dist (tests use a temporary folder).
const outdirAt = process.argv.indexOf("--outdir");
const dist = outdirAt > 0 && process.argv[outdirAt + 1] ? resolve(process.argv[outdirAt + 1]) : join(here, "dist");
const rel = (p) => relative(root, p);

/** True when the TypeScript module at `file` exports a function named `name`. */
function exportsFunction(file, name) {
  const src = readFileSync(file, "utf8");
  return new RegExp(`export\\s+(?:async\\s+)?function\\s+${name}\\b|export\\s*\\{[^}]*\\b${name}\\b`).test(src);
}

/**
 * The language server. `lsp/main.ts` must start the server when loaded (vscode-languageserver's
 * createConnection() picks IPC or stdio from the command line). Until it exists, an
 * `lsp/server.ts` that exports `startServer()` is accepted through a two-line shim.
 */
function serverEntry() {
  const main = join(root, "lsp/main.ts");
  if (existsSync(main)) return { file: main };
  const server = join(root, "lsp/server.ts");
  if (existsSync(server) && exportsFunction(server, "startServer")) {
    return { file: server, shim: 'import { startServer } from "./lsp/server.ts";\nstartServer();\n' };
  }
  return undefined;
}

/** The CLI. `cli/main.ts` exports `main(argv)`; a shim calls it (as bin/policy.js does). */
function cliEntry() {
  const main = join(root, "cli/main.ts");
  if (!existsSync(main)) return undefined;
  if (!exportsFunction(main, "main")) return { file: main };
  return {
    file: main,
    shim:
      'import { main } from "./cli/main.ts";\n' +
      "main(process.argv.slice(2)).then((code) => { if (code !== 0) process.exitCode = code; });\n",
  };
}

const server = serverEntry();
if (!server) {
  console.error(
    "error: lsp/main.ts does not exist; it is the entry point of the language server (dist/server.js).\n" +
      "It must start the server when loaded, over Node IPC (--node-ipc) or stdio (--stdio).\n" +
      "Nothing was built.",
  );
  process.exit(1);
}
const cli = cliEntry();

const bundles = [
  { entry: { file: join(here, "src/extension.ts") }, out: "extension.js" },
  { entry: server, out: "server.js" },
  ...(cli ? [{ entry: cli, out: "cli.js" }] : []),
];
if (!cli) console.warn("warning: cli/main.ts does not exist; dist/cli.js is not built (the commands fall back to `policy` on the PATH).");

/**
 * Packages whose "main" is a UMD wrapper with require() calls esbuild cannot follow: bundle their
 * ES module build instead. (Preferring "module" everywhere breaks other packages, e.g. ono.)
 */
const esmAliases = {};
const requireFromRoot = createRequire(join(root, "package.json"));
for (const name of ["jsonc-parser"]) {
  try {
    const manifest = requireFromRoot.resolve(`${name}/package.json`);
    const esm = JSON.parse(readFileSync(manifest, "utf8")).module;
    if (esm) esmAliases[name] = join(dirname(manifest), esm);
  } catch {
    // not installed: nothing imports it
  }
}

/**
 * grammar/chevrotain.ts loads chevrotain's single-file build with a top-level await, which a
 * CommonJS bundle cannot hold: the bundles take the package itself (esbuild inlines it anyway).
 */
const chevrotainPackage = {
  name: "chevrotain-package",
  setup(b) {
    b.onResolve({ filter: /^\.\/chevrotain\.js$/ }, (args) =>
      args.importer.startsWith(join(root, "grammar")) ? b.resolve("chevrotain", { kind: args.kind, resolveDir: root }) : undefined);
  },
};

/** Data files read at run time through compiler/assets.ts, which looks for them above the bundle. */
const assets = ["schemas", "compiler/catalog/builtin"];

const banner = [
  // The sources are ES modules; the bundles are CommonJS (what VS Code loads).
  'const __policy_import_meta_url = require("url").pathToFileURL(__filename).href;',
  // recheck (the ReDoS check of detectors) runs checkSync in a worker file that is not bundled;
  // its pure-JS backend needs no extra files.
  'process.env.RECHECK_SYNC_BACKEND ||= "pure";',
].join("\n");

// Remove only what this script writes (so a stale cli.js never ships), never the folder itself.
for (const name of ["extension.js", "server.js", "cli.js", "schemas", "compiler", "web-tree-sitter.wasm", "tree-sitter-bash.wasm"]) {
  rmSync(join(dist, name), { recursive: true, force: true });
}
mkdirSync(dist, { recursive: true });

let failed = false;
for (const { entry, out } of bundles) {
  const outfile = join(dist, out);
  try {
    await build({
      ...(entry.shim
        ? { stdin: { contents: entry.shim, resolveDir: root, sourcefile: `${out}-entry.ts`, loader: "ts" } }
        : { entryPoints: [entry.file] }),
      outfile,
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      external: ["vscode"],
      alias: esmAliases,
      plugins: [chevrotainPackage],
      sourcemap: dev ? "inline" : false,
      minify: !dev,
      banner: { js: banner },
      define: {
        "import.meta.url": "__policy_import_meta_url",
        "import.meta.dirname": "__dirname",
        "import.meta.filename": "__filename",
      },
      logLevel: "warning",
      // recheck's require.resolve("./synckit-worker"): unused with the pure backend (see banner).
      logOverride: { "require-resolve-not-external": "silent" },
      absWorkingDir: root,
    });
    const kb = (statSync(outfile).size / 1024).toFixed(0);
    console.log(`built ${rel(outfile)} (${kb} KB) from ${rel(entry.file)}${entry.shim ? " (via a shim)" : ""}`);
  } catch {
    console.error(`error: bundling ${rel(entry.file)} into ${rel(outfile)} failed (see above).`);
    failed = true;
  }
}

for (const dir of assets) {
  const from = join(root, dir);
  if (!existsSync(from)) {
    console.error(`error: ${dir}/ does not exist; the compiler reads it at run time.`);
    failed = true;
    continue;
  }
  cpSync(from, join(dist, dir), { recursive: true, filter: (p) => statSync(p).isDirectory() || p.endsWith(".json") });
  console.log(`copied ${dir}/*.json to ${rel(join(dist, dir))}/`);
}

// The shell parser's WebAssembly (compiler/shell/shell-parser.ts looks for it beside the bundle).
for (const spec of ["web-tree-sitter/web-tree-sitter.wasm", "tree-sitter-bash/tree-sitter-bash.wasm"]) {
  try {
    const from = requireFromRoot.resolve(spec);
    cpSync(from, join(dist, from.slice(from.lastIndexOf("/") + 1)));
    console.log(`copied ${rel(from)} to ${rel(dist)}/`);
  } catch {
    console.error(`error: ${spec} is not installed; the shell parser needs it.`);
    failed = true;
  }
}

process.exit(failed ? 1 : 0);
