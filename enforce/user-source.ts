/**
 * Where the proxy's `user` comes from over stdio: `policy enforce --user <id>` looks the record up
 * in the project config (`policy.config.json` `"users"`, found from the working folder upwards, or
 * `--config <file>`), `--user-file user.json` reads one record (schemas/user.schema.json). Every
 * event of the session then carries it. Over HTTP the user of a session comes from its verified
 * token instead. Bad input is an Error whose message names the file and what to do.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { UserInfo } from "../runtime/types.js";
import { userProblem } from "../runtime/user.js";
import { readJson } from "../compiler/json/validate.js";
import { findConfig, type ProjectConfig } from "../compiler/project-config.js";
import { suggest } from "../compiler/check/context.js";

export interface UserSourceOptions {
  /** `--user <id>`: a user of the project config. */
  readonly user?: string;
  /** `--user-file <file>`: a user record as JSON. */
  readonly userFile?: string;
  /** `--config <file>`: the project config to read users from (default: found from `cwd` upwards). */
  readonly config?: string;
  readonly cwd?: string;
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function validated<T>(text: string, file: string, schema: string): T {
  const r = readJson<T>(text, file, schema, "PDL3003");
  const d = r.diagnostics[0];
  if (d || r.value === undefined) throw new Error(d ? `${file}:${d.span.line}:${d.span.column}: ${d.message}` : `${file}: not a JSON document`);
  return r.value;
}

/** The record `--user-file` names. */
function fromFile(file: string): UserInfo {
  const rec = validated<UserInfo & { $schema?: string }>(readText(file, "user file"), file, "user.schema.json");
  const { $schema: _, ...user } = rec;
  return user;
}

/** The record of `id` in the project config. */
function fromConfig(id: string, configFile: string | undefined): UserInfo {
  if (!configFile) throw new Error(`--user ${id}: no ${"policy.config.json"} in this folder or above it (give --config <file>, or --user-file <file>)`);
  const config = validated<ProjectConfig>(readText(configFile, "project config"), configFile, "project-config.schema.json");
  const users = config.users ?? {};
  if (!Object.prototype.hasOwnProperty.call(users, id)) {
    const near = suggest(id, Object.keys(users));
    throw new Error(`--user ${id}: ${configFile} has no user "${id}"${near ? ` (did you mean "${near}"?)` : Object.keys(users).length ? "" : ` (it has no "users")`}`);
  }
  const user = { id, ...users[id] };
  const wrong = claimTypeProblem(user, config.user_claims);
  if (wrong) throw new Error(`--user ${id}: ${configFile}: ${wrong}`);
  return user;
}

/** A claim of the record whose value does not have the type `user_claims` declares, if any. */
export function claimTypeProblem(user: UserInfo, declared: ProjectConfig["user_claims"]): string | undefined {
  for (const [name, type] of Object.entries(declared ?? {})) {
    const claims = user.claims ?? {};
    if (!Object.prototype.hasOwnProperty.call(claims, name)) continue;
    const v = claims[name];
    const list = type.endsWith("[]");
    const base = list ? type.slice(0, -2) : type;
    const fits = list ? Array.isArray(v) && v.every((x) => typeof x === base) : typeof v === base;
    if (!fits) return `claim "${name}" is declared ${type} in "user_claims", but the user has ${JSON.stringify(v)}`;
  }
  return undefined;
}

/** The file the user record comes from: `--user-file`, or the config `--user` reads (given, or found upwards). */
export function userSourceFile(o: UserSourceOptions): string | undefined {
  const cwd = o.cwd ?? process.cwd();
  if (o.userFile !== undefined) return resolve(cwd, o.userFile);
  if (o.user !== undefined) return o.config !== undefined ? resolve(cwd, o.config) : findConfig(cwd);
  return undefined;
}

/** The session's user, or undefined when neither `--user` nor `--user-file` is given. */
export function resolveUser(o: UserSourceOptions): UserInfo | undefined {
  if (o.user !== undefined && o.userFile !== undefined) throw new Error("give --user or --user-file, not both");
  const file = userSourceFile(o);
  let user: UserInfo | undefined;
  if (o.userFile !== undefined) user = fromFile(file!);
  else if (o.user !== undefined) user = fromConfig(o.user, file);
  if (!user) return undefined;
  const problem = userProblem(user);
  if (problem) throw new Error(`the user record is not valid: ${problem}`);
  return user;
}
