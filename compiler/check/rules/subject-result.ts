/**
 * `result …` (`when tool_response` only): `result.<path>` with the operators of `args.<path>`,
 * `result size > 1 MB` and `result is error`. After the policy's matchable tools are known, each
 * `result.<path>` (and each `sanitize [result.<path>]`) is checked against the tools' result
 * schemas: `content` (the text of the result's content items, an array of strings) always exists;
 * other fields come from the catalog's `output` schema (MCP `outputSchema`).
 */
import type * as A from "../../../grammar/ast.js";
import type { CExpr } from "../../model.js";
import type { CatalogTool } from "../../catalog/catalog.js";
import type { JsonSchema } from "../../catalog/types.js";
import type { Cmp } from "../../../runtime/types.js";
import { didYouMean, type CheckContext, type PolicyScope } from "../context.js";
import { checkArgs, misfit, schemasAt, typesOf, type ArgRef } from "./subject-args.js";

/** Bytes per unit of `result size > 1 MB` (binary multiples, as tools report sizes). */
export const SIZE_UNITS: Readonly<Record<string, number>> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

/** A `result.<path>` reference (same shape as an argument's: checked against result schemas). */
export type ResultRef = ArgRef;

export function checkResult(c: A.Condition, s: PolicyScope, refs: ResultRef[]): CExpr | undefined {
  const { ctx } = s;
  if (s.trigger !== "tool_response") {
    ctx.error("PDL2090", c.subject.span, `\`${c.subject.name}\` is known only in \`when tool_response\` policies`, "add `when tool_response` to decide on what the tool returns");
    return undefined;
  }
  if (c.subject.name === "result") return c.subject.qualifier ? checkSize(c, ctx) : checkIsError(c, ctx);
  if (c.subject.qualifier) { ctx.error("PDL1010", c.subject.qualifier.span, `unexpected '${c.subject.qualifier.value}' after \`${c.subject.name}\``, "e.g. `result.content contains \"…\"`"); return undefined; }
  if (c.op === "under") { ctx.error("PDL2006", c.opSpan, "`under` is for path arguments, not results", "use matches, contains, is, in, > < >= <= or exists"); return undefined; }
  const own: ArgRef[] = [];
  const x = checkArgs({ ...c, subject: { ...c.subject, name: "args" + c.subject.name.slice("result".length) } }, s, own);
  refs.push(...own);
  return x && toResult(x);
}

/** The `arg` conditions `checkArgs` built, as `result` conditions. */
function toResult(x: CExpr): CExpr {
  if (x.k === "not") return { k: "not", x: toResult(x.x) };
  if (x.k === "arg") return { ...x, k: "result" } as CExpr;
  return x;
}

/** `result size > 1 MB` (units B, KB, MB, GB; a number alone is bytes). */
function checkSize(c: A.Condition, ctx: CheckContext): CExpr | undefined {
  const q = c.subject.qualifier!;
  if (q.value !== "size") { ctx.error("PDL1010", q.span, `unexpected '${q.value}' after \`result\``, "e.g. `result size > 1 MB` or `result is error`"); return undefined; }
  if (!(c.op === ">" || c.op === "<" || c.op === ">=" || c.op === "<=") || c.value?.kind !== "Number") {
    ctx.error("PDL2007", c.value?.span ?? c.span, "`result size` compares with a size", "e.g. `result size > 1 MB` (B, KB, MB, GB)");
    return undefined;
  }
  const unit = c.unit?.value.toUpperCase() ?? "B";
  const mult = SIZE_UNITS[unit];
  if (mult === undefined) {
    const dm = didYouMean(c.unit!.value, Object.keys(SIZE_UNITS), c.unit!.span);
    ctx.error("PDL2007", c.unit!.span, `unknown size unit "${c.unit!.value}"`, dm.hint, { fixes: dm.fixes });
    return undefined;
  }
  return { k: "result_size", cmp: c.op as Cmp, bytes: c.value.value * mult };
}

/** `result is error` · `result is not error`. */
function checkIsError(c: A.Condition, ctx: CheckContext): CExpr | undefined {
  if ((c.op !== "is" && c.op !== "is_not") || c.value?.kind !== "Name" || c.value.value !== "error") {
    ctx.error("PDL2005", c.span, "`result` alone takes `is error` or `size`", "e.g. `result is error`, `result size > 1 MB`, or a path: `result.content contains \"…\"`");
    return undefined;
  }
  return c.op === "is" ? { k: "result_error" } : { k: "not", x: { k: "result_error" } };
}

// ─── result schemas ────────────────────────────────────────────────────────────────────
const CONTENT: JsonSchema = { type: "array", items: { type: "string" }, description: "the text of the result's content items" };

/** What `result.<path>` can read for a tool: `content`, and the properties of its `output` schema. */
export function resultSchemaOf(t: CatalogTool): JsonSchema {
  const props = t.output && typeof t.output.properties === "object" ? t.output.properties : {};
  return { type: "object", properties: { ...props, content: CONTENT } };
}

/** `["a", "[*]"]` → `result.a[*]`. */
export function resultPathText(path: readonly string[]): string {
  return "result" + path.map((p) => (p.startsWith("[") ? p : `.${p}`)).join("");
}

/** Is `path` known for some matchable tool? Reports PDL2091 when not; returns the tools that have it. */
function toolsHaving(ctx: CheckContext, path: readonly string[], span: A.Value["span"], tools: readonly CatalogTool[]): CatalogTool[] {
  const having = tools.filter((t) => schemasAt(resultSchemaOf(t), path).length > 0);
  if (having.length) return having;
  const known = new Set(tools.flatMap((t) => Object.keys(resultSchemaOf(t).properties ?? {})).map((k) => `result.${k}`));
  const dm = didYouMean(resultPathText(path), known, span);
  const noSchema = tools.every((t) => !t.output);
  ctx.error("PDL2091", span, `no tool this policy can match returns ${resultPathText(path)}${tools.length <= 3 ? ` (${tools.map((t) => t.key).join(", ")})` : ` (${tools.length} tools)`}`,
    noSchema ? "their catalog entries have no output schema (`output`, MCP `outputSchema`): only `result.content` is known" : dm.hint ?? `known: ${[...known].join(", ")}`, { fixes: dm.fixes });
  return [];
}

/** Checks every `result.` reference of a policy against the result schemas of its matchable tools. */
export function checkResultRefs(ctx: CheckContext, refs: readonly ResultRef[], tools: readonly CatalogTool[]): void {
  if (!tools.length) return;
  for (const ref of refs) {
    const having = toolsHaving(ctx, ref.path, ref.cond.subject.span, tools);
    if (!having.length) continue;
    const bad = having.map((t) => schemasAt(resultSchemaOf(t), ref.path).map((s) => misfit(ref, s))).filter((p) => p.every((x) => x !== undefined)).map((p) => p[0]!);
    if (bad.length === having.length) {
      const f = bad[0]!;
      ctx.error(f.code, f.span ?? ref.cond.span, f.message.split(argText(ref.path)).join(resultPathText(ref.path)), f.hint);
    }
  }
}

const argText = (path: readonly string[]) => "args" + path.map((p) => (p.startsWith("[") ? p : `.${p}`)).join("");

/** Does the schema leave room for a string anywhere inside it? */
function mayHoldText(s: JsonSchema, depth = 0): boolean {
  if (depth > 32) return true;
  const t = typesOf(s);
  if (t === "any" || t.has("string")) return true;
  const kids = [...Object.values(s.properties ?? {}), ...(s.items ? [s.items] : []), ...(typeof s.additionalProperties === "object" ? [s.additionalProperties] : []), ...(s.anyOf ?? []), ...(s.oneOf ?? [])];
  return kids.some((k) => mayHoldText(k, depth + 1));
}

/**
 * `sanitize [result.<path>]`: the path must exist for some matchable tool (PDL2091), and hold text
 * for at least one of them (PDL2092: masking a number or a boolean does nothing).
 */
export function checkResultSanitize(ctx: CheckContext, fields: readonly { path: readonly string[]; span: A.Value["span"] }[], tools: readonly CatalogTool[]): void {
  if (!tools.length) return;
  for (const f of fields) {
    if (!f.path.length || (f.path.length === 1 && f.path[0] === "content")) continue;
    const having = toolsHaving(ctx, f.path, f.span, tools);
    if (having.length && !having.some((t) => schemasAt(resultSchemaOf(t), f.path).some((s) => mayHoldText(s)))) {
      ctx.error("PDL2092", f.span, `${resultPathText(f.path)} holds no text in ${having.length === 1 ? having[0]!.key : `any of the ${having.length} tools`}: there is nothing to mask`,
        "sanitize a field that holds strings, or the whole result: `sanitize [result]`");
    }
  }
}
