/**
 * Approvals on the file system, shared by the proxy and `policy approvals` (separate processes).
 * Layout: `<state>/approvals/<id>/request.json`, one `vote-<role>.json` per role, `outcome.json`.
 * INVARIANT: every file is created exclusively (`wx`) or renamed into place, never rewritten, so
 * no two processes race on one file; `outcome.json` is the single point where a request resolves
 * (the first writer wins, and everyone reports what it says).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { statusOf, type ApprovalRequest, type ApprovalStore, type ApprovalView, type Outcome, type Vote, type VoteInput, type VoteResult } from "./types.js";
import { castVote, expireApproval, type VoteStorage } from "./voting.js";

const ID_RE = /^[a-z0-9][a-z0-9-]{2,63}$/;

/** A short id a person can type: `ap-` and 8 characters. */
export function newApprovalId(): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
  const bytes = randomBytes(8);
  let s = "";
  for (const b of bytes) s += alphabet[b % alphabet.length];
  return `ap-${s}`;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

/** Creates `file` with `text` only if it does not exist; false when someone else was first. */
function createExclusive(file: string, text: string): boolean {
  try {
    writeFileSync(file, text, { flag: "wx" });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
}

export class FileApprovalStore implements ApprovalStore {
  readonly dir: string;

  constructor(stateDir: string, private readonly now: () => number = Date.now) {
    this.dir = path.join(stateDir, "approvals");
  }

  private folder(id: string): string {
    if (!ID_RE.test(id)) throw new Error(`"${id}" is not an approval id`);
    return path.join(this.dir, id);
  }

  async create(r: ApprovalRequest): Promise<void> {
    const dir = this.folder(r.id);
    mkdirSync(this.dir, { recursive: true });
    // Write the request under a temporary name and rename the whole folder into place, so a
    // reader never sees a folder without its request.
    const tmp = path.join(this.dir, `.tmp-${r.id}-${process.pid}`);
    mkdirSync(tmp, { recursive: true });
    writeFileSync(path.join(tmp, "request.json"), JSON.stringify(r, null, 2) + "\n");
    renameSync(tmp, dir);
  }

  private view(id: string): ApprovalView | undefined {
    const dir = this.folder(id);
    const request = readJson<ApprovalRequest>(path.join(dir, "request.json"));
    if (!request) return undefined;
    let names: string[] = [];
    try { names = readdirSync(dir); } catch { /* gone */ }
    const votes = names.filter((n) => n.startsWith("vote-") && n.endsWith(".json"))
      .map((n) => readJson<Vote>(path.join(dir, n)))
      .filter((v): v is Vote => v !== undefined)
      .sort((a, b) => a.at.localeCompare(b.at));
    const outcome = readJson<Outcome>(path.join(dir, "outcome.json"));
    const { status, waitingFor } = statusOf(request, votes, outcome, this.now());
    return { request, votes, status, waitingFor, ...(outcome ? { outcome } : {}) };
  }

  async get(id: string): Promise<ApprovalView | undefined> {
    if (!ID_RE.test(id)) return undefined;
    return this.view(id);
  }

  async list(opts: { all?: boolean } = {}): Promise<ApprovalView[]> {
    if (!existsSync(this.dir)) return [];
    const out: ApprovalView[] = [];
    for (const n of readdirSync(this.dir)) {
      if (!ID_RE.test(n)) continue;
      const v = this.view(n);
      if (v && (opts.all || v.status === "pending")) out.push(v);
    }
    return out.sort((a, b) => a.request.created.localeCompare(b.request.created));
  }

  /** The storage primitives the shared voting rules work on. */
  private readonly storage: VoteStorage = {
    get: (id) => this.get(id),
    recordVote: async (id, vote) => createExclusive(path.join(this.folder(id), `vote-${vote.role.replace(/[^a-z0-9_-]/gi, "_")}.json`), JSON.stringify(vote) + "\n"),
    settle: async (id, status, by) => this.settle(id, status, by),
    now: () => this.now(),
  };

  /** Writes the outcome if none exists; returns the view with the outcome that won. */
  private settle(id: string, status: Outcome["status"], by?: string): ApprovalView | undefined {
    const o: Outcome = { status, at: new Date(this.now()).toISOString(), ...(by ? { by } : {}) };
    createExclusive(path.join(this.folder(id), "outcome.json"), JSON.stringify(o) + "\n");
    return this.view(id);
  }

  async vote(id: string, v: VoteInput): Promise<VoteResult> {
    return castVote(this.storage, id, v);
  }

  async expire(id: string): Promise<ApprovalView | undefined> {
    return expireApproval(this.storage, id);
  }

}
