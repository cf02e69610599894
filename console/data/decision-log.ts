/**
 * The proxy's decision logs (`--decision-log FILE`, docs/enforce.md "Recording and the decision
 * log") as the console reads them: every line parsed once (a file is re-read only from where it was
 * last read, and from the start when it shrank), each line keeping where it came from so that a row
 * of the monitor links back to exactly one line. A line that is not JSON, or does not follow
 * `schemas/decision-log.schema.json`, is counted and reported, never silently skipped.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { createHash } from "node:crypto";
import { schemaValidator } from "../../compiler/json/validate.js";

/** One line of a decision log: its file (index into the list given), line number and record. */
export interface LogLine {
  readonly file: number;
  readonly line: number;
  /** SHA-256 of the line's text (an alert's id for acknowledgements). */
  readonly id: string;
  readonly rec: Readonly<Record<string, unknown>>;
}

interface FileState { offset: number; lines: LogLine[]; partial: string; lineNo: number; bad: number; off: number }

const MAX_READ = 64 << 20;

export class DecisionLogs {
  private readonly state: FileState[];

  constructor(readonly files: readonly string[]) {
    this.state = files.map(() => ({ offset: 0, lines: [], partial: "", lineNo: 0, bad: 0, off: 0 }));
  }

  /** Reads what was appended since the last call; returns every line of every file. */
  refresh(): LogLine[] {
    this.files.forEach((f, i) => this.readMore(f, i));
    return this.state.flatMap((s) => s.lines);
  }

  /** Lines that were not JSON objects or did not follow the schema, per file. */
  problems(): string[] {
    const n = (k: number) => `${k} line${k === 1 ? "" : "s"}`;
    return this.state.flatMap((s, i) => [
      ...(s.bad ? [`${this.files[i]}: ${n(s.bad)} that ${s.bad === 1 ? "is not a JSON object" : "are not JSON objects"}`] : []),
      ...(s.off ? [`${this.files[i]}: ${n(s.off)} that ${s.off === 1 ? "does" : "do"} not follow schemas/decision-log.schema.json (not shown)`] : []),
    ]);
  }

  private readMore(file: string, i: number): void {
    let fd: number;
    try { fd = openSync(file, "r"); } catch { return; }
    try {
      const size = fstatSync(fd).size;
      const s = this.state[i]!;
      if (size < s.offset) Object.assign(s, { offset: 0, lines: [], partial: "", lineNo: 0, bad: 0, off: 0 });
      const want = Math.min(size - s.offset, MAX_READ);
      if (want <= 0) return;
      const buf = Buffer.alloc(want);
      const got = readSync(fd, buf, 0, want, s.offset);
      s.offset += got;
      const text = s.partial + buf.subarray(0, got).toString("utf8");
      const parts = text.split("\n");
      s.partial = parts.pop() ?? "";
      for (const raw of parts) this.add(s, i, raw);
    } finally {
      closeSync(fd);
    }
  }

  private add(s: FileState, file: number, raw: string): void {
    s.lineNo++;
    if (!raw.trim()) return;
    let rec: unknown;
    try { rec = JSON.parse(raw); } catch { s.bad++; return; }
    if (!rec || typeof rec !== "object" || Array.isArray(rec)) { s.bad++; return; }
    if (!schemaValidator("decision-log.schema.json")(rec)) { s.off++; return; }
    s.lines.push({ file, line: s.lineNo, id: createHash("sha256").update(raw).digest("hex").slice(0, 32), rec: rec as Record<string, unknown> });
  }
}

/** A string field of a record, or "". */
export function str(rec: Readonly<Record<string, unknown>>, key: string): string {
  const v = rec[key];
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : "";
}

/** The agent's name (or id) of a decision line. */
export function agentOf(rec: Readonly<Record<string, unknown>>): string {
  const a = rec.agent;
  if (typeof a === "string") return a;
  if (a && typeof a === "object") {
    const o = a as { name?: unknown; id?: unknown };
    return typeof o.name === "string" ? o.name : typeof o.id === "string" ? o.id : "";
  }
  return "";
}
