/**
 * `command starts with "npm run test:"` (or a list of prefixes): a word-boundary prefix of a CLI
 * command's argv as policies see it (wrappers and global options stepped over; each simple command
 * of a shell line on its own). The prefix is split into words on whitespace; every word but the
 * last must equal the command's word; the last must equal it too, or, when it ends in a character
 * that is not a letter, digit or `_` (`test:`, `--force=`), be the start of it. So
 * `"npm run test:"` holds for `npm run test:unit` and `"npm run test"` does not hold for
 * `npm run testx`. The first word names a program: compared as the runtime does (basename,
 * lower-case). Never holds for an MCP call (it has no command line).
 */
import type * as A from "../../../grammar/ast.js";
import type { CExpr } from "../../model.js";
import { itemsOf, type PolicyScope } from "../context.js";
import { programName } from "../../../runtime/argv.js";

export function checkCommand(c: A.Condition, s: PolicyScope): CExpr | undefined {
  const { ctx } = s;
  if (c.op !== "starts_with") {
    ctx.error("PDL2006", c.opSpan, "`command` is used with `starts with \"…\"`", "e.g. `command starts with \"npm run test:\"`");
    return undefined;
  }
  const prefixes: string[][] = [];
  for (const v of itemsOf(c.value)) {
    if (v.kind !== "String") { ctx.error("PDL2007", v.span, "a command prefix is a quoted string", "e.g. `command starts with \"git push\"`"); return undefined; }
    const words = v.value.trim().split(/\s+/).filter(Boolean);
    if (!words.length) { ctx.error("PDL2007", v.span, "the command prefix is empty", "give at least the program, e.g. `\"git\"`"); return undefined; }
    prefixes.push([programName(words[0]!), ...words.slice(1)]);
  }
  if (!prefixes.length) { ctx.error("PDL2007", c.value?.span ?? c.span, "give at least one command prefix", undefined); return undefined; }
  return { k: "command_prefix", prefixes };
}
