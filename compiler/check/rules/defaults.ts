/** `default allow` · `default by operation { Read: allow … }` — at most one per project. */
import type * as A from "../../../grammar/ast.js";
import type { BundleDefault } from "../../model.js";
import { didYouMean, type CheckContext } from "../context.js";
import { OPERATIONS } from "../../../runtime/language-facts.js";

const EFFECTS = ["allow", "block", "require_approval"] as const;
type DefaultEffect = (typeof EFFECTS)[number];
const OPS = OPERATIONS;

function effectOf(ctx: CheckContext, n: A.NameValue): DefaultEffect | undefined {
  const e = n.value === "deny" ? "block" : EFFECTS.find((x) => x === n.value);
  if (!e) {
    const dm = didYouMean(n.value, EFFECTS, n.span);
    ctx.error("PDL2034", n.span, `"${n.value}" is not a default effect`, dm.hint ?? "use allow, block or require_approval", { fixes: dm.fixes });
  }
  return e;
}

export function checkDefaults(ctx: CheckContext, decls: readonly A.DefaultDecl[]): BundleDefault | undefined {
  if (decls.length === 0) return undefined;
  for (const extra of decls.slice(1)) ctx.error("PDL2033", extra.span, "a project has one `default`", "remove this one or the other", { related: [{ span: decls[0]!.span, message: "the first default" }] });
  const d = decls[0]!;
  if (d.effect) {
    const e = effectOf(ctx, d.effect);
    return e && { Read: e, Write: e, Delete: e, Unknown: e, form: "single" };
  }
  if (d.by?.value !== "operation") {
    ctx.error("PDL2034", d.by?.span ?? d.span, "defaults can only be given by operation", "write `default by operation { Read: allow  Write: require_approval }`");
    return undefined;
  }
  const out: Partial<Record<(typeof OPS)[number], DefaultEffect>> = {};
  let ok = true;
  for (const en of d.entries ?? []) {
    const op = OPS.find((o) => o.toLowerCase() === en.operation.value.toLowerCase());
    if (!op) {
      const dm = didYouMean(en.operation.value, OPS, en.operation.span);
      ctx.error("PDL2034", en.operation.span, `"${en.operation.value}" is not an operation`, dm.hint, { fixes: dm.fixes });
      ok = false;
      continue;
    }
    if (out[op]) ctx.error("PDL2034", en.operation.span, `${op} is given twice`, "keep one");
    const e = effectOf(ctx, en.effect);
    if (!e) { ok = false; continue; }
    out[op] = e;
  }
  if (!ok) return undefined;
  // Operations left out keep the language's default: allow.
  return { Read: out.Read ?? "allow", Write: out.Write ?? "allow", Delete: out.Delete ?? "allow", Unknown: out.Unknown ?? "allow", form: "by_operation" };
}
