/**
 * The project config (`policy.config.json`): its shape and where it is found. Apart from the
 * project loader (project.ts) so that a reader of the config alone (`policy enforce --user`) does
 * not load the parser and the checker.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { UserInfo } from "../runtime/types.js";
import type { ClaimType } from "./check/context.js";

export const CONFIG_FILE = "policy.config.json";

export interface ProjectConfig {
  readonly catalogs?: readonly string[];
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  /** Who may approve, per role: OS user names (`{"technician": ["alice"], "manager": ["carol"]}`). */
  readonly approvers?: Readonly<Record<string, readonly string[]>>;
  /** User records by id (`policy enforce --user <id>`); see schemas/user.schema.json. */
  readonly users?: Readonly<Record<string, Omit<UserInfo, "id">>>;
  /** Declared claims and their types: `user.claims.<name>` conditions are checked against them. */
  readonly user_claims?: Readonly<Record<string, ClaimType>>;
}

/** The config file in `start` or the nearest folder above it. */
export function findConfig(start: string): string | undefined {
  let dir = resolve(start);
  try { if (statSync(dir).isFile()) dir = dirname(dir); } catch { dir = dirname(dir); }
  for (;;) {
    const f = join(dir, CONFIG_FILE);
    if (existsSync(f)) return f;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}
