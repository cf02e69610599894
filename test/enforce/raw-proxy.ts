/**
 * `policy enforce` as a child process spoken to in raw JSON-RPC over stdio, for what the SDK
 * client will not do: reuse a request id, send `notifications/cancelled` by hand, and see the
 * process's own exit (SIGTERM, SIGKILL).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cliArgs, ROOT } from "./helpers.js";

export interface RawProxy {
  readonly child: ChildProcess;
  send(msg: Record<string, unknown>): void;
  /** Every message received so far. */
  readonly messages: Record<string, unknown>[];
  /** The first message (after `from`) matching `f`. */
  next(f: (m: Record<string, unknown>) => boolean, timeoutMs?: number, from?: number): Promise<Record<string, unknown>>;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** initialize + initialized. */
  handshake(): Promise<void>;
}

export function startRawProxy(args: readonly string[]): RawProxy {
  const child = spawn(process.execPath, cliArgs(["enforce", ...args]), { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
  const messages: Record<string, unknown>[] = [];
  let buf = "", err = "";
  child.stdout!.on("data", (c: Buffer) => {
    buf += c.toString();
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (line) { try { messages.push(JSON.parse(line) as Record<string, unknown>); } catch { /* not JSON-RPC */ } }
    }
  });
  child.stderr!.on("data", (c: Buffer) => { err += c.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on("exit", (code, signal) => r({ code, signal })));
  const send = (msg: Record<string, unknown>) => { child.stdin!.write(JSON.stringify({ jsonrpc: "2.0", ...msg }) + "\n"); };
  const next = async (f: (m: Record<string, unknown>) => boolean, timeoutMs = 30_000, from = 0) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = messages.slice(from).find(f);
      if (m) return m;
      if (Date.now() > end || child.exitCode !== null) throw new Error(`no such message from the proxy\n${JSON.stringify(messages)}\n${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return {
    child, send, messages, next, exited, stderr: () => err,
    handshake: async () => {
      send({ id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "Cursor", version: "1.0.0" } } });
      await next((m) => m["id"] === 1);
      send({ method: "notifications/initialized" });
    },
  };
}

export function resultText(m: Record<string, unknown>): string {
  const r = m["result"] as { content?: { text?: string }[] } | undefined;
  return (r?.content ?? []).map((c) => c.text ?? "").join("\n");
}
