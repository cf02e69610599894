/**
 * Test steps checked like policies, at `policy check` time (and so in the editor and before any
 * test runs):
 * - `call integration.tool {…}`: a tool missing from a known integration, or an integration one
 *   typo away from a known one, is PDL6005 with did-you-mean (an integration far from every known
 *   one stays allowed: tests of the `Unknown` default call tools no catalog has);
 * - its arguments against the tool's JSON Schema (ajv): a name the schema does not list (when the
 *   schema lists its properties) or a value of the wrong type is PDL6006; a missing required
 *   argument is not an error (tests often leave out what no policy reads);
 * - `expect … by X`: X must be the id or name of a policy of the project (PDL6001).
 */
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import type * as A from "../../../grammar/ast.js";
import type { Catalog, CatalogTool } from "../../catalog/catalog.js";
import type { CheckedPolicy } from "../../model.js";
import { didYouMean, suggest, type CheckContext } from "../context.js";

const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false, logger: false });
(addFormatsModule as unknown as (a: Ajv) => void)(ajv);
const validators = new Map<string, ValidateFunction | null>();

function validatorOf(t: CatalogTool): ValidateFunction | null {
  let v = validators.get(t.key + "\u0000" + t.source);
  if (v === undefined) {
    try { v = t.args ? ajv.compile(t.args as object) : null; } catch { v = null; }
    validators.set(t.key + "\u0000" + t.source, v);
  }
  return v;
}

function jsonOf(v: A.Value): unknown {
  switch (v.kind) {
    case "String": case "Number": return v.value;
    case "Name": return v.value === "true" ? true : v.value === "false" ? false : v.value === "null" ? null : v.value;
    case "Duration": return v.raw;
    case "List": return v.items.map(jsonOf);
    case "Object": return Object.fromEntries(v.entries.map((e) => [e.key, jsonOf(e.value)]));
  }
}

/** The catalog tool a `call` step names, or undefined after reporting why there is none. */
function resolveCall(ctx: CheckContext, catalog: Catalog, s: A.CallStep): CatalogTool | undefined {
  const name = s.tool.value;
  const dot = name.indexOf(".");
  if (dot < 0) return catalog.toolsNamed(name).length === 1 ? catalog.toolsNamed(name)[0] : undefined;
  const integ = catalog.integration(name.slice(0, dot));
  const bare = name.slice(dot + 1);
  if (!integ) {
    const ids = [...catalog.integrations.values()].map((i) => i.id);
    const near = suggest(name.slice(0, dot), ids);
    if (near) {
      const to = `${near}.${bare}`;
      ctx.report("PDL6005", s.tool.span, `unknown integration "${name.slice(0, dot)}" in \`call ${name}\``, `did you mean \`${to}\`?`, { fixes: [{ title: `Change to '${to}'`, span: s.tool.span, text: to }] });
    }
    return undefined;
  }
  const tool = integ.tools.get(bare) ?? [...integ.tools.values()].find((t) => t.name.toLowerCase() === bare.toLowerCase());
  if (tool) return tool;
  const names = [...integ.tools.values()].map((t) => `${integ.id}.${t.name}`);
  const dym = didYouMean(name, names, s.tool.span);
  ctx.report("PDL6005", s.tool.span, `unknown tool "${bare}" in integration ${integ.name} (\`call ${name}\`)`, dym.hint, { fixes: dym.fixes });
  return undefined;
}

function checkArgs(ctx: CheckContext, tool: CatalogTool, s: A.CallStep): void {
  if (!s.args) return;
  const props = tool.args?.properties;
  if (props && tool.args?.additionalProperties !== true) {
    for (const e of s.args.entries) {
      if (e.key in props) continue;
      const near = suggest(e.key, Object.keys(props));
      ctx.report("PDL6006", s.args.span, `${tool.key} has no argument "${e.key}"`,
        near ? `did you mean \`${near}\`?` : `its arguments: ${Object.keys(props).slice(0, 12).join(", ") || "none"}`);
    }
  }
  const validate = validatorOf(tool);
  if (!validate || validate(jsonOf(s.args))) return;
  for (const e of validate.errors ?? []) {
    if (e.keyword === "required" || e.keyword === "additionalProperties") continue;
    const at = e.instancePath === "" ? "the arguments" : `args${e.instancePath.replace(/\//g, ".")}`;
    ctx.report("PDL6006", s.args.span, `${at} of ${tool.key} ${e.message ?? "do not fit its schema"}`, "give a value the tool's argument schema accepts (`policy catalog show " + tool.key + "`)");
  }
}

function checkBy(ctx: CheckContext, refsOf: () => ReadonlySet<string>, s: A.ExpectStep): void {
  if (!s.by) return;
  const refs = refsOf();
  if (refs.has(s.by.value)) return;
  const dym = didYouMean(s.by.value, refs, s.by.span);
  ctx.report("PDL6001", s.by.span, `no policy has the id or name "${s.by.value}"`, dym.hint ?? "name a policy of the project by its id or name", { fixes: dym.fixes });
}

/** Checks the steps of every test of the project. */
export function checkTestSteps(ctx: CheckContext, catalog: Catalog, tests: readonly A.TestDecl[], policies: readonly CheckedPolicy[]): void {
  // Built at the first `by`: a project without one does not pay for it (the editor checks after every edit).
  let refs: Set<string> | undefined;
  const refsOf = () => (refs ??= new Set(policies.flatMap((p) => [p.id, p.name])));
  for (const t of tests) {
    for (const s of t.steps) {
      if (s.kind === "Call") {
        const tool = resolveCall(ctx, catalog, s);
        if (tool) checkArgs(ctx, tool, s);
      } else if (s.kind === "Expect") checkBy(ctx, refsOf, s);
    }
  }
}
