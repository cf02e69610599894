/**
 * The start-up check: before serving, each upstream's `tools/list` (and the request paths it
 * offers: resources, prompts, completion) is compared with the bundle's catalog.
 * - `no_integration`: the upstream's integration id is not in the catalog, so no policy that
 *   names an integration or a tool can apply to it (`--integration` left out, the same server
 *   added under a second upstream id, a misspelt id). The hint names the catalog integration
 *   whose tool names the upstream's match best.
 * - `undecidable`: a tool that no policy with an effect can ever match and no `default` covers:
 *   it is allowed by no rule at all. "Can ever match" is the runtime's own static evaluation of
 *   each policy's conditions on the tool's facts (`staticEval` ≠ false), so it cannot disagree
 *   with the decision tables.
 * - `not_in_catalog` (information): tools of a catalogued integration the catalog does not list:
 *   their operation is `Unknown`.
 * `--strict` turns `no_integration` and `undecidable` findings into an error (exit 2).
 */
import type { Bundle } from "../runtime/types.js";
import { staticEval, type ToolFacts } from "../runtime/static-eval.js";
import { MCP_REQUEST_TOOLS } from "../compiler/catalog/mcp-requests.js";
import type { Upstream } from "./upstream.js";

export interface Finding {
  readonly upstream: string;
  readonly kind: "no_integration" | "undecidable" | "not_in_catalog";
  readonly tools: readonly string[];
  readonly message: string;
}

/** What an upstream serves: its tools and the request paths of its capabilities. */
export interface Served { readonly integration: string; readonly serverName?: string; readonly tools: readonly string[]; readonly paths: readonly string[] }

const own = Object.prototype.hasOwnProperty;

/** The request paths (pseudo-tools) an upstream offers by its capabilities. */
export function servedBy(u: Upstream): Served {
  const caps = u.client.getServerCapabilities() ?? {};
  const paths = MCP_REQUEST_TOOLS.map((t) => t.name).filter((m) =>
    m.startsWith("resources/") ? caps.resources !== undefined && (!m.includes("subscribe") || caps.resources.subscribe === true)
      : m.startsWith("prompts/") ? caps.prompts !== undefined : caps.completions !== undefined);
  return { integration: u.integration, ...(u.serverName ? { serverName: u.serverName } : {}), tools: u.tools.map((t) => t.name), paths };
}

function factsOf(b: Bundle, integration: string, name: string): ToolFacts {
  const key = `${integration}.${name.toLowerCase()}`;
  const t = own.call(b.tools, key) ? b.tools[key] : undefined;
  return { integration, name: name.toLowerCase(), operation: t ? t[0] : "Unknown", labels: t ? t[1] : [], method: t ? t[2] : null, category: t ? t[3] : null, verbs: t ? t[4] : [] };
}

/** True when some policy with an effect can match the tool, or a default covers it. */
function decidable(b: Bundle, facts: ToolFacts): boolean {
  if (b.default) return true;
  // A `default for …` of this integration (or for a tenant or agent, which may be this session's).
  if (b.defaults?.some((d) => (d.integration === undefined || d.integration === facts.integration) && d.ops[facts.operation] !== undefined)) return true;
  return b.policies.some((p) => p.trigger === "tool_call" && p.effect !== undefined &&
    staticEval({ k: "and", items: p.ifs.map((i) => i.expr) }, facts) !== false);
}

/** The catalog integration whose tool names an upstream's tools match best. */
function likelyIntegration(b: Bundle, tools: readonly string[]): { id: string; hits: number } | undefined {
  let best: { id: string; hits: number } | undefined;
  for (const id of Object.keys(b.integrations)) {
    const hits = tools.filter((t) => own.call(b.tools, `${id}.${t.toLowerCase()}`)).length;
    if (hits > 0 && (!best || hits > best.hits)) best = { id, hits };
  }
  return best;
}

function noIntegration(b: Bundle, s: Served, all: readonly Served[]): Finding {
  const like = likelyIntegration(b, s.tools);
  const other = like && all.find((x) => x !== s && x.integration === like.id);
  const hint = !like ? `add its catalog (\`policy catalog import --from mcp\`, from \`policy enforce --list-tools -- <command>\`) and rebuild the bundle, or name its integration with --integration <id>`
    : other ? `its tools are those of integration "${like.id}" (${like.hits} of ${s.tools.length}), which upstream "${other.integration}" already serves: a second copy of a server under another id gets none of the policies written for "${like.id}"`
    : `its tools are those of integration "${like.id}" (${like.hits} of ${s.tools.length}): start it as --integration ${like.id} (after --) or --upstream ${like.id}=<command>`;
  return {
    upstream: s.integration, kind: "no_integration", tools: s.tools,
    message: `upstream "${s.integration}"${s.serverName ? ` (${s.serverName})` : ""} has no integration in the bundle's catalog, so no policy naming an integration or tool applies to its ${s.tools.length} tools; ${hint}`,
  };
}

/** Compares what each upstream serves with the bundle's catalog and policies. */
export function startupCheck(b: Bundle, served: readonly Served[]): Finding[] {
  const out: Finding[] = [];
  for (const s of served) {
    const integ = s.integration.toLowerCase();
    if (!own.call(b.integrations, integ)) out.push(noIntegration(b, s, served));
    const names = [...s.tools, ...s.paths];
    const never = names.filter((n) => !decidable(b, factsOf(b, integ, n)));
    if (never.length) {
      out.push({
        upstream: s.integration, kind: "undecidable", tools: never,
        message: `upstream "${s.integration}": ${never.length} of its tools and requests no policy and no default can ever decide (they are allowed by no rule): ${never.slice(0, 12).join(", ")}${never.length > 12 ? ", …" : ""}; add a policy or a \`default\``,
      });
    }
    const unknown = own.call(b.integrations, integ) ? s.tools.filter((t) => !own.call(b.tools, `${integ}.${t.toLowerCase()}`)) : [];
    if (unknown.length) {
      out.push({
        upstream: s.integration, kind: "not_in_catalog", tools: unknown,
        message: `upstream "${s.integration}": ${unknown.length} tools are not in the catalog (operation Unknown): ${unknown.slice(0, 12).join(", ")}${unknown.length > 12 ? ", …" : ""}`,
      });
    }
  }
  return out;
}

/**
 * The catalog's spelling of an upstream id: integration names match without punctuation, as in
 * policies (`my-fs`, `My_FS` → the catalog's `my_fs`), when exactly one catalog integration does.
 */
export function catalogId(b: Bundle, id: string): string {
  const lower = id.toLowerCase();
  if (own.call(b.integrations, lower)) return lower;
  const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");
  const same = Object.keys(b.integrations).filter((k) => norm(k) === norm(id));
  return same.length === 1 ? same[0]! : lower;
}

/** The findings `--strict` refuses to start with. */
export function blocking(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.kind !== "not_in_catalog");
}
