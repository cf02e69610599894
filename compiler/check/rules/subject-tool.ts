/**
 * `tool is X` · `tool in [...]` · `tool matches "glob"` · `tool has <label>`.
 * Bare names resolve inside the integrations the policy constrains; ambiguity lists candidates.
 */
import type * as A from "../../../grammar/ast.js";
import type { CExpr } from "../../model.js";
import { globToRegexSource } from "../../../runtime/glob.js";
import { didYouMean, itemsOf, wordOf, type CheckContext, type PolicyScope } from "../context.js";

/** Resolves one tool reference to a lower-case key, reporting problems. */
export function resolveToolRef(ctx: CheckContext, v: A.Value, within: readonly string[] | undefined): string | undefined {
  const w = wordOf(v);
  if (w === undefined) {
    ctx.error("PDL2007", v.span, "expected a tool name", "e.g. `tool is delete_issue` or `tool is linear.delete_issue`");
    return undefined;
  }
  const dot = w.indexOf(".");
  if (dot > 0) {
    const integ = ctx.catalog.integration(w.slice(0, dot));
    const bare = w.slice(dot + 1);
    if (!integ) {
      const dm = didYouMean(w.slice(0, dot), ctx.catalog.integrations.keys(), v.span);
      ctx.error("PDL2001", v.span, `unknown integration "${w.slice(0, dot)}" in tool "${w}"`, dm.hint);
      return undefined;
    }
    const tool = integ.tools.get(bare.toLowerCase());
    if (!tool) {
      const names = [...integ.tools.values()].map((t) => t.name);
      const dm = didYouMean(bare, names, v.span);
      ctx.error("PDL2002", v.span, `${integ.name} has no tool "${bare}"`, dm.hint, { fixes: dm.fixes.map((f) => ({ ...f, text: `${integ.id}.${f.text}` })) });
      return undefined;
    }
    return tool.key.toLowerCase();
  }
  const found = ctx.catalog.toolsNamed(w, within);
  if (found.length === 1) return found[0]!.key.toLowerCase();
  if (found.length > 1) {
    ctx.error("PDL2003", v.span, `tool "${w}" is ambiguous: ${found.map((t) => t.key).join(", ")}`,
      `write the integration too (e.g. \`${found[0]!.key}\`) or constrain it with \`if integration is …\``,
      { fixes: found.map((t) => ({ title: `Use '${t.key}'`, span: v.span, text: t.key })) });
    return undefined;
  }
  const asIntegration = ctx.catalog.integration(w);
  if (asIntegration) {
    const some = [...asIntegration.tools.values()].slice(0, 3).map((t) => `\`${asIntegration.id}.${t.name}\``);
    ctx.error("PDL2002", v.span, `"${w}" is an integration, not a tool`,
      `write \`if integration is ${asIntegration.name}\`, or name one of its tools (${some.join(", ")}, …)`);
    return undefined;
  }
  const pool = within ? ctx.catalog.allTools().filter((t) => within.includes(t.integration)) : ctx.catalog.allTools();
  // A half-typed name (`delete_repo`) is completed before it is compared by distance.
  const started = [...new Set(pool.map((t) => t.name).filter((n) => n.toLowerCase().startsWith(w.toLowerCase())))];
  const dm = started.length >= 1 && started.length <= 3
    ? { hint: `did you mean ${started.map((n) => `\`${n}\``).join(" or ")}?`, fixes: started.map((n) => ({ title: `Change to '${n}'`, span: v.span, text: n })) }
    : didYouMean(w, pool.map((t) => t.name), v.span);
  const elsewhere = within ? ctx.catalog.toolsNamed(w) : [];
  ctx.error("PDL2002", v.span,
    within ? `no tool "${w}" in ${within.join(", ")}` : `unknown tool "${w}"`,
    elsewhere.length ? `it exists in ${elsewhere.map((t) => t.key).join(", ")}; fix the integration condition or qualify the name` : dm.hint,
    { fixes: dm.fixes });
  return undefined;
}

export function checkTool(c: A.Condition, s: PolicyScope): CExpr | undefined {
  const { ctx } = s;
  switch (c.op) {
    case "is": case "is_not": case "in": case "not_in": {
      if ((c.op === "in" || c.op === "not_in") && c.value?.kind !== "List") {
        ctx.error("PDL2007", c.value?.span ?? c.span, "`in` needs a list", "e.g. `tool in [delete_issue, update_issue]`");
        return undefined;
      }
      const keys: string[] = [];
      let ok = true;
      for (const v of itemsOf(c.value)) {
        const k = resolveToolRef(ctx, v, s.integrations);
        if (k) keys.push(k); else ok = false;
      }
      if (!ok) return undefined;
      const leaf: CExpr = { k: "tool", keys: [...new Set(keys)] };
      return c.op === "is_not" || c.op === "not_in" ? { k: "not", x: leaf } : leaf;
    }
    case "matches": {
      if (c.value?.kind !== "String") {
        ctx.error("PDL2007", c.value?.span ?? c.span, "`matches` needs a quoted glob", "e.g. `tool matches \"delete_*\"`");
        return undefined;
      }
      const glob = c.value.value;
      return { k: "tool_glob", glob, re: globToRegexSource(glob.toLowerCase()), dotted: glob.includes(".") };
    }
    case "has": {
      const label = c.value && wordOf(c.value);
      if (!label) { ctx.error("PDL2007", c.value?.span ?? c.span, "`tool has` needs a label", "e.g. `tool has external_communication`"); return undefined; }
      const known = new Set(ctx.catalog.allTools().flatMap((t) => t.labels));
      if (!known.has(label)) {
        const dm = didYouMean(label, known, c.value!.span);
        ctx.error("PDL2004", c.value!.span, `no catalog tool has the label "${label}"`, dm.hint, { fixes: dm.fixes });
        return undefined;
      }
      return { k: "label", label };
    }
    default:
      ctx.error("PDL2006", c.opSpan, `\`tool\` cannot be used with \`${c.op.replace("_", " ")}\``, "use is, is not, in, not in, matches or has");
      return undefined;
  }
}
