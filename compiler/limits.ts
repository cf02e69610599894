/**
 * Every resource limit of the toolchain, in one table (docs/limits.md is written from it and a
 * test keeps the two in step). The parser's and the runtime's limits live beside the code that
 * enforces them (`grammar/limits.ts`, `runtime/limits.ts`, `runtime/detectors.ts`: the runtime
 * imports nothing from outside `runtime/`) and are re-exported here; the project-level limits are
 * defined and enforced here, called from `checkProject`.
 */
import type * as A from "../grammar/ast.js";
import type { CheckedPolicy } from "./model.js";
import type { CheckContext } from "./check/context.js";
import { MAX_NESTING_DEPTH, MAX_SOURCE_CHARS } from "../grammar/limits.js";
import { MAX_ARGS_CHARS, MAX_ARGS_DEPTH, MAX_ARGS_VALUES, MAX_COMMAND_WORDS, MAX_STRING_LENGTH } from "../runtime/limits.js";
import { MAX_SCAN } from "../runtime/detectors.js";
import { MAX_EXPR_DEPTH } from "../runtime/bundle-check.js";
import { MAX_USER_STRING, MAX_USER_VALUES } from "../runtime/user.js";
import { MAX_COMMAND_NESTING, MAX_SIMPLE_COMMANDS } from "../runtime/argv.js";
import { MAX_SHELL_DEPTH } from "./shell/limits.js";

export { MAX_NESTING_DEPTH, MAX_SOURCE_CHARS, MAX_ARGS_CHARS, MAX_ARGS_DEPTH, MAX_ARGS_VALUES, MAX_COMMAND_WORDS, MAX_STRING_LENGTH, MAX_SCAN, MAX_EXPR_DEPTH, MAX_USER_STRING, MAX_USER_VALUES, MAX_SIMPLE_COMMANDS, MAX_COMMAND_NESTING, MAX_SHELL_DEPTH };

/** Most policies one project (one bundle) may hold. */
export const MAX_POLICIES = 10_000;
/** Most custom detectors one project may declare (each is analysed for catastrophic backtracking, up to 2 s). */
export const MAX_DETECTORS = 64;
/** Longest custom detector regex (characters between the slashes). */
export const MAX_DETECTOR_SOURCE = 1_000;

export interface LimitInfo {
  readonly name: string;
  readonly value: number;
  readonly what: string;
  /** Where it is enforced and what happens beyond it. */
  readonly beyond: string;
}

/** The table docs/limits.md documents. */
export const LIMITS: readonly LimitInfo[] = [
  { name: "MAX_SOURCE_CHARS", value: MAX_SOURCE_CHARS, what: "characters in one .policy file", beyond: "parser: PDL1004 error, the file is not parsed" },
  { name: "MAX_NESTING_DEPTH", value: MAX_NESTING_DEPTH, what: "nesting of ( [ { plus chained `not`s", beyond: "parser: PDL1005 error at the first token too deep; the rest of the file is not parsed" },
  { name: "MAX_POLICIES", value: MAX_POLICIES, what: "policies in one project / bundle", beyond: "checker: PDL5002 error on the first policy over the limit" },
  { name: "MAX_DETECTORS", value: MAX_DETECTORS, what: "custom `detector` declarations in one project", beyond: "checker: PDL2045 error; the extra detectors are ignored" },
  { name: "MAX_DETECTOR_SOURCE", value: MAX_DETECTOR_SOURCE, what: "characters of one detector regex", beyond: "checker: PDL2045 error; the detector is ignored" },
  { name: "MAX_EXPR_DEPTH", value: MAX_EXPR_DEPTH, what: "condition nesting inside a bundle", beyond: "runtime: the bundle is rejected (every decision blocks)" },
  { name: "MAX_ARGS_DEPTH", value: MAX_ARGS_DEPTH, what: "nesting of objects/arrays in call.args (args itself is level 1)", beyond: "runtime: invalid event → block" },
  { name: "MAX_ARGS_VALUES", value: MAX_ARGS_VALUES, what: "values (objects, arrays, strings, numbers…) in call.args", beyond: "runtime: invalid event → block" },
  { name: "MAX_STRING_LENGTH", value: MAX_STRING_LENGTH, what: "characters in one string of call.args, or in a whole command line", beyond: "runtime: invalid event → block" },
  { name: "MAX_ARGS_CHARS", value: MAX_ARGS_CHARS, what: "characters in all strings and keys of call.args", beyond: "runtime: invalid event → block" },
  { name: "MAX_COMMAND_WORDS", value: MAX_COMMAND_WORDS, what: "words in a CLI command line", beyond: "runtime: invalid event → block" },
  { name: "MAX_USER_VALUES", value: MAX_USER_VALUES, what: "roles + groups + claims (array claims by element) of an event's user", beyond: "runtime: invalid event → block" },
  { name: "MAX_USER_STRING", value: MAX_USER_STRING, what: "characters in one string of an event's user (id, role, claim name or value)", beyond: "runtime: invalid event → block" },
  { name: "MAX_SIMPLE_COMMANDS", value: MAX_SIMPLE_COMMANDS, what: "simple commands in one call's command line(s)", beyond: "runtime: the call is one Unknown command (the default for Unknown applies)" },
  { name: "MAX_COMMAND_NESTING", value: MAX_COMMAND_NESTING, what: "nested `sh -c` lines, or wrappers around one command", beyond: "runtime: that command is Unknown" },
  { name: "MAX_SHELL_DEPTH", value: MAX_SHELL_DEPTH, what: "nesting of one shell line's syntax tree (`$($(…))`)", beyond: "shell parser: the line is Unknown" },
  { name: "MAX_SCAN", value: MAX_SCAN, what: "characters one detector scan reads (= MAX_STRING_LENGTH, so nothing a valid event carries is cut)", beyond: "detectors: `mask` replaces the unread tail with [REDACTED:UNSCANNED]" },
];

/** Drops (and reports) detectors beyond MAX_DETECTORS or MAX_DETECTOR_SOURCE, before they are analysed. */
export function limitDetectors(ctx: CheckContext, decls: readonly A.DetectorDecl[]): A.DetectorDecl[] {
  const out: A.DetectorDecl[] = [];
  for (const d of decls) {
    if (d.pattern.source.length > MAX_DETECTOR_SOURCE) {
      ctx.error("PDL2045", d.pattern.span, `this regex has ${d.pattern.source.length} characters; the limit is ${MAX_DETECTOR_SOURCE}`, "shorten it, or split it into several detectors");
    } else if (out.length >= MAX_DETECTORS) {
      ctx.error("PDL2045", d.name.span, `a project may declare at most ${MAX_DETECTORS} detectors`, "merge detectors of the same class into one regex");
    } else out.push(d);
  }
  return out;
}

/** Reports a project over MAX_POLICIES (on the first policy beyond it). */
export function checkPolicyCount(ctx: CheckContext, policies: readonly CheckedPolicy[]): void {
  const over = policies[MAX_POLICIES];
  if (over) ctx.error("PDL5002", over.span, `a bundle may hold at most ${MAX_POLICIES} policies (this project has ${policies.length})`, "split the project into several bundles");
}
