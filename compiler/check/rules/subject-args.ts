/**
 * `args.<path> …`: builds the condition, and (after the policy's matchable tools are known)
 * checks the path and the operator against the argument schema of every matchable tool.
 */
import type * as A from "../../../grammar/ast.js";
import type { CExpr } from "../../model.js";
import type { CatalogTool } from "../../catalog/catalog.js";
import type { JsonSchema } from "../../catalog/types.js";
import { globToRegexSource } from "../../../runtime/glob.js";
import { argPathSegments } from "../../../runtime/canonical-args.js";
import { canonicalPath } from "../../../runtime/canonical-path.js";
import { didYouMean, itemsOf, type CheckContext, type PolicyScope } from "../context.js";
import { checkUrlCondition, warnHostWildcard } from "./subject-args-url.js";
import { checkCanonicalLiterals } from "./canonical-literals.js";
import type { Code } from "../../diagnostics/codes.js";

export interface ArgRef {
  readonly cond: A.Condition;
  readonly path: readonly string[];
  /** The operator, or `url` / `under` (both need a string or an array of strings). */
  readonly op: string;
  /** The literals compared with (for type and enum checks). */
  readonly literals: readonly { readonly value: unknown; readonly span: A.Value["span"]; readonly bare: boolean }[];
}

/** A literal as JSON: strings, numbers, true/false/null, bare words as strings (enum literals). */
export function literalOf(v: A.Value): { ok: true; value: unknown; bare: boolean } | { ok: false } {
  switch (v.kind) {
    case "String": return { ok: true, value: v.value, bare: false };
    case "Number": return { ok: true, value: v.value, bare: false };
    case "Name": return { ok: true, value: v.value === "true" ? true : v.value === "false" ? false : v.value === "null" ? null : v.value, bare: !["true", "false", "null"].includes(v.value) };
    default: return { ok: false };
  }
}

/** `["paths", "[*]", "name"]` → `args.paths[*].name`. */
export function argPathText(path: readonly string[]): string {
  return "args" + path.map((p) => (p.startsWith("[") ? p : `.${p}`)).join("");
}

export function checkArgs(c: A.Condition, s: PolicyScope, refs: ArgRef[]): CExpr | undefined {
  const { ctx } = s;
  const path = c.subject.name === "args" ? [] : argPathSegments(c.subject.name.slice("args.".length));
  if (path.length === 0) { ctx.error("PDL2005", c.subject.span, "`args` needs a path", "e.g. `args.repo`"); return undefined; }
  if (c.subject.qualifier) return checkUrlCondition(c, s, path, refs);
  const lit = (v: A.Value | undefined) => {
    if (!v) return undefined;
    const l = literalOf(v);
    if (!l.ok) { ctx.error("PDL2007", v.span, "expected a string, number, true, false or null", undefined); return undefined; }
    return { value: l.value, span: v.span, bare: l.bare };
  };
  let leaf: CExpr;
  const literals: ArgRef["literals"][number][] = [];
  switch (c.op) {
    case "is": case "is_not": {
      const l = lit(c.value);
      if (!l) return undefined;
      literals.push(l);
      leaf = { k: "arg", path, op: "eq", value: l.value };
      break;
    }
    case "in": case "not_in": {
      if (c.value?.kind !== "List") { ctx.error("PDL2007", c.value?.span ?? c.span, "`in` needs a list", "e.g. `args.state in [\"open\", \"closed\"]`"); return undefined; }
      for (const v of c.value.items) { const l = lit(v); if (!l) return undefined; literals.push(l); }
      leaf = { k: "arg", path, op: "in", values: literals.map((l) => l.value) };
      break;
    }
    case "matches": {
      if (c.value?.kind !== "String") { ctx.error("PDL2007", c.value?.span ?? c.span, "`matches` needs a quoted glob", "e.g. `args.repo matches \"acme/*\"`"); return undefined; }
      warnHostWildcard(ctx, c.value);
      leaf = { k: "arg", path, op: "matches", glob: c.value.value, re: globToRegexSource(c.value.value) };
      break;
    }
    case "under": {
      const u = underOf(c, ctx, path);
      if (!u) return undefined;
      leaf = u; break;
    }
    case "contains": {
      const l = lit(c.value);
      if (!l) return undefined;
      literals.push(l);
      leaf = { k: "arg", path, op: "contains", value: l.value };
      break;
    }
    case ">": case "<": case ">=": case "<=": {
      if (c.value?.kind !== "Number") { ctx.error("PDL2007", c.value?.span ?? c.span, `\`${c.op}\` compares with a number`, "e.g. `args.per_page > 100`"); return undefined; }
      leaf = { k: "arg", path, op: c.op, n: c.value.value };
      break;
    }
    case "exists":
      leaf = { k: "arg", path, op: "exists" };
      break;
    default:
      ctx.error("PDL2006", c.opSpan, `\`args\` cannot be used with \`${c.op.replace("_", " ")}\``, "use is, is not, in, not in, matches, contains, under, > < >= <= or exists");
      return undefined;
  }
  refs.push({ cond: c, path, op: c.op, literals });
  return c.op === "is_not" || c.op === "not_in" ? { k: "not", x: leaf } : leaf;
}

/** `args.<path> under "folder"`: the folder must have a canonical form. */
function underOf(c: A.Condition, ctx: CheckContext, path: readonly string[]): CExpr | undefined {
  if (c.value?.kind !== "String") { ctx.error("PDL2007", c.value?.span ?? c.span, "`under` needs a quoted folder", "e.g. `args.path under \"~/.ssh\"`, `under \"./secrets\"`, `under \"/etc\"`"); return undefined; }
  const a = canonicalPath(c.value.value);
  if (!("path" in a)) { ctx.error("PDL2007", c.value.span, `the folder ${JSON.stringify(c.value.value)} has no canonical form: ${a.ambiguous}`, "write it plainly, with / between folders and no percent-escapes"); return undefined; }
  return { k: "under", path, anchor: c.value.value };
}

// ─── schema reasoning ──────────────────────────────────────────────────────────────────
type JType = "string" | "number" | "integer" | "boolean" | "null" | "object" | "array";

/** The sub-schemas at `path` (several under anyOf/oneOf); [] when the path does not exist. */
export function schemasAt(schema: JsonSchema | undefined, path: readonly string[]): JsonSchema[] {
  if (!schema) return [];
  if (path.length === 0) return [schema];
  const alts = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])];
  if (alts.length) return alts.flatMap((a) => schemasAt(a, path));
  const [head, ...rest] = path;
  const props = schema.properties;
  if (props && Object.prototype.hasOwnProperty.call(props, head!)) return schemasAt(props[head!], rest);
  if (schema.items && /^(?:\d+|\[(?:\d+|\*|all)\])$/.test(head!)) return schemasAt(schema.items, rest);
  if (schema.additionalProperties && typeof schema.additionalProperties === "object") return schemasAt(schema.additionalProperties, rest);
  return [];
}

export function typesOf(s: JsonSchema): Set<JType> | "any" {
  const t = s.type;
  if (typeof t === "string") return new Set([t as JType]);
  if (Array.isArray(t)) return new Set(t as JType[]);
  if (s.enum) return new Set(s.enum.map((v) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "number" ? "number" : (typeof v as JType))));
  const alts = [...(s.anyOf ?? []), ...(s.oneOf ?? [])];
  if (alts.length) {
    const out = new Set<JType>();
    for (const a of alts) { const x = typesOf(a); if (x === "any") return "any"; x.forEach((y) => out.add(y)); }
    return out;
  }
  if (s.properties) return new Set(["object"]);
  if (s.items) return new Set(["array"]);
  return "any";
}

function literalFits(value: unknown, types: Set<JType>): boolean {
  if (value === null) return types.has("null");
  if (typeof value === "string") return types.has("string");
  if (typeof value === "boolean") return types.has("boolean");
  if (typeof value === "number") return types.has("number") || (types.has("integer") && Number.isInteger(value));
  return false;
}

/** An array schema whose items may be strings (or are not described). */
function holdsStrings(s: JsonSchema): boolean {
  if (!s.items) return true;
  const t = typesOf(s.items);
  return t === "any" || t.has("string");
}

/** Why `ref` does not fit schema `s` (undefined: it fits). */
function misfit(ref: ArgRef, s: JsonSchema): { code: Code; message: string; span?: A.Value["span"]; hint?: string } | undefined {
  const types = typesOf(s);
  if (types === "any") return undefined;
  const desc = [...types].join(" | ");
  const at = argPathText(ref.path);
  switch (ref.op) {
    case "matches": case "url": case "under": {
      if (types.has("string") || (types.has("array") && holdsStrings(s))) return undefined;
      const what = ref.op === "url" ? "a URL condition" : `\`${ref.op}\``;
      return { code: "PDL2012", message: `${what} needs a string or an array of strings, but ${at} is ${desc}`, hint: types.has("number") || types.has("integer") ? "compare numbers with is, >, <" : undefined };
    }
    case ">": case "<": case ">=": case "<=":
      return types.has("number") || types.has("integer") ? undefined : { code: "PDL2012", message: `\`${ref.op}\` needs a number, but ${at} is ${desc}`, hint: types.has("string") ? "match strings with `matches \"…\"` or compare with `is`" : undefined };
    case "contains": {
      if (types.has("string") && typeof ref.literals[0]?.value === "string") return undefined;
      if (types.has("array")) {
        const it = s.items;
        const lits = ref.literals;
        if (it && lits[0]) { const it2 = typesOf(it); if (it2 !== "any" && !literalFits(lits[0].value, it2)) return { code: "PDL2012", message: `${at} holds ${[...it2].join(" | ")} items, not ${JSON.stringify(lits[0].value)}`, span: lits[0].span }; }
        return undefined;
      }
      return { code: "PDL2012", message: `\`contains\` needs a string or an array, but ${at} is ${desc}` };
    }
    case "is": case "is_not": case "in": case "not_in": {
      for (const l of ref.literals) {
        if (!literalFits(l.value, types)) {
          return { code: "PDL2012", message: `${at} is ${desc}, not ${l.value === null ? "null" : typeof l.value} (${JSON.stringify(l.value)})`, span: l.span,
            hint: typeof l.value === "string" && (types.has("number") || types.has("integer")) ? "write the number without quotes" : undefined };
        }
        if (s.enum && !s.enum.some((e) => e === l.value)) {
          return { code: "PDL2013", message: `${JSON.stringify(l.value)} is not one of the values of ${at}: ${s.enum.map((e) => JSON.stringify(e)).join(", ")}`, span: l.span,
            hint: (() => { const m = didYouMean(String(l.value), s.enum!.map(String), l.span); return m.hint; })() };
        }
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Checks every `args.` reference of a policy against its matchable tools. */
export function checkArgRefs(ctx: CheckContext, refs: readonly ArgRef[], tools: readonly CatalogTool[]): void {
  if (tools.length === 0) return;
  for (const ref of refs) {
    const having = tools.filter((t) => schemasAt(t.args, ref.path).length > 0);
    const pathText = argPathText(ref.path);
    if (having.length === 0) {
      const known = new Set(tools.flatMap((t) => Object.keys(t.args?.properties ?? {})).map((k) => `args.${k}`));
      const dm = didYouMean(pathText, known, ref.cond.subject.span);
      ctx.error("PDL2010", ref.cond.subject.span, `no tool this policy can match has an argument ${pathText}${tools.length <= 3 ? ` (${tools.map((t) => t.key).join(", ")})` : ` (${tools.length} tools)`}`,
        dm.hint ?? (tools.length <= 3 ? `arguments: ${[...known].join(", ")}` : "constrain the integration or tool, then use one of their arguments"), { fixes: dm.fixes });
      continue;
    }
    if (having.length < tools.length && ref.op !== "exists") {
      const missing = tools.filter((t) => !having.includes(t));
      ctx.warn("PDL2011", ref.cond.subject.span, `${pathText} exists in ${having.length} of the ${tools.length} tools this policy can match (not in ${missing.slice(0, 4).map((t) => t.key).join(", ")}${missing.length > 4 ? ", …" : ""})`,
        "on those tools the condition is false; constrain the integration or tool to say which you mean");
    }
    checkCanonicalLiterals(ctx, ref, having);
    const problems = having.map((t) => ({ t, p: schemasAt(t.args, ref.path).map((s) => misfit(ref, s)) }))
      .map(({ t, p }) => ({ t, p: p.every((x) => x !== undefined) ? p[0] : undefined }));
    const bad = problems.filter((x) => x.p);
    if (bad.length === 0) continue;
    const first = bad[0]!.p!;
    if (bad.length === having.length) ctx.error(first.code, first.span ?? ref.cond.span, first.message + (having.length > 1 ? "" : ` (in ${bad[0]!.t.key})`), first.hint);
    else ctx.warn("PDL2014", first.span ?? ref.cond.span, `${first.message} in ${bad.map((b) => b.t.key).slice(0, 4).join(", ")} (but fits the other ${having.length - bad.length} tools)`, "constrain the tools so the argument has one type");
  }
}
