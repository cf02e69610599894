/**
 * Approvals on the file system, shared by the proxy and `policy approvals` (separate processes).
 * Layout: `<state>/approvals/<id>/request.json`, `vote-<role>.json`, `outcome.json` (written by
 * the proxy, sealed), `ballot-<n>.json` (written by an approver) and `receipt-<n>.json` (the
 * proxy's answer to that ballot).
 * INVARIANT: every file is created exclusively (`O_EXCL`) or renamed into place, never rewritten,
 * so no two processes race on one file; `outcome.json` is the single point where a request
 * resolves. The state dir is 0700 and files 0600; with an approvers group (`--approvers-group`)
 * the group may list and read requests and drop ballots (request folders are setgid + sticky),
 * and a ballot's author is the file's owner as the kernel recorded it, not what the ballot says.
 */
import { closeSync, constants, existsSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync, chmodSync, chownSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { ApprovalStore, Ballot, Outcome, Receipt, SealedRequest, StoredApproval, StoredBallot, Vote } from "./types.js";

const ID_RE = /^[a-z0-9][a-z0-9-]{2,63}$/;
const REF_RE = /^[a-z0-9]{8,40}$/;

/** A short id a person can type: `ap-` and 8 characters. */
export function newApprovalId(): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
  const bytes = randomBytes(8);
  let s = "";
  for (const b of bytes) s += alphabet[b % alphabet.length];
  return `ap-${s}`;
}

export interface FileStoreOptions {
  /** The gid of the approvers group: they may read requests and submit ballots (never the key). */
  readonly gid?: number;
  readonly now?: () => number;
}

/** Reads a file without following a symlink; the owner's uid and the JSON, or a problem. */
function readOwned(file: string, maxBytes = 64 << 20): { uid: number; value: unknown } | { problem: string } | undefined {
  let fd: number;
  try { fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK); } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === "ENOENT" ? undefined : { problem: `cannot read ${path.basename(file)}: ${code ?? (e as Error).message}` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.nlink !== 1) return { problem: `${path.basename(file)} is not a plain file` };
    if (st.size > maxBytes) return { problem: `${path.basename(file)} is larger than ${maxBytes} bytes` };
    return { uid: st.uid, value: JSON.parse(readFileSync(fd, "utf8")) as unknown };
  } catch (e) {
    return { problem: `${path.basename(file)} is not JSON: ${(e as Error).message}` };
  } finally {
    closeSync(fd);
  }
}

function readJson<T>(file: string): T | undefined {
  const r = readOwned(file);
  return r && "value" in r ? (r.value as T) : undefined;
}

/** Creates `file` with `text` only if it does not exist; false when someone else was first. */
function createExclusive(file: string, text: string, mode: number): boolean {
  let fd: number;
  try { fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  try { writeSync(fd, text); } finally { closeSync(fd); }
  return true;
}

/**
 * Makes `dir` (and its parents) and gives it `mode`; refuses a symlink or a folder of another
 * user, so a state dir cannot be redirected or pre-created by someone else.
 */
export function privateDir(dir: string, mode: number, gid?: number): void {
  mkdirSync(dir, { recursive: true, mode: mode & 0o777 });
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a folder`);
  if (typeof process.getuid === "function" && st.uid !== process.getuid()) throw new Error(`${dir} belongs to another user (uid ${st.uid}); the proxy keeps its state only in a folder of its own`);
  if (gid !== undefined && st.gid !== gid) chownSync(dir, -1, gid);
  if ((st.mode & 0o7777) !== mode) chmodSync(dir, mode);
}

export class FileApprovalStore implements ApprovalStore {
  readonly dir: string;
  private readonly gid: number | undefined;

  constructor(readonly stateDir: string, o: FileStoreOptions = {}) {
    this.dir = path.join(stateDir, "approvals");
    this.gid = o.gid;
  }

  /** Creates the state dir and `approvals/` with their modes (the proxy calls this at start). */
  init(): void {
    privateDir(this.stateDir, this.gid === undefined ? 0o700 : 0o710, this.gid);
    privateDir(this.dir, this.gid === undefined ? 0o700 : 0o750, this.gid);
  }

  private get fileMode(): number {
    return this.gid === undefined ? 0o600 : 0o640;
  }

  private folder(id: string): string {
    if (!ID_RE.test(id)) throw new Error(`"${id}" is not an approval id`);
    return path.join(this.dir, id);
  }

  async create(r: SealedRequest): Promise<void> {
    const dir = this.folder(r.id);
    // Write the request in a temporary folder and rename it into place, so a reader never sees a
    // folder without its request. Approvers (group) may add ballots: setgid + sticky.
    const tmp = path.join(this.dir, `.tmp-${r.id}-${process.pid}`);
    mkdirSync(tmp, { mode: 0o700 });
    if (this.gid !== undefined) { chownSync(tmp, -1, this.gid); chmodSync(tmp, 0o3770); }
    createExclusive(path.join(tmp, "request.json"), JSON.stringify(r, null, 2) + "\n", this.fileMode);
    renameSync(tmp, dir);
  }

  async get(id: string): Promise<StoredApproval | undefined> {
    if (!ID_RE.test(id)) return undefined;
    const dir = this.folder(id);
    const request = readJson<SealedRequest>(path.join(dir, "request.json"));
    if (!request || typeof request !== "object") return undefined;
    const votes = this.names(dir).filter((n) => n.startsWith("vote-") && n.endsWith(".json"))
      .map((n) => readJson<Vote>(path.join(dir, n)))
      .filter((v): v is Vote => typeof v === "object" && v !== null)
      .sort((a, b) => String(a.at).localeCompare(String(b.at)));
    const outcome = readJson<Outcome>(path.join(dir, "outcome.json"));
    return { request, votes, ...(outcome ? { outcome } : {}) };
  }

  private names(dir: string): string[] {
    try { return readdirSync(dir).sort(); } catch { return []; }
  }

  async list(): Promise<StoredApproval[]> {
    if (!existsSync(this.dir)) return [];
    const out: StoredApproval[] = [];
    for (const n of this.names(this.dir)) {
      if (!ID_RE.test(n)) continue;
      const v = await this.get(n);
      if (v) out.push(v);
    }
    return out.sort((a, b) => String(a.request.created).localeCompare(String(b.request.created)));
  }

  async submit(id: string, b: Ballot): Promise<string> {
    const ref = `${Date.now().toString(36)}${randomBytes(6).toString("hex")}`;
    if (!existsSync(path.join(this.folder(id), "request.json"))) throw new Error(`no approval with id "${id}"`);
    createExclusive(path.join(this.folder(id), `ballot-${ref}.json`), JSON.stringify(b) + "\n", 0o640);
    return ref;
  }

  async receipt(id: string, ref: string): Promise<Receipt | undefined> {
    if (!REF_RE.test(ref)) return undefined;
    return readJson<Receipt>(path.join(this.folder(id), `receipt-${ref}.json`));
  }

  async ballots(id: string): Promise<StoredBallot[]> {
    const dir = this.folder(id);
    const names = this.names(dir);
    const answered = new Set(names.filter((n) => n.startsWith("receipt-")).map((n) => n.slice(8, -5)));
    const out: StoredBallot[] = [];
    for (const n of names) {
      const m = /^ballot-([a-z0-9]{8,40})\.json$/.exec(n);
      if (!m || answered.has(m[1]!)) continue;
      const r = readOwned(path.join(dir, n), 64 << 10);
      if (!r) continue;
      out.push("problem" in r ? { ref: m[1]!, ballot: undefined, problem: r.problem } : { ref: m[1]!, ballot: r.value as Ballot, uid: r.uid });
    }
    return out;
  }

  async answer(id: string, ref: string, r: Receipt): Promise<void> {
    createExclusive(path.join(this.folder(id), `receipt-${ref}.json`), JSON.stringify(r) + "\n", this.fileMode);
  }

  async recordVote(id: string, v: Vote): Promise<boolean> {
    const current = await this.get(id);
    if (current?.votes.some((x) => x.by === v.by)) return false;
    return createExclusive(path.join(this.folder(id), `vote-${v.role.replace(/[^a-z0-9_-]/gi, "_")}.json`), JSON.stringify(v) + "\n", this.fileMode);
  }

  async settle(id: string, o: Outcome): Promise<void> {
    createExclusive(path.join(this.folder(id), "outcome.json"), JSON.stringify(o) + "\n", this.fileMode);
  }
}
