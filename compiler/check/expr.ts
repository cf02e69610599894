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
import { checkSession, SESSION_SUBJECTS } from "./rules/subject-session.js";
import { checkArgUser, checkUser, isUserRef, isUserSubject } from "./rules/subject-user.js";

export const SUBJECTS = [
  "integration", "tool", "operation", "method", "category", "verb", "agent", "agent.review_status", "tool.review_status",
  "call_type", "args", "body", "data_class", ...SESSION_SUBJECTS, "user",
];

/** Subjects that mean nothing for `agent_discovered` events. */
const TOOL_ONLY = new Set(["integration", "tool", "tool.review_status", "operation", "method", "category", "verb", "call_type", "body", "data_class", "principal", "resource", "rate", "burst", "spend"]);

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
  if (c.subject.qualifier && name !== "spend") { s.ctx.error("PDL1010", c.subject.qualifier.span, `unexpected '${c.subject.qualifier.value}' after \`${name}\``, "a condition looks like `subject is value`, e.g. `tool is delete_issue`"); return undefined; }
  if (c.op === "none" && name !== "burst") {
    s.ctx.error("PDL1010", c.span, `\`${name}\` needs an operator`, "e.g. `is`, `in [...]`, `matches \"…\"`, `contains any [...]`, `> 10`");
    return undefined;
  }
  if (head === "integration") return checkIntegration(c, s);
  if (head === "tool") return checkTool(c, s);
  if (isEnumSubject(head)) return checkEnumSubject(c, s);
  if (head === "args") return isUserRef(c.value) ? checkArgUser(c, s, refs) : checkArgs(c, s, refs);
  if (head === "user") return checkUser(c, s, refs);
  if (head === "body") return checkBody(c, s);
  if (head === "data_class") return checkDataClass(c, s);
  if (SESSION_SUBJECTS.includes(head)) return checkSession(c, s, (f) => checkExpr(f, s, refs));
  const dm = didYouMean(name, SUBJECTS.map((x) => (x === "args" ? "args.<path>" : x)), c.subject.span);
  s.ctx.error("PDL2005", c.subject.span, `unknown condition subject \`${name}\``, dm.hint, { fixes: dm.fixes.filter((f) => !f.text.includes("<")) });
  return undefined;
}
