/**
 * The proxy's two append-only logs: session recordings (`--record DIR`, one `<session>.jsonl` per
 * session, exactly the SPEC §6 event format that `policy replay` and `replay` in tests read) and
 * the decision log (`--decision-log FILE`, one JSON line per decision, alert and approval).
 * Lines are appended synchronously so that the order on disk is the order of events and a crash
 * loses nothing already decided.
 */
import { randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import type { SessionEvent } from "../runtime/types.js";

/** A file name for a session id (ids come from the proxy or from `--session-id`). */
export function sessionFileName(sessionId: string): string {
  return `${sessionId.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 120) || "session"}.jsonl`;
}

/**
 * Each session is recorded to `<session id>.<128 random bits>.jsonl`: a name nobody can derive from
 * a session id (over HTTP the MCP session id is unrelated to both), chosen at the session's first event.
 */
export class SessionRecorder {
  private readonly names = new Map<string, string>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** The file a session is recorded to. */
  fileOf(sessionId: string): string {
    let name = this.names.get(sessionId);
    if (name === undefined) {
      name = sessionFileName(sessionId).replace(/\.jsonl$/, `.${randomBytes(16).toString("hex")}.jsonl`);
      this.names.set(sessionId, name);
    }
    return path.join(this.dir, name);
  }

  /** The session ended: its name is no longer needed. */
  forget(sessionId: string): void {
    this.names.delete(sessionId);
  }

  append(e: SessionEvent): string | undefined {
    try {
      appendFileSync(this.fileOf(e.session_id ?? "session"), JSON.stringify(e) + "\n");
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  }
}

export class DecisionLog {
  constructor(private readonly file: string) {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  }

  append(entry: Record<string, unknown>): void {
    try {
      appendFileSync(this.file, JSON.stringify(entry) + "\n");
    } catch (err) {
      process.stderr.write(`policy enforce: cannot write the decision log ${this.file}: ${(err as Error).message}\n`);
    }
  }
}
