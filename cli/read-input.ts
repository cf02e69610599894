/**
 * Reading a command's input file (or `-`, stdin) as text or JSON, with the CLI's error for each
 * failure. Apart from project-io.ts so that commands that read no project (`policy enforce`) do
 * not load the compiler with it.
 */
import { readFileSync } from "node:fs";
import { CliError } from "./output.js";
import { io } from "./io.js";

export function readTextInput(path: string, what?: string): string {
  try {
    return path === "-" ? io().readStdin() : readFileSync(path, "utf8");
  } catch (e) {
    throw new CliError(`cannot read ${what ? `${what} ` : ""}"${path}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function readJsonFile(path: string, what?: string): unknown {
  const text = readTextInput(path, what);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`${what ? `${what} ` : ""}"${path}" is not valid JSON: ${(e as Error).message}`);
  }
}
