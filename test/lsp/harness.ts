/**
 * A test client for the language server: spawns it over stdio (`policy lsp --stdio`, the built
 * binary, unless told otherwise) and speaks JSON-RPC as an editor does. Fixture sources carry
 * markers: `‸` is a cursor, `⟨…⟩` a range; `marked()` strips them and returns their positions.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { cliCommand } from "../support/cli.js";
import {
  createProtocolConnection, StreamMessageReader, StreamMessageWriter, InitializeRequest, InitializedNotification,
  PublishDiagnosticsNotification, DidOpenTextDocumentNotification, DidChangeTextDocumentNotification, ShutdownRequest, ExitNotification,
  type ProtocolConnection, type PublishDiagnosticsParams, type Position, type Range,
} from "vscode-languageserver-protocol/node";

export const REPO = resolve(import.meta.dirname, "../..");
const BUNDLE = join(REPO, "vscode-extension/dist/server.js");

/** How to start the server: `POLICY_SERVER=<file>`, the extension's bundle when asked for, else `policy lsp --stdio` (the built binary, as editors run it). */
export function serverCommand(): string[] {
  const explicit = process.env["POLICY_SERVER"];
  if (explicit) return [process.execPath, explicit, "--stdio"];
  if (process.env["POLICY_LSP_USE_BUNDLE"] === "1" && existsSync(BUNDLE)) return [process.execPath, BUNDLE, "--stdio"];
  return cliCommand(["lsp", "--stdio"]);
}

export interface Marked {
  readonly text: string;
  readonly cursors: Position[];
  readonly ranges: Range[];
}

/** Strips `‸` (cursor) and `⟨…⟩` (range) markers, returning their positions in the clean text. */
export function marked(src: string): Marked {
  let text = "";
  let line = 0;
  let character = 0;
  const cursors: Position[] = [];
  const ranges: Range[] = [];
  const open: Position[] = [];
  for (const ch of src) {
    if (ch === "‸") { cursors.push({ line, character }); continue; }
    if (ch === "⟨") { open.push({ line, character }); continue; }
    if (ch === "⟩") { ranges.push({ start: open.pop()!, end: { line, character } }); continue; }
    text += ch;
    if (ch === "\n") { line++; character = 0; } else character += ch.length;
  }
  return { text, cursors, ranges };
}

/** A temporary workspace folder with the given files. */
export function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "policy-lsp-"));
  for (const [name, text] of Object.entries(files)) {
    const p = join(dir, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}

export const uriOf = (path: string) => pathToFileURL(path).href;

export class Client {
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  private waiters: (() => void)[] = [];
  private versions = new Map<string, number>();
  stderr = "";
  /** `window/logMessage` messages. */
  readonly log: string[] = [];

  private constructor(readonly proc: ChildProcess, readonly conn: ProtocolConnection) {}

  static async start(root: string, initializationOptions: Record<string, unknown> = {}): Promise<Client> {
    const [cmd, ...args] = serverCommand();
    const proc = spawn(cmd!, args, { cwd: REPO, stdio: ["pipe", "pipe", "pipe"] });
    const conn = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    const c = new Client(proc, conn);
    proc.stderr!.on("data", (d: Buffer) => { c.stderr += d.toString(); });
    conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
      c.diagnostics.set(p.uri, p);
      const w = c.waiters; c.waiters = []; w.forEach((f) => f());
    });
    conn.onNotification("window/logMessage", (p: { message: string }) => { c.log.push(p.message); });
    conn.onRequest("client/registerCapability", () => null);
    conn.onRequest("workspace/configuration", () => []);
    conn.listen();
    await conn.sendRequest(InitializeRequest.type, {
      processId: process.pid, rootUri: uriOf(root), workspaceFolders: [{ uri: uriOf(root), name: "ws" }],
      capabilities: { textDocument: { publishDiagnostics: { relatedInformation: true } }, workspace: { didChangeWatchedFiles: { dynamicRegistration: true } } },
      initializationOptions: { debounceMs: 20, ...initializationOptions },
    });
    await conn.sendNotification(InitializedNotification.type, {});
    return c;
  }

  async open(path: string, text: string): Promise<string> {
    const uri = uriOf(path);
    this.versions.set(uri, 1);
    this.diagnostics.delete(uri);
    await this.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: "policy", version: 1, text } });
    return uri;
  }

  async change(uri: string, text: string): Promise<void> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    this.diagnostics.delete(uri);
    await this.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
  }

  /** Waits until diagnostics for `uri` satisfy `ok` (default: any publication). */
  async waitDiagnostics(uri: string, ok: (p: PublishDiagnosticsParams) => boolean = () => true, timeoutMs = 15_000): Promise<PublishDiagnosticsParams> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const p = this.diagnostics.get(uri);
      if (p && ok(p)) return p;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching diagnostics for ${uri} within ${timeoutMs} ms; last: ${JSON.stringify(p)}\n${this.stderr}`);
      await new Promise<void>((res) => { const t = setTimeout(res, left); this.waiters.push(() => { clearTimeout(t); res(); }); });
    }
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.conn.sendRequest(method, params) as Promise<R>;
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.conn.sendRequest(ShutdownRequest.type), new Promise((r) => setTimeout(r, 2000))]);
      await this.conn.sendNotification(ExitNotification.type);
    } catch { /* already gone */ }
    this.conn.dispose();
    await new Promise<void>((res) => { if (this.proc.exitCode !== null) res(); else { const t = setTimeout(() => { this.proc.kill(); res(); }, 2000); this.proc.once("exit", () => { clearTimeout(t); res(); }); } });
  }
}
