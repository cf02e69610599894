/**
 * Subjects compared with a fixed or catalog-derived set of values: `operation`, `method`,
 * `category`, `verb`, `agent`, `agent.review_status`, `tool.review_status`, `call_type`.
 */
import type * as A from "../../../grammar/ast.js";
import type { CExpr } from "../../model.js";
import { didYouMean, itemsOf, wordOf, type PolicyScope } from "../context.js";
import { CALL_TYPES, OPERATIONS, operatorsOf, REVIEW_STATUSES } from "../../../runtime/language-facts.js";
import type { Operation } from "../../../runtime/types.js";

interface EnumSpec {
  /** Allowed values (canonical spelling); undefined = any string. */
  readonly values: (s: PolicyScope) => readonly string[] | undefined;
  /** How a value is stored (case). */
  readonly norm: (v: string) => string;
  readonly build: (values: string[]) => CExpr;
  readonly example: string;
  /** Agent names are strings: bare words are refused. */
  readonly quoted?: boolean;
}

const SPECS: Record<string, EnumSpec> = {
  operation: { values: () => [...OPERATIONS], norm: (v) => v, build: (v) => ({ k: "operation", ops: v as Operation[] }), example: "operation in [Write, Delete]" },
  method: { values: (s) => uniq(s.ctx.catalog.allTools().map((t) => t.method?.toUpperCase())), norm: (v) => v.toUpperCase(), build: (v) => ({ k: "method", values: v }), example: "method is POST" },
  category: { values: (s) => uniq(s.ctx.catalog.allTools().map((t) => t.category?.toLowerCase())), norm: (v) => v.toLowerCase(), build: (v) => ({ k: "category", values: v }), example: "category is issues" },
  verb: { values: (s) => uniq(s.ctx.catalog.allTools().flatMap((t) => t.verbs.map((x) => x.toLowerCase()))), norm: (v) => v.toLowerCase(), build: (v) => ({ k: "verb", values: v }), example: "verb in [delete, remove]" },
  agent: { values: () => undefined, norm: (v) => v, build: (v) => ({ k: "agent", names: v }), example: "agent is \"Cursor\"", quoted: true },
  "agent.review_status": { values: () => REVIEW_STATUSES, norm: (v) => v, build: (v) => ({ k: "review", values: v }), example: "agent.review_status is Disallowed" },
  "tool.review_status": { values: () => REVIEW_STATUSES, norm: (v) => v, build: (v) => ({ k: "tool_review", values: v }), example: "tool.review_status is Unreviewed" },
  call_type: { values: () => CALL_TYPES, norm: (v) => v.toLowerCase(), build: (v) => ({ k: "call_type", values: v }), example: "call_type is cli" },
};

function uniq(xs: (string | undefined)[]): string[] {
  return [...new Set(xs.filter((x): x is string => !!x))].sort();
}

export function isEnumSubject(name: string): boolean {
  return name in SPECS;
}

export function checkEnumSubject(c: A.Condition, s: PolicyScope): CExpr | undefined {
  const spec = SPECS[c.subject.name]!;
  const { ctx } = s;
  if (!operatorsOf(c.subject.name).includes(c.op.replace("_", " "))) {
    ctx.error("PDL2006", c.opSpan, `\`${c.subject.name}\` cannot be used with \`${c.op.replace("_", " ")}\``, `use is, is not, in or not in (e.g. \`${spec.example}\`)`);
    return undefined;
  }
  if ((c.op === "in" || c.op === "not_in") && c.value?.kind !== "List") {
    ctx.error("PDL2007", c.value?.span ?? c.span, "`in` needs a list", `e.g. \`${spec.example}\``);
    return undefined;
  }
  if ((c.op === "is" || c.op === "is_not") && c.value?.kind === "List") {
    ctx.error("PDL2007", c.value.span, "`is` compares with one value", "use `in [...]` for a list");
    return undefined;
  }
  const allowed = spec.values(s);
  const out: string[] = [];
  let ok = true;
  for (const v of itemsOf(c.value)) {
    const w = wordOf(v);
    if (w === undefined || (spec.quoted && v.kind !== "String")) {
      ctx.error("PDL2007", v.span, spec.quoted ? `agent names are strings: write "${w ?? "…"}"` : `expected a value like \`${spec.example}\``,
        spec.quoted ? `e.g. \`${spec.example}\`` : undefined, spec.quoted && w ? { fixes: [{ title: `Quote '${w}'`, span: v.span, text: JSON.stringify(w) }] } : undefined);
      ok = false;
      continue;
    }
    if (allowed) {
      const hit = allowed.find((a) => a.toLowerCase() === w.toLowerCase());
      if (!hit) {
        const dm = didYouMean(w, allowed, v.span);
        ctx.error("PDL2004", v.span, `"${w}" is not a valid ${c.subject.name}`, dm.hint, { fixes: dm.fixes });
        ok = false;
        continue;
      }
      out.push(spec.norm(hit));
    } else out.push(spec.norm(w));
  }
  if (!ok) return undefined;
  const leaf = spec.build([...new Set(out)]);
  return c.op === "is_not" || c.op === "not_in" ? { k: "not", x: leaf } : leaf;
}
