/**
 * The proxy's two append-only logs: session recordings (`--record DIR`, one `<session>.jsonl` per
 * session, exactly the SPEC §6 event format that `policy replay` and `replay` in tests read) and
 * the decision log (`--decision-log FILE`, one JSON line per decision, alert and approval).
 * Lines are appended synchronously so that the order on disk is the order of events and a crash
 * loses nothing already decided. Recordings hold tool arguments and results: the folder is 0700
 * and every file 0600. A write that fails is returned to the caller, which blocks the call unless
 * `--audit best-effort` (an audit trail that cannot be written does not stop silently).
 */
import { randomBytes } from "node:crypto";
import { appendFileSync, chmodSync, lstatSync, mkdirSync } from "node:fs";
import path from "node:path";
import type { SessionEvent } from "../runtime/types.js";

/** A file name for a session id (ids come from the proxy or from `--session-id`). */
export function sessionFileName(sessionId: string): string {
  return `${sessionId.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 120) || "session"}.jsonl`;
}

/** Appends a line to a file created 0600; the error message, or undefined. */
function appendLine(file: string, line: string): string | undefined {
  try {
    appendFileSync(file, line, { mode: 0o600 });
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Tightens an existing regular file of ours to 0600 (an older proxy created them 0644). */
function tighten(file: string): void {
  try {
    const st = lstatSync(file);
    if (st.isFile() && (st.mode & 0o077) && (typeof process.getuid !== "function" || st.uid === process.getuid())) chmodSync(file, 0o600);
  } catch { /* not there yet */ }
}

/**
 * Each session is recorded to `<session id>.<128 random bits>.jsonl`: a name nobody can derive from
 * a session id (over HTTP the MCP session id is unrelated to both), chosen at the session's first event.
 */
export class SessionRecorder {
  private readonly names = new Map<string, string>();

  constructor(private readonly dir: string) {
    const existed = (() => { try { return lstatSync(dir).isDirectory(); } catch { return false; } })();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!existed) chmodSync(dir, 0o700);
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
    return appendLine(this.fileOf(e.session_id ?? "session"), JSON.stringify(e) + "\n");
  }
}

export class DecisionLog {
  constructor(private readonly file: string) {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    tighten(file);
  }

  /** Appends an entry; on failure reports it on stderr and returns the error. */
  append(entry: Record<string, unknown>): string | undefined {
    const err = appendLine(this.file, JSON.stringify(entry) + "\n");
    if (err) process.stderr.write(`policy enforce: cannot write the decision log ${this.file}: ${err}\n`);
    return err;
  }
}
