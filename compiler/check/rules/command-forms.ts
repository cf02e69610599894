/**
 * A policy that restricts a command's tool (`tool is git.push` with block, hide or
 * require_approval) while the catalog maps stricter forms of the same command to other tools
 * (`git push --force` → `git.push_force`, `git push --delete` → `git.push_delete`): those calls are
 * decided as the other tool, so the policy does not see them. PDL4023 names the forms it leaves
 * out (unless another policy of the same scope restricts them as much), so that "no pushes" is not
 * silently "no plain pushes".
 */
import type { Catalog, CatalogIntegration } from "../../catalog/catalog.js";
import type { Diagnostic } from "../../../grammar/diagnostic.js";
import { diagnostic } from "../../diagnostics/codes.js";
import type { CExpr, CheckedPolicy } from "../../model.js";
import type { CheckContext } from "../context.js";
import { conjunctsOf } from "../../../runtime/language-facts.js";

const STRICTNESS: Readonly<Record<string, number>> = { Read: 0, Write: 1, Delete: 2, Unknown: 2 };

/** The literal words a pattern starts with (`["git", "push", "**"]` → `git push`). */
function head(pattern: readonly string[]): string[] {
  const out: string[] = [];
  for (const w of pattern) {
    if (/[*?[]/.test(w) || w.startsWith("-") || w.startsWith("+") || w.startsWith(":")) break;
    out.push(w);
  }
  return out;
}

const startsWith = (a: readonly string[], b: readonly string[]) => b.length > 0 && b.length <= a.length && b.every((w, i) => a[i] === w);

/** Other tools of the integration, as strict or stricter, whose patterns refine a command `tool` catches all of. */
function stricterForms(integ: CatalogIntegration, tool: string, skip: (u: string) => boolean): { tool: string; example: string }[] {
  // The commands `tool` is the catch-all of (`git push **`): its other forms are the stricter ones.
  const mine = integ.commands.filter((c) => c.tool === tool).map((c) => ({ h: head(c.pattern), all: c.pattern }))
    .filter(({ h, all }) => h.length >= 2 && all.slice(h.length).every((w) => w === "**")).map(({ h }) => h);
  const op = STRICTNESS[integ.tools.get(tool.slice(integ.id.length + 1))?.operation ?? "Read"] ?? 0;
  const found = new Map<string, string>();
  for (const c of integ.commands) {
    if (c.tool === tool || found.has(c.tool) || skip(c.tool)) continue;
    const other = integ.tools.get(c.tool.slice(integ.id.length + 1));
    if (!other || (STRICTNESS[other.operation] ?? 0) < op) continue;
    if (mine.some((h) => startsWith(c.pattern as string[], h))) found.set(c.tool, c.pattern.filter((w) => w !== "**").join(" "));
  }
  return [...found].map(([t, example]) => ({ tool: t, example }));
}

/** The tools a policy restricts by name: its top-level `tool is` / `tool in` lines. */
export function namedTools(p: CheckedPolicy): string[] {
  return p.ifs.flatMap((i) => conjunctsOf(i.expr)).flatMap((e: CExpr) => (e.k === "tool" ? [...e.keys] : []));
}

const RESTRICTS: Readonly<Record<string, number>> = { allow: 0, require_approval: 1, block: 2, hide: 2 };
const sameScope = (q: CheckedPolicy, p: CheckedPolicy) => q.scope.kind === "platform" || JSON.stringify(q.scope) === JSON.stringify(p.scope);

/** The policies the rule is about: live tool-call policies that restrict (block, hide, require_approval). */
export const restricting = (p: CheckedPolicy): boolean => p.status !== "deprecated" && p.trigger === "tool_call" && !!p.effect && p.effect !== "allow";

/**
 * Every tool `u` whose restricting policies can change what PDL4023 says about a policy naming
 * `tool`: the stricter forms of `tool` before any is skipped (skipping a form only drops it).
 */
export function formTools(catalog: Catalog, tool: string): string[] {
  const integ = catalog.integration(tool.slice(0, tool.indexOf(".")));
  return integ?.commands.length ? stricterForms(integ, tool, () => false).map((f) => f.tool) : [];
}

/**
 * PDL4023 for one restricting policy `p` naming `tools`; `byTool(u)` gives the restricting
 * policies that name the tool `u` (p among them).
 */
export function formDiagnostics(catalog: Catalog, p: CheckedPolicy, tools: readonly string[], byTool: (u: string) => Iterable<CheckedPolicy>): Diagnostic[] {
  const out: Diagnostic[] = [];
  // A form this policy names, or another policy restricts as much in a scope covering this one, is decided.
  const skip = (u: string) => {
    if (tools.includes(u)) return true;
    for (const q of byTool(u)) if (q !== p && RESTRICTS[q.effect!]! >= RESTRICTS[p.effect!]! && sameScope(q, p)) return true;
    return false;
  };
  for (const t of tools) {
    const integ = catalog.integration(t.slice(0, t.indexOf(".")));
    if (!integ || !integ.commands.length) continue;
    const forms = stricterForms(integ, t, skip);
    if (!forms.length) continue;
    const list = forms.map((f) => `${f.tool} (\`${f.example}\`)`).join(", ");
    out.push(diagnostic("PDL4023", p.ast.name.span, `"${p.name}" ${p.effect === "hide" ? "hides" : p.effect === "block" ? "blocks" : "holds"} ${t} but not the stricter forms of the same command, which the catalog maps to other tools: ${list}`,
      `name them too: \`tool in [${[t, ...forms.map((f) => f.tool)].join(", ")}]\`, or decide by operation (\`operation in [Write, Delete]\`)`));
  }
  return out;
}

export function checkCommandForms(ctx: CheckContext, policies: readonly CheckedPolicy[]): void {
  const live = policies.filter(restricting);
  const byTool = new Map<string, CheckedPolicy[]>();
  for (const q of live) for (const t of namedTools(q)) { const l = byTool.get(t); if (l) l.push(q); else byTool.set(t, [q]); }
  for (const p of live) ctx.diagnostics.push(...formDiagnostics(ctx.catalog, p, namedTools(p), (u) => byTool.get(u) ?? []));
}
