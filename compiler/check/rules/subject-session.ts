/**
 * Session conditions: `session has <label>`, `session has called <tool>`, `principal is external`,
 * `resource is new`, `spend today > N USD`, and the counting ones (`rate`, `count`, `sum`, `burst`:
 * subject-counting.ts),
 * `time within "<spec>" [tz "<zone>"]`.
 */
import type * as A from "../../../grammar/ast.js";
import type { CExpr } from "../../model.js";
import { isValidTimeZone, parseTimeSpec } from "../../../runtime/time.js";
import { didYouMean, wordOf, type PolicyScope } from "../context.js";
import { resolveToolRef } from "./subject-tool.js";
import { checkCounting, COUNTING_SUBJECTS } from "./subject-counting.js";
import type { ArgRef } from "./subject-args.js";

export { SESSION_SUBJECTS } from "../../../runtime/language-facts.js";

const CMP = new Set([">", "<", ">=", "<="]);

/**
 * PDL4006: a count or an amount is never negative, so `> -1`, `>= 0` always hold and `< 0`,
 * `<= -1` never do: the condition is a typo or a no-op, worth a warning either way.
 */
function degenerate(s: PolicyScope, c: A.Condition, what: string, n: number): void {
  const always = (c.op === ">" && n < 0) || (c.op === ">=" && n <= 0);
  const never = (c.op === "<" && n <= 0) || (c.op === "<=" && n < 0);
  if (!always && !never) return;
  s.ctx.warn("PDL4006", c.value?.span ?? c.span, `${what} is never negative: \`${c.op} ${n}\` ${always ? "always holds" : "never holds"}`,
    always ? "remove the condition, or compare with a positive number" : "compare with a positive number, or remove the policy");
}

export function checkSession(c: A.Condition, s: PolicyScope, sub: (e: A.Expr) => CExpr | undefined, refs: ArgRef[] = []): CExpr | undefined {
  const { ctx } = s;
  if (c.subject.name === "burst" || COUNTING_SUBJECTS.includes(c.subject.name)) return checkCounting(c, s, sub, refs);
  const bad = (msg: string, hint: string, span = c.span) => { ctx.error("PDL2050", span, msg, hint); return undefined; };
  switch (c.subject.name) {
    case "session": {
      if (c.op === "has_called") {
        if (!c.value) return undefined;
        const key = resolveToolRef(ctx, c.value, undefined);
        return key ? { k: "session_called", key } : undefined;
      }
      if (c.op === "has_seen") return seenClass(c, s);
      if (c.op === "has_mark") {
        if (c.value?.kind !== "String" || c.value.value === "") return bad("`session has mark` needs the mark's name, quoted", "e.g. `session has mark \"reviewed\"`", c.value?.span ?? c.span);
        return { k: "session_mark", mark: c.value.value };
      }
      if (c.op !== "has") return bad("`session` is used with `has <label>`, `has called <tool>`, `has seen <CLASS>` or `has mark \"<name>\"`", "e.g. `session has untrusted_content` or `session has seen SECRETS`", c.opSpan);
      const label = c.value && wordOf(c.value);
      if (!label) return bad("`session has` needs a label", "e.g. `session has untrusted_content`");
      const known = new Set(ctx.catalog.allTools().flatMap((t) => t.labels));
      if (!known.has(label)) {
        const dm = didYouMean(label, known, c.value!.span);
        ctx.error("PDL2004", c.value!.span, `no catalog tool has the label "${label}"`, dm.hint, { fixes: dm.fixes });
        return undefined;
      }
      return { k: "session_label", label };
    }
    case "principal": {
      const w = c.value && wordOf(c.value);
      if ((c.op !== "is" && c.op !== "is_not") || (w !== "external" && w !== "internal")) return bad("write `principal is external` (or `principal is internal`)", "a principal is a recipient, share target or channel");
      if (!ctx.hasOrganization) ctx.warn("PDL2052", c.span, "`principal is external` without an `organization` declaration treats every e-mail address as external", "declare `organization { domains [\"your-domain.com\"] }`");
      const external = (w === "external") === (c.op === "is");
      return external ? { k: "principal_external" } : { k: "not", x: { k: "principal_external" } };
    }
    case "resource": {
      const w = c.value && wordOf(c.value);
      if ((c.op !== "is" && c.op !== "is_not") || w !== "new") return bad("write `resource is new`", "true the first time this agent touches the value of the tool's resource argument");
      return c.op === "is" ? { k: "resource_new" } : { k: "not", x: { k: "resource_new" } };
    }
    case "spend": {
      if (c.subject.qualifier?.value !== "today") return bad("write `spend today > 50 USD`", "spend is summed over the agent's tool-call responses of the current day (UTC)", c.subject.span);
      if (!CMP.has(c.op) || c.value?.kind !== "Number") return bad("compare `spend today` with an amount", "e.g. `spend today > 50 USD`");
      const cur = c.unit?.value ?? "USD";
      if (!/^[A-Z]{3}$/.test(cur)) return bad(`"${cur}" is not a currency code`, "use an ISO 4217 code such as USD or EUR", c.unit?.span ?? c.span);
      degenerate(s, c, "spend", c.value.value);
      return { k: "spend", cmp: c.op as ">", amount: c.value.value, currency: cur };
    }
    case "time": {
      if (c.op !== "within" || c.value?.kind !== "String") return bad("write `time within \"Mon-Fri 09:00-18:00\" tz \"Europe/Berlin\"`", "the tz defaults to UTC");
      const spec = parseTimeSpec(c.value.value);
      if (typeof spec === "string") return bad(spec, "e.g. \"Mon-Fri 09:00-18:00\" or \"Sat,Sun 10:00-14:00; Mon-Fri 08:00-20:00\"", c.value.span);
      const tz = c.tz?.value ?? "UTC";
      if (!isValidTimeZone(tz)) {
        ctx.error("PDL2051", c.tz?.span ?? c.span, `unknown time zone "${tz}"`, "use an IANA name such as Europe/Berlin or America/New_York");
        return undefined;
      }
      return { k: "time", spec: c.value.value, tz };
    }
    default:
      return undefined;
  }
}

/** `session has seen <CLASS>`: a data class (built-in or declared by a detector) a tool response carried. */
function seenClass(c: A.Condition, s: PolicyScope): CExpr | undefined {
  const cls = c.value && wordOf(c.value);
  if (!cls) { s.ctx.error("PDL2050", c.span, "`session has seen` needs a data class", "e.g. `session has seen SECRETS`"); return undefined; }
  if (!s.ctx.dataClasses.has(cls)) {
    const dm = didYouMean(cls, s.ctx.dataClasses, c.value!.span);
    s.ctx.error("PDL2004", c.value!.span, `unknown data class "${cls}"`, dm.hint ?? "declare it with `detector Name /regex/ class " + cls + "`", { fixes: dm.fixes });
    return undefined;
  }
  return { k: "session_seen", cls };
}
