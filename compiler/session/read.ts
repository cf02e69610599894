/**
 * Reads recorded sessions (JSON Lines, SPEC §6), streaming: every line is validated against
 * schemas/session-event.schema.json and the runtime's own event check; a bad line is reported
 * with its file and line number and never skipped silently.
 */
import { createReadStream, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
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
  } catch (e) {
    return { error: `not JSON: ${(e as Error).message}` };
  }
  const validate = schemaValidator("session-event.schema.json");
  if (!validate(v)) return { error: usefulErrors(validate.errors ?? []).map(ajvMessage).join("; ") };
  const p = eventProblem(v);
  if (p) return { error: p };
  return { event: v as SessionEvent };
}

/** Reads a whole (small) session file. Throws only when the file cannot be read. */
export function readSessionFile(path: string): { events: EventLine[]; bad: BadLine[] } {
  const text = readFileSync(path, "utf8");
  const events: EventLine[] = [];
  const bad: BadLine[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === "") return;
    const r = parseEventLine(raw);
    if ("error" in r) bad.push({ line: i + 1, message: r.error });
    else events.push({ line: i + 1, event: r.event });
  });
  return { events, bad };
}

/** Streams a session file line by line (constant memory). */
export async function* streamSessionFile(path: string): AsyncGenerator<EventLine | (BadLine & { bad: true })> {
  const rl = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  let n = 0;
  for await (const raw of rl) {
    n++;
    if (raw.trim() === "") continue;
    const r = parseEventLine(raw);
    if ("error" in r) yield { line: n, message: r.error, bad: true };
    else yield { line: n, event: r.event };
  }
}
