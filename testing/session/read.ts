/**
 * Reads recorded sessions (JSON Lines, SPEC §6), streaming: every line is validated against
 * schemas/session-event.schema.json and the runtime's own event check; a bad line is reported
 * with its file and line number and never skipped silently. One parse path (`SessionLines`) serves
 * the synchronous reader and the streaming one: bytes are split at `\n`, each line is decoded as
 * UTF-8 (a BOM dropped, anything else reported with its byte), a binary file is one error and ends
 * the read, and of the lines that are not JSON only the first is quoted (truncated and escaped):
 * a session path pointed at another file must not echo that file.
 * INVARIANT: neither reader holds more than one chunk of the file and one line in memory.
 */
import { closeSync, createReadStream, openSync, readSync } from "node:fs";
import { schemaValidator, ajvMessage, usefulErrors } from "../../compiler/json/validate.js";
import { eventProblem } from "../../runtime/event.js";
import type { SessionEvent } from "../../runtime/types.js";
import { decodeUtf8 } from "../../compiler/text-input.js";

export interface EventLine {
  readonly line: number;
  readonly event: SessionEvent;
}

export interface BadLine {
  readonly line: number;
  readonly message: string;
}

/** One item of a session file: an event, or a bad line. */
export type SessionItem = EventLine | (BadLine & { readonly bad: true });

/** At most this many characters of a line that is not JSON are quoted. */
const QUOTE_LIMIT = 60;

/** The first characters of a line, as a JSON string (control characters escaped). */
export function quoteSnippet(text: string): string {
  const head = text.trim();
  return JSON.stringify(head.length > QUOTE_LIMIT ? head.slice(0, QUOTE_LIMIT) + "…" : head);
}

/**
 * Checks one line; returns the event or what is wrong with it. `quote: false` leaves the line's
 * text out of the message.
 */
export function parseEventLine(text: string, opts: { quote?: boolean } = {}): { event: SessionEvent } | { error: string; json?: false } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { error: opts.quote === false ? "not valid JSON" : `not valid JSON: ${quoteSnippet(text)}`, json: false };
  }
  const validate = schemaValidator("session-event.schema.json");
  if (!validate(v)) return { error: usefulErrors(validate.errors ?? []).map(ajvMessage).join("; ") };
  const p = eventProblem(v);
  if (p) return { error: p };
  return { event: v as SessionEvent };
}

const CHUNK = 1 << 16;

/**
 * The one parse path of session files: feed it the file's bytes chunk by chunk, then `end()`.
 * Lines are split at `\n` bytes (a `\r` before it dropped), so a line across chunks, a multi-byte
 * character across chunks and a missing final newline all read the same.
 */
export class SessionLines {
  private parts: Buffer[] = [];
  private n = 0;
  private quoted = false;
  /** True once the file turned out binary: the rest is not read. */
  done = false;

  push(chunk: Buffer): SessionItem[] {
    const out: SessionItem[] = [];
    let at = 0;
    for (let nl = chunk.indexOf(10, at); nl >= 0 && !this.done; nl = chunk.indexOf(10, at)) {
      this.parts.push(chunk.subarray(at, nl));
      this.line(out);
      at = nl + 1;
    }
    if (!this.done && at < chunk.length) this.parts.push(Buffer.from(chunk.subarray(at)));
    return out;
  }

  end(): SessionItem[] {
    const out: SessionItem[] = [];
    if (!this.done && this.parts.length) this.line(out);
    return out;
  }

  private line(out: SessionItem[]): void {
    let bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    this.parts = [];
    const line = ++this.n;
    if (bytes.length && bytes[bytes.length - 1] === 13) bytes = bytes.subarray(0, -1);
    const decoded = decodeUtf8(bytes);
    if ("problem" in decoded) {
      const p = decoded.problem;
      if (p.binary) this.done = true;
      out.push({ line, bad: true, message: p.binary ? `a binary file, not JSON Lines: a NUL byte at byte ${p.byte}` : `not UTF-8: byte ${p.byte} (0x${p.value.toString(16).toUpperCase().padStart(2, "0")}) is not valid UTF-8` });
      return;
    }
    const text = decoded.text;
    if (text.trim() === "") return;
    const r = parseEventLine(text, { quote: !this.quoted });
    if ("error" in r) {
      if (r.json === false) this.quoted = true;
      out.push({ line, message: r.error, bad: true });
    } else out.push({ line, event: r.event });
  }
}

/** Reads every event of a session file. Throws only when the file cannot be read. */
export function readSessionFile(path: string): { events: EventLine[]; bad: BadLine[] } {
  const events: EventLine[] = [];
  const bad: BadLine[] = [];
  const take = (items: SessionItem[]) => {
    for (const it of items) {
      if ("bad" in it) bad.push({ line: it.line, message: it.message });
      else events.push(it);
    }
  };
  const reader = new SessionLines();
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (let got = readSync(fd, buf, 0, CHUNK, null); got > 0 && !reader.done; got = readSync(fd, buf, 0, CHUNK, null)) {
      take(reader.push(buf.subarray(0, got)));
    }
  } finally {
    closeSync(fd);
  }
  take(reader.end());
  return { events, bad };
}

/**
 * Streams a session file in batches (one batch per 64 KiB chunk, so the caller handles hundreds of
 * lines per await). Rejects when the file cannot be read.
 */
export async function* streamSessionBatches(path: string): AsyncGenerator<SessionItem[]> {
  const reader = new SessionLines();
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) {
    const out = reader.push(chunk as Buffer);
    if (out.length) yield out;
    if (reader.done) return;
  }
  const out = reader.end();
  if (out.length) yield out;
}

/** Streams a session file item by item (constant memory). Rejects when the file cannot be read. */
export async function* streamSessionFile(path: string): AsyncGenerator<SessionItem> {
  for await (const batch of streamSessionBatches(path)) yield* batch;
}
