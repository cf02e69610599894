/**
 * Resolves an `if` expression into a checked condition, dispatching each condition to the rule
 * for its subject. Unknown subjects get a "did you mean".
 */
import * as A from "../../grammar/ast.js";
import type { CExpr } from "../model.js";
import { didYouMean, type PolicyScope } from "./context.js";
import { checkIntegration } from "./rules/subject-integration.js";
import { checkTool } from "./rules/subject-tool.js";
import { checkEnumSubject, isEnumSubject } from "./rules/subject-enums.js";
import { checkArgs, type ArgRef } from "./rules/subject-args.js";
import { checkBody, checkDataClass } from "./rules/subject-content.js";
import { checkSession } from "./rules/subject-session.js";
import { checkArgUser, checkUser, isUserRef, isUserSubject } from "./rules/subject-user.js";
import { checkCommand } from "./rules/subject-command.js";
import { SESSION_SUBJECTS, SUBJECTS } from "../../runtime/language-facts.js";

export { SUBJECTS };

/** Subjects that mean nothing for `agent_discovered` events. */
const TOOL_ONLY = new Set(["integration", "tool", "tool.review_status", "operation", "method", "category", "verb", "call_type", "body", "data_class", "command", "principal", "resource", "rate", "burst", "spend"]);

export function checkExpr(e: A.Expr, s: PolicyScope, refs: ArgRef[]): CExpr | undefined {
  switch (e.kind) {
    case "And": case "Or": {
      const items = e.items.map((x) => checkExpr(x, s, refs));
      if (items.some((x) => !x)) return undefined;
      return { k: e.kind === "And" ? "and" : "or", items: items as CExpr[] };
    }
    case "Not": {
      const x = checkExpr(e.expr, s, refs);
      return x && { k: "not", x };
    }
    case "Condition":
      return checkCondition(e, s, refs);
    default:
      return A.assertNever(e);
  }
}

function checkCondition(c: A.Condition, s: PolicyScope, refs: ArgRef[]): CExpr | undefined {
  const name = c.subject.name;
  const head = name.startsWith("args.") || name === "args" ? "args" : isUserSubject(name) ? "user" : name;
  if (s.trigger === "agent_discovered" && (TOOL_ONLY.has(head) || head === "args")) {
    s.ctx.warn("PDL2035", c.subject.span, `\`${name}\` never holds for agent_discovered events (they carry only the agent)`, "use agent and agent.review_status, or `when tool_call`");
  }
  if (c.subject.params && name !== "rate") { s.ctx.error("PDL2005", c.subject.params.span, `\`${name}\` takes no parameters`, undefined); return undefined; }
  if (c.subject.qualifier && name !== "spend" && head !== "args") { s.ctx.error("PDL1010", c.subject.qualifier.span, `unexpected '${c.subject.qualifier.value}' after \`${name}\``, "a condition looks like `subject is value`, e.g. `tool is delete_issue`"); return undefined; }
  if (c.op === "none" && name !== "burst") {
    s.ctx.error("PDL1010", c.span, `\`${name}\` needs an operator`, operatorHint(name, head));
    return undefined;
  }
  if (head === "integration") return checkIntegration(c, s);
  if (head === "tool") return checkTool(c, s);
  if (isEnumSubject(head)) return checkEnumSubject(c, s);
  if (head === "args") return isUserRef(c.value) ? checkArgUser(c, s, refs) : checkArgs(c, s, refs);
  if (head === "user") return checkUser(c, s, refs);
  if (head === "body") return checkBody(c, s);
  if (head === "data_class") return checkDataClass(c, s);
  if (head === "command") return checkCommand(c, s);
  if (SESSION_SUBJECTS.includes(head)) return checkSession(c, s, (f) => checkExpr(f, s, refs));
  const dm = didYouMean(name, SUBJECTS.map((x) => (x === "args" ? "args.<path>" : x)), c.subject.span);
  s.ctx.error("PDL2005", c.subject.span, `unknown condition subject \`${name}\``, dm.hint, { fixes: dm.fixes.filter((f) => !f.text.includes("<")) });
  return undefined;
}

/** The operators a subject takes, for the hint of a condition without one (never one it refuses). */
function operatorHint(name: string, head: string): string {
  switch (head) {
    case "args": return `e.g. \`${name} is "v"\`, \`${name} in [...]\`, \`${name} matches "…"\`, \`${name} contains "…"\`, \`${name} > 10\` or \`${name} exists\``;
    case "user":
      if (name === "user.claims") return "e.g. `user.claims.clearance >= 2` or `user.claims.team is \"ops\"`";
      if (name === "user.roles" || name === "user.groups") return `e.g. \`${name} has admin\` or \`${name} in [...]\``;
      return `e.g. \`${name} is "…"\`, \`${name} in [...]\` or \`${name} exists\``;
    case "body": return "e.g. `body contains any [\"…\"]` or `body contains all [\"…\"]`";
    case "data_class": return "e.g. `data_class has SECRETS` or `data_class in [PII, SECRETS]`";
    case "tool": return "e.g. `tool is delete_issue`, `tool in [...]`, `tool matches \"delete_*\"` or `tool has external_communication`";
    case "rate": return "e.g. `rate(5m) > 20`";
    case "spend": return "e.g. `spend today > 50 USD`";
    case "time": return "e.g. `time within \"Mon-Fri 09:00-18:00\" tz \"Europe/Berlin\"`";
    case "session": return "e.g. `session has untrusted_content` or `session has called gmail.read_email`";
    case "principal": return "e.g. `principal is external`";
    case "resource": return "e.g. `resource is new`";
    default: return `e.g. \`${name} is …\` or \`${name} in [...]\``;
  }
}
