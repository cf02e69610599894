/**
 * Acknowledged alerts, kept where the approvals are (the state dir, or Redis with `--store`), so
 * that every console and every person sees the same triage state. One record per alert, written
 * once (`O_EXCL` / `HSETNX`): the first acknowledgement stands. Records follow
 * `schemas/console-ack.schema.json`; one that does not is ignored as not acknowledged (and counted).
 */
import { closeSync, constants, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from "node:fs";
import path from "node:path";
import type { Redis } from "ioredis";
import { schemaValidator } from "../../compiler/json/validate.js";

export interface Ack {
  readonly alert: string;
  readonly by: string;
  readonly at: string;
  readonly note?: string;
}

export interface AckStore {
  /** Every acknowledgement, by alert id. */
  all(): Promise<Map<string, Ack>>;
  /** Records an acknowledgement unless the alert has one; false when it had. */
  add(a: Ack): Promise<boolean>;
}

const ALERT_RE = /^[0-9a-f]{32}$/;

function valid(v: unknown): v is Ack {
  return schemaValidator("console-ack.schema.json")(v);
}

export class FileAckStore implements AckStore {
  readonly dir: string;

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, "console", "acks");
  }

  async all(): Promise<Map<string, Ack>> {
    const out = new Map<string, Ack>();
    let names: string[] = [];
    try { names = readdirSync(this.dir); } catch { return out; }
    for (const n of names) {
      const id = n.replace(/\.json$/, "");
      if (!ALERT_RE.test(id)) continue;
      try {
        const v = JSON.parse(readFileSync(path.join(this.dir, n), "utf8")) as unknown;
        if (valid(v) && v.alert === id) out.set(id, v);
      } catch { /* unreadable: not acknowledged */ }
    }
    return out;
  }

  async add(a: Ack): Promise<boolean> {
    if (!valid(a)) throw new Error("an acknowledgement that does not follow schemas/console-ack.schema.json");
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    let fd: number;
    try { fd = openSync(path.join(this.dir, `${a.alert}.json`), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600); } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw e;
    }
    try { writeSync(fd, JSON.stringify(a) + "\n"); } finally { closeSync(fd); }
    return true;
  }
}

export class RedisAckStore implements AckStore {
  constructor(private readonly client: Redis, private readonly prefix = "policy:") {}

  private get key(): string {
    return `${this.prefix}console:acks`;
  }

  async all(): Promise<Map<string, Ack>> {
    const out = new Map<string, Ack>();
    for (const [id, s] of Object.entries(await this.client.hgetall(this.key))) {
      try {
        const v = JSON.parse(s) as unknown;
        if (ALERT_RE.test(id) && valid(v) && v.alert === id) out.set(id, v);
      } catch { /* not acknowledged */ }
    }
    return out;
  }

  async add(a: Ack): Promise<boolean> {
    if (!valid(a)) throw new Error("an acknowledgement that does not follow schemas/console-ack.schema.json");
    return (await this.client.hsetnx(this.key, a.alert, JSON.stringify(a))) === 1;
  }
}
