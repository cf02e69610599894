/**
 * The tool inventory as the console shows it: `policy inventory`'s own functions (inventory/:
 * `readTexts` → `buildInventory`) over the decision logs and recordings the console was given, with
 * the bundle the proxy serves (the revision of the newest decision among the bundles given; else the
 * last bundle given). Each file is read up to its last complete line (a line the proxy is still
 * writing is read next time); a bad line is reported and left out, never thrown. The result is kept
 * until a file changes (name, size, modification time), the bundle changes or another baseline
 * (`recent`) is asked for.
 */
import { readFileSync, statSync } from "node:fs";
import { buildInventory, readTexts, type Inventory } from "../../inventory/index.js";
import type { Bundle } from "../../runtime/types.js";
import { str, type LogLine } from "./decision-log.js";
import type { Recordings } from "./recordings.js";

export interface InventoryResult {
  readonly inventory?: Inventory;
  /** The revision of the bundle that said what each tool is. */
  readonly revision?: string;
  /** Lines left out and files not read, with their place. */
  readonly problems: readonly string[];
}

const MAX_PROBLEMS = 20;
const MAX_FILE = 256 << 20;

/** The bundle of the newest decision whose revision was given, else the last bundle given. */
export function bundleOf(bundles: ReadonlyMap<string, Bundle>, lines: readonly LogLine[]): { revision: string; bundle: Bundle } | undefined {
  let best: { ts: string; revision: string } | undefined;
  for (const l of lines) {
    const rev = str(l.rec, "revision"), ts = str(l.rec, "ts");
    if (l.rec.type === "decision" && bundles.has(rev) && (!best || ts >= best.ts)) best = { ts, revision: rev };
  }
  const revision = best?.revision ?? [...bundles.keys()].pop();
  return revision === undefined ? undefined : { revision, bundle: bundles.get(revision)! };
}

/** A file's text up to its last line feed; undefined when it does not exist (yet). */
function completeText(file: string, problems: string[]): string | undefined {
  try {
    if (statSync(file).size > MAX_FILE) { problems.push(`${file}: larger than 256 MiB, not read`); return undefined; }
    const text = readFileSync(file, "utf8");
    return text.slice(0, text.lastIndexOf("\n") + 1);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") problems.push(`${file}: cannot be read (${code ?? (e as Error).message})`);
    return undefined;
  }
}

export class InventoryData {
  private cached: { key: string; result: InventoryResult } | undefined;

  constructor(private readonly logs: readonly string[], private readonly recordings: Recordings) {}

  /** The decision logs and every recording of the folders given. */
  files(): string[] {
    return [...this.logs, ...this.recordings.paths()];
  }

  /** What the files are now: the inventory is built again when this changes. */
  signature(): string {
    return this.files().map((f) => {
      try { const s = statSync(f); return `${f}\u0000${s.size}\u0000${s.mtimeMs}`; } catch { return `${f}\u0000-`; }
    }).join("\u0001");
  }

  /** The inventory now; `lines` are the decision-log lines (for the bundle's revision). */
  get(bundles: ReadonlyMap<string, Bundle>, lines: readonly LogLine[], recentMs: number | undefined): InventoryResult {
    const chosen = bundleOf(bundles, lines);
    if (!chosen) return { problems: [] };
    const key = `${this.signature()}\u0002${chosen.revision}\u0002${recentMs ?? ""}`;
    if (this.cached?.key !== key) this.cached = { key, result: this.build(chosen, recentMs) };
    return this.cached.result;
  }

  private build(chosen: { revision: string; bundle: Bundle }, recentMs: number | undefined): InventoryResult {
    const problems: string[] = [];
    let skipped = 0;
    const texts = this.files().flatMap((file) => {
      const text = completeText(file, problems);
      return text === undefined ? [] : [{ file, text }];
    });
    const observed = readTexts(texts, (e) => { if (skipped++ < MAX_PROBLEMS) problems.push(`${e.message} (left out)`); });
    if (skipped > MAX_PROBLEMS) problems.push(`and ${skipped - MAX_PROBLEMS} more lines left out`);
    try {
      return { inventory: buildInventory(observed, chosen.bundle, recentMs !== undefined ? { recentMs } : {}), revision: chosen.revision, problems };
    } catch (e) {
      return { revision: chosen.revision, problems: [...problems, `the inventory could not be built: ${(e as Error).message}`] };
    }
  }
}
