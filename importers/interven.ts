/**
 * Imports the Interven rule format (seed 001: policies of rules with `rule_id`, `priority`,
 * `match`, `condition(s)` and an `action`) as `.policy` source. Each rule becomes one policy.
 * What the language cannot say is reported; such a rule is imported as a `draft` with a comment,
 * so that it is never enforced before someone reviews it. Unknown tools, operations, conditions
 * or actions are errors that name the rule and the value.
 */
import type { Catalog, CatalogIntegration, CatalogTool } from "../compiler/catalog/catalog.js";
import { printString } from "../grammar/printer.js";
import { slug } from "../compiler/check/policy.js";
import { suggest } from "../compiler/check/context.js";

/** Interven `tool_name` values that are not catalog ids. */
const TOOL_ALIASES: Record<string, string> = { gdrive: "google_drive", drive: "google_drive", googledrive: "google_drive", aws: "aws_iam", iam: "aws_iam", confluence: "confluence", jira: "jira", sfdc: "salesforce" };
const OPERATION_VERBS: Record<string, string> = { READ: "Read", WRITE: "Write", DELETE: "Delete" };
const DATA_CLASSES = new Set(["SECRETS", "PII", "INTERNAL", "CREDENTIALS"]);
const CONTENT_FIELDS = ["text", "content", "body", "message", "initial_comment", "email_message", "description", "title", "value"];
const CONDITIONS = ["is_external_principal", "has_data_class", "body_contains_any", "body_contains_all", "new_resource", "volume_burst"];
const MATCH_KEYS = ["tool_name", "operations", "verbs", "org_patterns", "repo_patterns", "channel_patterns"];

export interface RuleReport {
  readonly policy: string;
  readonly rule: string;
  /** The id of the `.policy` policy it became. */
  readonly id: string;
  readonly status: "converted" | "approximated" | "failed";
  /** What could not be expressed, what was inferred, or what is wrong. */
  readonly notes: readonly string[];
}

export interface IntervenImport {
  /** The `.policy` source (empty when any rule failed). */
  readonly text: string;
  readonly rules: readonly RuleReport[];
  /** Errors: unknown tool, operation, condition value or action; malformed input. */
  readonly errors: readonly string[];
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => !!v && typeof v === "object" && !Array.isArray(v);
const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === "string") ? v as string[] : undefined);
const list = (xs: readonly string[], f: (s: string) => string = (s) => s) => (xs.length === 1 ? f(xs[0]!) : `[${xs.map(f).join(", ")}]`);
const op1 = (xs: readonly string[]) => (xs.length === 1 ? "is" : "in");
const quote = (s: string) => printString(s);
/** A bare word the lexer accepts, else a string. */
const word = (s: string) => (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(s) ? s : quote(s));

/** The policies of an Interven document: one policy, a list of them, or `{policies: [...]}`. */
function policiesOf(doc: unknown): Json[] | string {
  if (Array.isArray(doc)) return doc.every(isObj) ? doc : "the document is a list, but not of policy objects";
  if (isObj(doc) && Array.isArray(doc["policies"])) return policiesOf(doc["policies"]);
  if (isObj(doc) && Array.isArray(doc["rules"])) return [doc];
  return "expected an Interven policy ({\"name\", \"rules\": [...]}), a list of them, or {\"policies\": [...]}";
}

function findIntegration(catalog: Catalog, toolName: string): CatalogIntegration | undefined {
  const n = toolName.toLowerCase();
  return catalog.integration(TOOL_ALIASES[n] ?? n);
}

function findTool(integ: CatalogIntegration, op: string, toolName: string): CatalogTool | undefined {
  const o = op.toLowerCase();
  const prefixes = new Set([integ.id, toolName.toLowerCase(), ...[...integ.tools.keys()].map((k) => k.split("_")[0]!)]);
  const candidates = [o, ...[...prefixes].map((p) => `${p}_${o}`)];
  for (const c of candidates) { const t = integ.tools.get(c); if (t) return t; }
  return undefined;
}

interface Converted { lines: string[]; notes: string[]; approximate: boolean; error?: string }

function convertMatch(m: Json, catalog: Catalog, where: string, out: Converted): { integ?: CatalogIntegration; tools: CatalogTool[] } {
  for (const k of Object.keys(m)) if (!MATCH_KEYS.includes(k)) { out.notes.push(`match key "${k}" is not known: ignored`); out.approximate = true; }
  const tn = m["tool_name"];
  let integ: CatalogIntegration | undefined;
  if (tn !== undefined) {
    if (typeof tn !== "string") { out.error = `${where}: match.tool_name must be a string`; return { tools: [] }; }
    if (tn !== "*") {
      integ = findIntegration(catalog, tn);
      if (!integ) {
        const s = suggest(tn, [...catalog.integrations.keys(), ...Object.keys(TOOL_ALIASES)]);
        out.error = `${where}: unknown tool_name "${tn}"${s ? ` (did you mean "${s}"?)` : ""}`;
        return { tools: [] };
      }
      out.lines.push(`if integration is ${integ.id}`);
    }
  }
  const ops = m["operations"];
  const tools: CatalogTool[] = [];
  if (ops !== undefined) {
    const xs = strings(ops);
    if (!xs) { out.error = `${where}: match.operations must be a list of strings`; return { tools }; }
    const methods: string[] = [];
    const categories: string[] = [];
    const verbs: string[] = [];
    let any = false;
    for (const op of xs) {
      if (op === "*") { any = true; continue; }
      const c = /^(method|category|verb):(.+)$/i.exec(op);
      if (c) {
        const v = c[2]!.trim();
        if (c[1]!.toLowerCase() === "method") methods.push(v.toUpperCase());
        else if (c[1]!.toLowerCase() === "category") categories.push(v.toLowerCase());
        else verbs.push(v.toLowerCase());
        continue;
      }
      if (!integ) { out.error = `${where}: operation "${op}" needs match.tool_name to say which integration it belongs to`; return { tools }; }
      const t = findTool(integ, op, String(tn));
      if (!t) {
        const s = suggest(op, [...integ.tools.keys()]) ?? suggest(`${integ.id}_${op}`, [...integ.tools.keys()]);
        out.error = `${where}: unknown operation "${op}" for tool_name "${String(tn)}" (${integ.name})${s ? `: did you mean "${s}"?` : `; its tools are ${[...integ.tools.keys()].slice(0, 8).join(", ")}, …`}`;
        return { tools };
      }
      tools.push(t);
    }
    if (any && (tools.length || methods.length || categories.length || verbs.length)) out.notes.push("operations \"*\" matches every operation: the other operations listed add nothing");
    if (!any) {
      const parts: string[] = [];
      if (tools.length) parts.push(`tool ${op1(tools.map((t) => t.name))} ${list(tools.map((t) => t.name))}`);
      if (methods.length) parts.push(`method ${op1(methods)} ${list(methods)}`);
      if (categories.length) parts.push(`category ${op1(categories)} ${list(categories, word)}`);
      if (verbs.length) parts.push(`verb ${op1(verbs)} ${list(verbs, word)}`);
      if (parts.length) out.lines.push(`if ${parts.join(" or ")}`);
    }
  }
  const vs = m["verbs"];
  if (vs !== undefined) {
    const xs = strings(vs);
    if (!xs) { out.error = `${where}: match.verbs must be a list of strings`; return { tools }; }
    const opsOut: string[] = [];
    const toolVerbs: string[] = [];
    const known = new Set((integ ? [...integ.tools.values()] : catalog.allTools()).flatMap((t) => t.verbs));
    for (const v of xs) {
      const o = OPERATION_VERBS[v.toUpperCase()];
      if (o) opsOut.push(o);
      else if (known.has(v.toLowerCase())) toolVerbs.push(v.toLowerCase());
      else { out.notes.push(`verb "${v}" has no equivalent (operations are Read, Write, Delete; tool verbs are words like create, delete): the rule is imported without it, as a draft`); out.approximate = true; }
    }
    const parts: string[] = [];
    if (opsOut.length) parts.push(`operation ${op1(opsOut)} ${list(opsOut)}`);
    if (toolVerbs.length) parts.push(`verb ${op1(toolVerbs)} ${list(toolVerbs, word)}`);
    if (parts.length) out.lines.push(`if ${parts.join(" or ")}`);
  }
  const pat = (key: string, f: (p: string) => string | undefined) => {
    const v = m[key];
    if (v === undefined) return;
    const xs = strings(v);
    if (!xs || !xs.length) { out.error = `${where}: match.${key} must be a non-empty list of strings`; return; }
    const parts = xs.map(f);
    if (parts.some((p) => p === undefined)) return;
    out.lines.push(`if ${parts.length > 1 ? parts.map((p) => (p!.includes(" and ") ? `(${p})` : p)).join(" or ") : parts[0]}`);
  };
  const github = integ?.id === "github" || integ?.id === "git";
  const noPatterns = (key: string) => { out.notes.push(`match.${key} applies to ${key === "channel_patterns" ? "Slack channels" : "GitHub organisations and repositories"}; "${String(tn)}" has none: ignored, imported as a draft`); out.approximate = true; return undefined; };
  pat("org_patterns", (p) => {
    if (!github) return noPatterns("org_patterns");
    const [org, repo] = p.split("/", 2) as [string, string | undefined];
    return repo === undefined || repo === "*" ? `args.owner matches ${quote(org)}` : `args.owner matches ${quote(org)} and args.repo matches ${quote(repo)}`;
  });
  pat("repo_patterns", (p) => {
    if (!github) return noPatterns("repo_patterns");
    const i = p.indexOf("/");
    return i < 0 ? `args.repo matches ${quote(p)}` : `args.owner matches ${quote(p.slice(0, i))} and args.repo matches ${quote(p.slice(i + 1))}`;
  });
  pat("channel_patterns", (p) => {
    if (integ?.id !== "slack") return noPatterns("channel_patterns");
    const bare = p.replace(/^#/, "");
    return `args.channel_id matches ${quote(`#${bare}`)} or args.channel_id matches ${quote(bare)}`;
  });
  return { ...(integ ? { integ } : {}), tools };
}

function convertConditions(c: Json, where: string, out: Converted): void {
  for (const [k, v] of Object.entries(c)) {
    const bool = () => { if (typeof v !== "boolean") { out.error = `${where}: condition ${k} must be true or false`; return undefined; } return v; };
    const strs = () => { const xs = strings(v); if (!xs || !xs.length) { out.error = `${where}: condition ${k} must be a non-empty list of strings`; return undefined; } return xs; };
    switch (k) {
      case "is_external_principal": { const b = bool(); if (b !== undefined) out.lines.push(`if principal is ${b ? "external" : "internal"}`); break; }
      case "has_data_class": {
        const xs = strs();
        if (!xs) break;
        const bad = xs.filter((x) => !DATA_CLASSES.has(x.toUpperCase()));
        if (bad.length) { out.error = `${where}: unknown data class ${bad.map((b) => `"${b}"`).join(", ")} (built-in classes: ${[...DATA_CLASSES].join(", ")})`; break; }
        const up = xs.map((x) => x.toUpperCase());
        out.lines.push(up.length === 1 ? `if data_class has ${up[0]}` : `if data_class in [${up.join(", ")}]`);
        break;
      }
      case "body_contains_any": case "body_contains_all": {
        const xs = strs();
        if (xs) out.lines.push(`if body contains ${k.endsWith("any") ? "any" : "all"} [${xs.map(quote).join(", ")}]`);
        break;
      }
      case "new_resource": { const b = bool(); if (b !== undefined) out.lines.push(`if resource is ${b ? "new" : "not new"}`); break; }
      case "volume_burst": { const b = bool(); if (b !== undefined) out.lines.push(b ? "if burst" : "if not burst"); break; }
      default: {
        const s = suggest(k, CONDITIONS);
        out.notes.push(`condition "${k}" is not an Interven condition this importer knows${s ? ` (did you mean "${s}"?)` : ""}: left out, imported as a draft`);
        out.approximate = true;
      }
    }
  }
}

function convertAction(rule: Json, policyName: string, where: string, tools: readonly CatalogTool[], integ: CatalogIntegration | undefined, out: Converted): string | undefined {
  const raw = rule["action"] ?? rule["actions"];
  const a = isObj(raw) ? raw["type"] : Array.isArray(raw) && raw.length === 1 ? raw[0] : raw;
  if (typeof a !== "string") { out.error = `${where}: the rule has no action (DENY, ALLOW, SANITIZE or REQUIRE_APPROVAL)`; return undefined; }
  const reason = typeof rule["message"] === "string" ? rule["message"] : typeof rule["reason"] === "string" ? rule["reason"] : policyName;
  switch (a.toUpperCase()) {
    case "DENY": case "BLOCK": return `action block ${quote(reason)}`;
    case "ALLOW": return "action allow";
    case "REQUIRE_APPROVAL": case "APPROVAL": return `action require_approval ${quote(reason)}`;
    case "ALERT": return `action alert ${quote(reason)}`;
    case "SANITIZE": {
      const given = strings((isObj(raw) ? raw["sanitize_fields"] : undefined) ?? rule["sanitize_fields"]);
      let fields = given?.map((f) => (f.startsWith("args.") ? f : `args.${f}`));
      if (!fields?.length) {
        const pool = tools.length ? tools : integ ? [...integ.tools.values()] : [];
        const have = new Set(pool.flatMap((t) => Object.keys((t.args?.["properties"] as Json | undefined) ?? {})));
        fields = CONTENT_FIELDS.filter((f) => have.has(f)).map((f) => `args.${f}`);
        if (!fields.length) { out.error = `${where}: SANITIZE without sanitize_fields, and the matched tools have no text field to sanitize`; return undefined; }
        out.notes.push(`no sanitize_fields: sanitizing ${fields.join(", ")} (the text fields of the matched tools)`);
      }
      return `action sanitize [${fields.join(", ")}]`;
    }
    default: {
      const s = suggest(a, ["DENY", "ALLOW", "SANITIZE", "REQUIRE_APPROVAL"]);
      out.error = `${where}: unknown action "${a}"${s ? ` (did you mean "${s}"?)` : " (use DENY, ALLOW, SANITIZE or REQUIRE_APPROVAL)"}`;
      return undefined;
    }
  }
}

/** Converts an Interven document into `.policy` source and a report. */
export function importInterven(doc: unknown, catalog: Catalog, opts: { readonly source?: string; /** Scope every policy to this tenant (seed 001: the tenant's starter rules). */ readonly tenant?: string } = {}): IntervenImport {
  const pols = policiesOf(doc);
  if (typeof pols === "string") return { text: "", rules: [], errors: [pols] };
  const rules: RuleReport[] = [];
  const errors: string[] = [];
  const blocks: string[] = [];
  const ids = new Set<string>();
  pols.forEach((pol, pi) => {
    const pname = typeof pol["name"] === "string" ? pol["name"] : `Imported policy ${pi + 1}`;
    const rs = Array.isArray(pol["rules"]) ? pol["rules"] : [];
    if (!rs.length) errors.push(`policy "${pname}": no rules`);
    rs.forEach((rule: unknown, ri) => {
      const rid = isObj(rule) && typeof rule["rule_id"] === "string" ? rule["rule_id"] : `${slug(pname)}-${ri + 1}`;
      const where = `policy "${pname}", rule "${rid}"`;
      let id = slug(rid);
      for (let n = 2; ids.has(id); n++) id = `${slug(rid)}-${n}`;
      ids.add(id);
      const out: Converted = { lines: [], notes: [], approximate: false };
      if (!isObj(rule)) { errors.push(`${where}: a rule must be an object`); rules.push({ policy: pname, rule: rid, id, status: "failed", notes: ["not an object"] }); return; }
      const name = rs.length === 1 ? pname : `${pname}: ${rid}`;
      const prio = rule["priority"];
      if (prio !== undefined && (typeof prio !== "number" || !Number.isInteger(prio) || prio < 0)) out.error = `${where}: priority must be a whole number ≥ 0, not ${JSON.stringify(prio)}`;
      const match = rule["match"];
      let m: { integ?: CatalogIntegration; tools: CatalogTool[] } = { tools: [] };
      if (!out.error) {
        if (match === undefined) { out.notes.push("no match: the rule applies to every tool call"); }
        else if (!isObj(match)) out.error = `${where}: match must be an object`;
        else m = convertMatch(match, catalog, where, out);
      }
      const cond = rule["condition"] ?? rule["conditions"];
      if (!out.error && cond !== undefined) {
        if (!isObj(cond)) out.error = `${where}: condition must be an object`;
        else convertConditions(cond, where, out);
      }
      const action = out.error ? undefined : convertAction(rule, name, where, m.tools, m.integ, out);
      for (const k of Object.keys(rule)) if (!["rule_id", "priority", "match", "condition", "conditions", "action", "actions", "sanitize_fields", "message", "reason", "enabled", "description"].includes(k)) { out.notes.push(`rule key "${k}" is not known: ignored`); }
      if (out.error || !action) {
        errors.push(out.error ?? `${where}: cannot be converted`);
        rules.push({ policy: pname, rule: rid, id, status: "failed", notes: [out.error ?? "cannot be converted", ...out.notes] });
        return;
      }
      const disabled = rule["enabled"] === false;
      const draft = out.approximate || disabled;
      const lines = [`policy ${quote(name)} {`, `  id ${id}`];
      if (opts.tenant !== undefined) lines.push(`  scope tenant ${quote(opts.tenant)}`);
      if (draft) lines.push(`  status draft${out.approximate ? " # imported with approximations: review before activating" : " # disabled in Interven"}`);
      if (typeof prio === "number") lines.push(`  priority ${prio}`);
      const desc = typeof rule["description"] === "string" ? rule["description"] : undefined;
      if (desc) lines.push(`  description ${quote(desc)}`);
      for (const l of out.lines) lines.push(`  ${l}`);
      lines.push(`  ${action}`, "}");
      const notes = out.notes.map((n) => `# import: ${n}`);
      blocks.push([...notes, ...lines].join("\n"));
      rules.push({ policy: pname, rule: rid, id, status: out.approximate ? "approximated" : "converted", notes: out.notes });
    });
  });
  if (errors.length) return { text: "", rules, errors };
  const header = `# Imported from ${opts.source ?? "an Interven rule document"} (policy import --from interven).\n# One policy per rule; DENY → block, REQUIRE_APPROVAL → require_approval, SANITIZE → sanitize.\n\n`;
  return { text: header + blocks.join("\n\n") + "\n", rules, errors };
}
