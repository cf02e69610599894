/**
 * Session recordings (`--record DIR`, one `<session id>.<random>.jsonl` per session) as the console
 * uses them: the recorded event behind a decision (its arguments are the matching input of a block,
 * and the input of `policy explain`), and the recording itself, which `policy replay` reads.
 * Only files directly inside the folders given are ever read, by a name listed in those folders.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { sessionFileName } from "../../enforce/jsonl.js";

export interface Recording {
  /** Index of the folder in the list given, and the file name inside it. */
  readonly dir: number;
  readonly name: string;
}

const NAME_RE = /^[A-Za-z0-9._-]+\.[0-9a-f]{32}\.jsonl$/;

export class Recordings {
  constructor(readonly dirs: readonly string[]) {}

  /** The recordings of a session (usually one). */
  of(sessionId: string): Recording[] {
    const stem = sessionFileName(sessionId).replace(/\.jsonl$/, ".");
    return this.dirs.flatMap((d, dir) => {
      let names: string[] = [];
      try { names = readdirSync(d); } catch { /* a folder that does not exist yet has no recordings */ }
      return names.filter((n) => NAME_RE.test(n) && n.startsWith(stem) && n.length === stem.length + 38).map((name) => ({ dir, name }));
    });
  }

  /** The file of a recording named by folder index and name, if it is one of ours. */
  file(dir: number, name: string): string | undefined {
    const d = this.dirs[dir];
    if (d === undefined || !NAME_RE.test(name)) return undefined;
    try { return readdirSync(d).includes(name) ? path.join(d, name) : undefined; } catch { return undefined; }
  }

  /** The recorded `tool_call_request` (or `agent_discovered`) event of a session with this call id or seq. */
  event(sessionId: string, callId: string | null, seq: number | null): { event: Record<string, unknown>; recording: Recording } | undefined {
    for (const rec of this.of(sessionId)) {
      const f = this.file(rec.dir, rec.name);
      if (!f) continue;
      let text = "";
      try { text = readFileSync(f, "utf8"); } catch { continue; }
      for (const raw of text.split("\n")) {
        if (!raw.trim()) continue;
        let e: Record<string, unknown>;
        try { e = JSON.parse(raw) as Record<string, unknown>; } catch { continue; }
        if (e.session_id !== sessionId) continue;
        const call = e.call as { id?: unknown } | undefined;
        const byCall = callId !== null && call?.id === callId && e.type === "tool_call_request";
        const bySeq = callId === null && seq !== null && e.seq === seq;
        if (byCall || bySeq) return { event: e, recording: rec };
      }
    }
    return undefined;
  }
}
