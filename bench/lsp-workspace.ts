/**
 * The language server on a large workspace (issue 22's editor case): 10,000 policies in 20
 * `.policy` files of 500 (the benchmark workload's policy mix, bench/workload.ts) plus one user
 * catalog named by `policy.config.json` — 21 files. Measured twice, both on the built server
 * (`npm run build` first):
 * - in-process (`dist/lsp/workspace.js`: what runs between an edit and the diagnostics, no JSON-RPC);
 * - over stdio: `policy lsp --stdio` as a separate process, driven by an LSP client over JSON-RPC
 *   (didOpen, then one-character didChange edits, each timed to the publishDiagnostics of the file).
 * Figures: the first diagnostics after opening one file, and the re-check after a one-character
 * edit — typing into the name of a policy in the middle of a file in the middle of the workspace,
 * and into the first policy of that file (every later policy of the file moves) — median of
 * several, with the process's CPU time beside the wall time (wall time grows with the machine's load).
 * `npm run bench:lsp` runs this alone; `npm run bench` includes it.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  createProtocolConnection, StreamMessageReader, StreamMessageWriter, InitializeRequest, InitializedNotification, PublishDiagnosticsNotification,
  DidOpenTextDocumentNotification, DidChangeTextDocumentNotification, ShutdownRequest, ExitNotification, type ProtocolConnection,
} from "vscode-languageserver-protocol/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { catalogJson, makeIntegrations, makePolicies } from "./workload.js";

const REPO = resolve(import.meta.dirname, "..");
const FILES = 20;
const PER_FILE = 500;

export interface LspWorkspaceRun {
  /** Open → first diagnostics of the opened file, ms (wall; in-process also CPU). */
  readonly first_ms: number;
  readonly first_cpu_ms?: number;
  /** One-character edit → its diagnostics, median ms: in the middle of the file, and at its top. */
  readonly edit_middle_ms: number;
  readonly edit_top_ms: number;
  readonly edit_cpu_ms?: number;
  readonly edits: readonly number[];
}

export interface LspWorkspaceFigures {
  readonly policies: number;
  readonly files: number;
  readonly diagnostics: number;
  readonly in_process: LspWorkspaceRun;
  readonly stdio: LspWorkspaceRun;
  /** `uptime`'s load averages when the figures were taken. */
  readonly load: readonly number[];
}

/** Writes the workspace; returns its folder and the file edited (in the middle of it). */
function writeWorkspace(): { dir: string; file: string; text: string } {
  const dir = mkdtempSync(join(tmpdir(), "policy-bench-lsp-ws-"));
  const integrations = makeIntegrations();
  const policies = makePolicies(FILES * PER_FILE, 1, integrations);
  writeFileSync(join(dir, "catalog.json"), JSON.stringify(catalogJson(integrations)));
  writeFileSync(join(dir, "policy.config.json"), JSON.stringify({ catalogs: ["catalog.json"] }));
  mkdirSync(join(dir, "policies"));
  for (let i = 0; i < FILES; i++) {
    const head = i === 0 ? "default by operation { Read: allow  Write: allow  Delete: require_approval  Unknown: block }\n\n" : "";
    writeFileSync(join(dir, "policies", `set-${String(i).padStart(2, "0")}.policy`), head + policies.slice(i * PER_FILE, (i + 1) * PER_FILE).map((p) => p.text).join("\n\n") + "\n");
  }
  const file = join(dir, "policies", `set-${String(FILES / 2).padStart(2, "0")}.policy`);
  return { dir, file, text: readFileSync(file, "utf8") };
}

/** The offsets to type at: inside the name of the policy in the middle of the file, and of the first one. */
function editPoints(text: string): { middle: number; top: number } {
  return { middle: text.indexOf("\" {", text.length >> 1), top: text.indexOf("\" {") };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

/** In-process, on the built `Workspace` (as the server runs it). */
async function inProcess(dir: string, file: string, text: string, rounds: number): Promise<LspWorkspaceRun & { diagnostics: number }> {
  const built = join(REPO, "dist/lsp/workspace.js");
  if (!existsSync(built)) throw new Error("bench:lsp needs the built server: run `npm run build` first");
  const { Workspace } = (await import(pathToFileURL(built).href)) as typeof import("../lsp/workspace.js");
  const uri = pathToFileURL(file).href;
  let doc = TextDocument.create(uri, "policy", 1, text);
  const ws = new Workspace({ all: () => [doc], get: (u) => (u === uri ? doc : undefined) }, { roots: [dir], catalogs: [], debounceMs: 0, log: (m) => { throw new Error(m); } });
  const timed = (next: string): [number, number] => {
    doc = TextDocument.create(uri, "policy", doc.version + 1, next);
    const c = cpuMs();
    const t = performance.now();
    ws.documentChanged(uri);
    ws.fresh(uri);
    return [performance.now() - t, cpuMs() - c];
  };
  const [first, firstCpu] = timed(text);
  const { middle, top } = editPoints(text);
  const at = (k: number, where: number) => timed(k % 2 ? text : text.slice(0, where) + "x" + text.slice(where));
  const mid = Array.from({ length: rounds }, (_, k) => at(k, middle));
  const tops = Array.from({ length: rounds }, (_, k) => at(k, top));
  const diagnostics = ws.fresh(uri)?.project.diagnostics.length ?? 0;
  ws.dispose();
  return { first_ms: first, first_cpu_ms: firstCpu, edit_middle_ms: median(mid.map((x) => x[0])), edit_top_ms: median(tops.map((x) => x[0])), edit_cpu_ms: median([...mid, ...tops].map((x) => x[1])), edits: [...mid, ...tops].map((x) => Math.round(x[0])), diagnostics };
}

/** Over stdio: the built `policy lsp --stdio`, an LSP client over JSON-RPC, incremental one-character changes. */
async function overStdio(dir: string, file: string, text: string, rounds: number): Promise<LspWorkspaceRun> {
  const proc = spawn(process.execPath, [join(REPO, "bin/policy.js"), "lsp", "--stdio"], { cwd: dir, stdio: ["pipe", "pipe", "inherit"] });
  const conn: ProtocolConnection = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  const uri = pathToFileURL(file).href;
  let waiting: ((v: number) => void) | undefined;
  let wantVersion = 0;
  conn.onNotification(PublishDiagnosticsNotification.type, (p) => { if (p.uri === uri && waiting) { const w = waiting; waiting = undefined; w(wantVersion); } });
  conn.onRequest("client/registerCapability", () => null);
  conn.onRequest("workspace/configuration", () => []);
  conn.listen();
  try {
    const root = pathToFileURL(dir).href;
    await conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: root, workspaceFolders: [{ uri: root, name: "bench" }], capabilities: {} });
    await conn.sendNotification(InitializedNotification.type, {});
    const published = () => new Promise<number>((r) => { waiting = r; });
    let t = performance.now();
    let next = published();
    await conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: "policy", version: 1, text } });
    await next;
    const first = performance.now() - t;
    const lines = TextDocument.create(uri, "policy", 1, text);
    const { middle, top } = editPoints(text);
    let version = 1;
    const edit = async (k: number, where: number): Promise<number> => {
      // Apart by more than the debounce window, so that each edit is checked at once, as the first after a pause.
      await new Promise((r) => setTimeout(r, 250));
      const pos = lines.positionAt(where);
      const change = k % 2 ? { range: { start: pos, end: { line: pos.line, character: pos.character + 1 } }, text: "" } : { range: { start: pos, end: pos }, text: "x" };
      next = published();
      t = performance.now();
      await conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: ++version }, contentChanges: [change] });
      await next;
      return performance.now() - t;
    };
    const mid: number[] = [];
    for (let k = 0; k < rounds; k++) mid.push(await edit(k, middle));
    const tops: number[] = [];
    for (let k = 0; k < rounds; k++) tops.push(await edit(k, top));
    return { first_ms: first, edit_middle_ms: median(mid), edit_top_ms: median(tops), edits: [...mid, ...tops].map(Math.round) };
  } finally {
    await Promise.race([conn.sendRequest(ShutdownRequest.type), new Promise((r) => setTimeout(r, 2000))]).catch(() => undefined);
    await conn.sendNotification(ExitNotification.type).catch(() => undefined);
    conn.dispose();
    if (proc.exitCode === null) await new Promise<void>((r) => { const k = setTimeout(() => { proc.kill(); r(); }, 2000); proc.once("exit", () => { clearTimeout(k); r(); }); });
  }
}

export async function benchLspWorkspace(rounds = 10): Promise<LspWorkspaceFigures> {
  const { dir, file, text } = writeWorkspace();
  try {
    const load = loadavg();
    const { diagnostics, ...inProc } = await inProcess(dir, file, text, rounds);
    const stdio = await overStdio(dir, file, text, rounds);
    return { policies: FILES * PER_FILE, files: FILES + 1, diagnostics, in_process: inProc, stdio, load: load.map((x) => Math.round(x * 100) / 100) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The lines `npm run bench` and `bench:lsp` print. */
export function lspWorkspaceLines(f: LspWorkspaceFigures): string[] {
  const ms = (x: number | undefined) => (x === undefined ? "–" : `${x.toFixed(0)} ms`);
  const row = (name: string, r: LspWorkspaceRun) =>
    `lsp, ${f.policies.toLocaleString("en")} policies in ${f.files} files, ${name}: first diagnostics ${ms(r.first_ms)}${r.first_cpu_ms !== undefined ? ` (CPU ${ms(r.first_cpu_ms)})` : ""}; re-check after a one-character edit ${ms(r.edit_middle_ms)} (middle of a file) / ${ms(r.edit_top_ms)} (top of a file)${r.edit_cpu_ms !== undefined ? `, CPU ${ms(r.edit_cpu_ms)}` : ""}`;
  return [row("in-process", f.in_process), row("over stdio", f.stdio), `(load average ${f.load.join(", ")})`];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const f = await benchLspWorkspace(Number(process.env["ROUNDS"] ?? 10));
  process.stdout.write(`${lspWorkspaceLines(f).join("\n")}\n${JSON.stringify(f)}\n`);
}
