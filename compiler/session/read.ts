/**
 * Reads recorded sessions (JSON Lines, SPEC §6), streaming: every line is validated against
 * schemas/session-event.schema.json and the runtime's own event check; a bad line is reported
 * with its file and line number and never skipped silently.
 * INVARIANT: neither reader holds more than one chunk of the file and one line in memory.
 */
import { closeSync, createReadStream, openSync, readSync } from "node:fs";
import { createInterface } from "node:readline";
import { StringDecoder } from "node:string_decoder";
import { schemaValidator, ajvMessage, usefulErrors } from "../json/validate.js";
import { eventProblem } from "../../runtime/event.js";
import type { SessionEvent } from "../../runtime/types.js";

export interface EventLine {
  readonly line: number;
  readonly event: SessionEvent;
}

export interface BadLine {
  readonly line: number;
  readonly message: string;
}

/** Checks one line; returns the event or what is wrong with it. */
export function parseEventLine(text: string): { event: SessionEvent } | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    const head = text.trim();
    return { error: `not valid JSON: ${head.length > 60 ? head.slice(0, 60) + "…" : head}` };
  }
  const validate = schemaValidator("session-event.schema.json");
  if (!validate(v)) return { error: usefulErrors(validate.errors ?? []).map(ajvMessage).join("; ") };
  const p = eventProblem(v);
  if (p) return { error: p };
  return { event: v as SessionEvent };
}

const CHUNK = 1 << 16;

/**
 * The lines of a file, read synchronously in 64 KiB chunks (so a file larger than a string can
 * hold still reads). Line numbers count from 1; `\r\n` endings are accepted.
 * Throws only when the file cannot be opened or read.
 */
export function* readLinesSync(path: string): Generator<{ readonly line: number; readonly text: string }> {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    const dec = new StringDecoder("utf8");
    let rest = "";
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, 0, CHUNK, null);
      if (got === 0) break;
      rest += dec.write(buf.subarray(0, got));
      let at = 0;
      for (let nl = rest.indexOf("\n", at); nl >= 0; nl = rest.indexOf("\n", at)) {
        n++;
        const end = nl > at && rest.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        yield { line: n, text: rest.slice(at, end) };
        at = nl + 1;
      }
      rest = rest.slice(at);
    }
    rest += dec.end();
    if (rest.length) yield { line: n + 1, text: rest.endsWith("\r") ? rest.slice(0, -1) : rest };
  } finally {
    closeSync(fd);
  }
}

/** Reads every event of a session file. Throws only when the file cannot be read. */
export function readSessionFile(path: string): { events: EventLine[]; bad: BadLine[] } {
  const events: EventLine[] = [];
  const bad: BadLine[] = [];
  for (const { line, text } of readLinesSync(path)) {
    if (text.trim() === "") continue;
    const r = parseEventLine(text);
    if ("error" in r) bad.push({ line, message: r.error });
    else events.push({ line, event: r.event });
  }
  return { events, bad };
}

/**
 * Streams a session file in batches (one batch per 64 KiB chunk, so the caller handles hundreds of
 * lines per await). Rejects when the file cannot be read.
 */
export async function* streamSessionBatches(path: string): AsyncGenerator<(EventLine | (BadLine & { bad: true }))[]> {
  const dec = new StringDecoder("utf8");
  let rest = "";
  let n = 0;
  const parse = (raw: string, out: (EventLine | (BadLine & { bad: true }))[]) => {
    n++;
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (text.trim() === "") return;
    const r = parseEventLine(text);
    out.push("error" in r ? { line: n, message: r.error, bad: true } : { line: n, event: r.event });
  };
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) {
    rest += dec.write(chunk as Buffer);
    const out: (EventLine | (BadLine & { bad: true }))[] = [];
    let at = 0;
    for (let nl = rest.indexOf("\n", at); nl >= 0; nl = rest.indexOf("\n", at)) {
      parse(rest.slice(at, nl), out);
      at = nl + 1;
    }
    rest = rest.slice(at);
    if (out.length) yield out;
  }
  rest += dec.end();
  if (rest.length) {
    const out: (EventLine | (BadLine & { bad: true }))[] = [];
    parse(rest, out);
    if (out.length) yield out;
  }
}

/** Streams a session file line by line (constant memory). Rejects when the file cannot be read. */
export async function* streamSessionFile(path: string): AsyncGenerator<EventLine | (BadLine & { bad: true })> {
  const rl = createInterface({ input: createReadStream(path, { encoding: "utf8", highWaterMark: CHUNK }), crlfDelay: Infinity });
  let n = 0;
  for await (const raw of rl) {
    n++;
    if (raw.trim() === "") continue;
    const r = parseEventLine(raw);
    if ("error" in r) yield { line: n, message: r.error, bad: true };
    else yield { line: n, event: r.event };
  }
}
