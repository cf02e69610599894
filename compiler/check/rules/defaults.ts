/**
 * `default allow` · `default by operation { Read: allow … }` — one project-wide default — and
 * defaults for part of the calls: `default for integration GitHub by operation { … }`,
 * `default for tenant "acme" …`, `default for agent "Cursor" [integration X] …` (one per target).
 * The scoped ones come out in precedence order (SPEC §5 as docs/language.md words it).
 */
import type * as A from "../../../grammar/ast.js";
import type { BundleDefault, ScopedDefault } from "../../../runtime/types.js";
import { didYouMean, type CheckContext } from "../context.js";
import { resolveIntegrationNames } from "./subject-integration.js";
import { OPERATIONS } from "../../../runtime/language-facts.js";

const EFFECTS = ["allow", "block", "require_approval"] as const;
type DefaultEffect = (typeof EFFECTS)[number];
const OPS = OPERATIONS;
type Ops = Partial<Record<(typeof OPS)[number], DefaultEffect>>;
const TARGET_KEYS = ["integration", "tenant", "agent"] as const;

function effectOf(ctx: CheckContext, n: A.NameValue): DefaultEffect | undefined {
  const e = n.value === "deny" ? "block" : EFFECTS.find((x) => x === n.value);
  if (!e) {
    const dm = didYouMean(n.value, EFFECTS, n.span);
    ctx.error("PDL2034", n.span, `"${n.value}" is not a default effect`, dm.hint ?? "use allow, block or require_approval", { fixes: dm.fixes });
  }
  return e;
}

/** The operations a default names: all four for `default X`; undefined after an error. */
function opsOf(ctx: CheckContext, d: A.DefaultDecl): { ops: Ops; form: "single" | "by_operation" } | undefined {
  if (d.effect) {
    const e = effectOf(ctx, d.effect);
    return e && { ops: { Read: e, Write: e, Delete: e, Unknown: e }, form: "single" };
  }
  if (d.by?.value !== "operation") {
    ctx.error("PDL2034", d.by?.span ?? d.span, "defaults can only be given by operation", "write `default by operation { Read: allow  Write: require_approval }`");
    return undefined;
  }
  const out: Ops = {};
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
  return ok ? { ops: out, form: "by_operation" } : undefined;
}

type Target = { tenant?: string; agent?: string; integration?: string };

/** The `for …` part: which calls a default is for; undefined after an error. */
function targetOf(ctx: CheckContext, d: A.DefaultDecl): Target | undefined {
  const t: Target = {};
  let ok = true;
  for (const { key, value } of d.for ?? []) {
    const k = TARGET_KEYS.find((x) => x === key.value);
    if (!k) {
      const dm = didYouMean(key.value, TARGET_KEYS, key.span);
      ctx.error("PDL2034", key.span, `a default cannot be for "${key.value}"`, dm.hint ?? "write `default for integration GitHub …`, `for tenant \"acme\" …` or `for agent \"Cursor\" …`", { fixes: dm.fixes });
      ok = false;
    } else if (t[k] !== undefined) {
      ctx.error("PDL2034", key.span, `\`${k}\` is given twice`, "keep one");
      ok = false;
    } else if (k === "integration") {
      const ids = resolveIntegrationNames(ctx, [value], true);
      if (ids) t.integration = ids[0]!; else ok = false;
    } else if (value.kind !== "String") {
      ctx.error("PDL2034", value.span, `the ${k} is a quoted name`, `write \`for ${k} "${value.value}"\``);
      ok = false;
    } else t[k] = value.value;
  }
  if (t.tenant !== undefined && t.agent !== undefined) {
    ctx.error("PDL2034", d.span, "a default is for one tenant or one agent, not both", "write two defaults, or keep the narrower one (agent)");
    return undefined;
  }
  return ok ? t : undefined;
}

/** Precedence rank: lower decides first (agent + integration … integration). */
export function defaultRank(t: Target): number {
  const scope = t.agent !== undefined ? 0 : t.tenant !== undefined ? 2 : 4;
  return scope + (t.integration !== undefined || scope === 4 ? 0 : 1);
}

function targetText(t: Target): string {
  return [t.agent !== undefined ? `agent "${t.agent}"` : "", t.tenant !== undefined ? `tenant "${t.tenant}"` : "", t.integration !== undefined ? `integration ${t.integration}` : ""].filter(Boolean).join(" ");
}

export interface CheckedDefaults {
  readonly project?: BundleDefault;
  readonly scoped: readonly ScopedDefault[];
}

export function checkDefaults(ctx: CheckContext, decls: readonly A.DefaultDecl[]): CheckedDefaults {
  const seen = new Map<string, A.DefaultDecl>();
  let project: BundleDefault | undefined;
  const scoped: (ScopedDefault & { rank: number; order: number })[] = [];
  decls.forEach((d, order) => {
    const target = d.for ? targetOf(ctx, d) : {};
    if (!target) { opsOf(ctx, d); return; }
    const key = targetText(target);
    const first = seen.get(key);
    if (first) {
      const what = key ? `one \`default for ${key}\`` : "one `default`";
      ctx.error("PDL2033", d.span, `a project has ${what}`, "remove this one or the other", { related: [{ span: first.span, message: "the first default" }] });
      return;
    }
    seen.set(key, d);
    const ops = opsOf(ctx, d);
    if (!ops) return;
    if (!key) {
      // Operations left out of the project-wide default keep the language's default: allow.
      const o = ops.ops;
      project = { Read: o.Read ?? "allow", Write: o.Write ?? "allow", Delete: o.Delete ?? "allow", Unknown: o.Unknown ?? "allow", form: ops.form };
      return;
    }
    scoped.push({ ...target, ops: ops.ops, form: ops.form, rank: defaultRank(target), order });
  });
  scoped.sort((a, b) => a.rank - b.rank || a.order - b.order);
  return { ...(project ? { project } : {}), scoped: scoped.map(({ rank: _r, order: _o, ...s }) => s) };
}
