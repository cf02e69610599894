/**
 * An independent simple index: what a team would hand-write from the bench's neutral rule
 * description (workload.ts `NeutralRule`: scope, priority, effect, `if` lines in the workload's
 * condition vocabulary). It shares no code with runtime/ or compiler/: its own line parser, its own
 * condition checks, its own tool resolution and a few regexes for the data classes the workload's
 * text can hold. A `Map` by (integration, tool) of candidate rules, built at load time; each
 * candidate's remaining checks run per call; then the decision rule (block wins; lowest priority
 * number; require_approval over allow on a tie; source order).
 */
import type { NeutralRule, WIntegration } from "./workload.js";

export interface IndepOutcome { readonly effect: "allow" | "block" | "require_approval"; readonly policy: string | null }
type Op = "Read" | "Write" | "Delete" | "Unknown";
interface Call { integration: string; name: string; key: string; known: boolean; op: Op; cli: boolean; args: Record<string, unknown>; texts: string[] }
interface Ev { tenant?: string; agent?: { name?: string; review_status?: string }; call: { type?: string; integration?: string; tool?: string; args?: Record<string, unknown>; command?: string[] } }
type Check = (c: Call, e: Ev) => boolean;

const CLASS_RE: Record<string, RegExp> = {
  SECRETS: /\bA(?:K|S)IA[0-9A-Z]{16}\b/,
  PII: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/,
  INTERNAL: /\b(?:internal only|internal use only|confidential|do not share|do not distribute|do not forward)\b/i,
};
const unq = (s: string) => (s.startsWith('"') ? (JSON.parse(s) as string) : s);
const items = (s: string) => s.slice(1, -1).split(",").map((x) => unq(x.trim())).filter((x) => x !== "");
const globRe = (g: string) => new RegExp("^" + g.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$");
const splitTop = (s: string, sep: string): string[] => {
  const out: string[] = [];
  let depth = 0, q = false, start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '"') q = !q;
    else if (!q && (ch === "(" || ch === "[")) depth++;
    else if (!q && (ch === ")" || ch === "]")) depth--;
    else if (!q && depth === 0 && s.startsWith(sep, i)) { out.push(s.slice(start, i)); start = i + sep.length; i += sep.length - 1; }
  }
  out.push(s.slice(start));
  return out;
};

function argCheck(field: string, rest: string): Check {
  const get = (c: Call) => c.args[field];
  const strs = (v: unknown): string[] => (typeof v === "string" ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  let m: RegExpMatchArray | null;
  if ((m = rest.match(/^is not (.+)$/))) { const v = unq(m[1]!); return (c) => get(c) !== v; }
  if ((m = rest.match(/^is (.+)$/))) { const v = unq(m[1]!); return (c) => get(c) === v; }
  if ((m = rest.match(/^in (\[.*\])$/))) { const vs = items(m[1]!); return (c) => vs.includes(get(c) as string); }
  if ((m = rest.match(/^matches (.+)$/))) { const re = globRe(unq(m[1]!)); return (c) => strs(get(c)).some((s) => re.test(s)); }
  if ((m = rest.match(/^contains (.+)$/))) { const v = unq(m[1]!); return (c) => { const x = get(c); return Array.isArray(x) ? x.includes(v) : typeof x === "string" && x.includes(v); }; }
  if ((m = rest.match(/^(>=|>) (\d+)$/))) { const n = Number(m[2]), ge = m[1] === ">="; return (c) => { const x = get(c); return typeof x === "number" && (ge ? x >= n : x > n); }; }
  throw new Error(`independent index: cannot read "args.${field} ${rest}"`);
}

/** One `if` line of the neutral description → a check. */
export function parseLine(line: string): Check {
  const s = line.trim();
  const ors = splitTop(s, " or ");
  if (ors.length > 1) { const cs = ors.map(parseLine); return (c, e) => cs.some((f) => f(c, e)); }
  if (s.startsWith("not (") && s.endsWith(")")) { const inner = parseLine(s.slice(5, -1)); return (c, e) => !inner(c, e); }
  if (s.startsWith("(") && s.endsWith(")")) return parseLine(s.slice(1, -1));
  let m: RegExpMatchArray | null;
  if ((m = s.match(/^integration (is|in) (.+)$/))) { const vs = m[1] === "is" ? [m[2]!] : items(m[2]!); return (c) => vs.includes(c.integration); }
  if ((m = s.match(/^operation (is|in) (.+)$/))) { const vs = m[1] === "is" ? [m[2]!] : items(m[2]!); return (c) => vs.includes(c.op); }
  if ((m = s.match(/^tool matches (.+)$/))) { const g = unq(m[1]!), re = globRe(g), dotted = g.includes("."); return (c) => re.test(dotted ? c.key : c.name); }
  if ((m = s.match(/^tool (is|in) (.+)$/))) {
    const vs = m[1] === "is" ? [m[2]!] : items(m[2]!);
    return (c) => c.known && vs.some((v) => (v.includes(".") ? v === c.key : v === c.name));
  }
  if ((m = s.match(/^agent\.review_status is (.+)$/))) { const v = unq(m[1]!); return (_c, e) => (e.agent?.review_status ?? "Unreviewed") === v; }
  if ((m = s.match(/^agent (is|in) (.+)$/))) { const vs = m[1] === "is" ? [unq(m[2]!)] : items(m[2]!); return (_c, e) => vs.includes(e.agent?.name as string); }
  if ((m = s.match(/^call_type is (\w+)$/))) { const cli = m[1] === "cli"; return (c) => c.cli === cli; }
  if ((m = s.match(/^body contains (any|all) (\[.*\])$/))) {
    const needles = items(m[2]!).map((x) => x.toLowerCase()), all = m[1] === "all";
    return (c) => { const t = c.texts.join("\u0001").toLowerCase(); return all ? needles.every((n) => t.includes(n)) : needles.some((n) => t.includes(n)); };
  }
  if ((m = s.match(/^data_class (has|in) (.+)$/))) {
    const cs = m[1] === "has" ? [m[2]!] : items(m[2]!);
    return (c) => cs.some((k) => c.texts.some((t) => CLASS_RE[k]!.test(t)));
  }
  if ((m = s.match(/^args\.(\w+) (.+)$/))) return argCheck(m[1]!, m[2]!);
  throw new Error(`independent index: cannot read "${s}"`);
}

const EFFECT_RANK = { block: 0, hide: 0 } as const;
void EFFECT_RANK;

interface Rule { readonly r: NeutralRule; readonly order: number; readonly checks: Check[]; readonly toolLevel: Check[] }

function stringsIn(v: unknown, out: string[]): void {
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) for (const x of v) stringsIn(x, out);
  else if (v && typeof v === "object") for (const x of Object.values(v)) stringsIn(x, out);
}

/** The independent index over `rules` (given in source order) and the workload's catalog. */
export function independentIndex(rules: readonly NeutralRule[], integrations: readonly WIntegration[], defaults: Record<Op, IndepOutcome["effect"]>): (e: Ev) => IndepOutcome {
  const ops = new Map<string, Op>();
  for (const ig of integrations) for (const t of ig.tools) ops.set(t.key, t.operation);
  const progs = new Map(integrations.filter((i) => i.prog).map((i) => [i.prog!, i.id]));
  const TOOL_LEVEL = /^(integration|operation|tool|call_type) /;
  const compiled: Rule[] = rules.map((r, order) => ({
    r, order,
    checks: r.ifs.filter((l) => !TOOL_LEVEL.test(l)).map(parseLine),
    toolLevel: r.ifs.filter((l) => TOOL_LEVEL.test(l)).map(parseLine),
  }));
  const resolve = (e: Ev): Call => {
    const c = e.call;
    if (c.command) {
      const [prog, verb, noun] = c.command;
      const integration = progs.get(prog!) ?? prog!;
      const name = verb && noun ? `${verb}_${noun}` : "";
      const key = `${integration}.${name}`;
      return { integration, name, key, known: ops.has(key), op: ops.get(key) ?? "Unknown", cli: true, args: {}, texts: c.command.slice() };
    }
    const integration = c.integration!.toLowerCase(), name = c.tool!.toLowerCase(), key = `${integration}.${name}`;
    const texts: string[] = [];
    stringsIn(c.args ?? {}, texts);
    return { integration, name, key, known: ops.has(key), op: ops.get(key) ?? "Unknown", cli: c.type === "cli", args: c.args ?? {}, texts };
  };
  // candidates per tool key: rules whose tool-level lines hold for that tool
  const byKey = new Map<string, Rule[]>();
  const fallback = (call: Call) => compiled.filter((x) => x.toolLevel.every((f) => f(call, {} as Ev)));
  for (const ig of integrations) for (const t of ig.tools) {
    const probe: Call = { integration: ig.id, name: t.name, key: t.key, known: true, op: t.operation, cli: ig.callType === "cli", args: {}, texts: [] };
    byKey.set(t.key, fallback(probe));
  }
  const inScope = (r: NeutralRule, e: Ev) => !r.scope || (r.scope.tenant !== undefined ? e.tenant === r.scope.tenant : e.agent?.name === r.scope.agent);
  return (e) => {
    const call = resolve(e);
    const cands = byKey.get(call.key) ?? compiled;
    let blocker: Rule | undefined, chosen: Rule | undefined;
    for (const x of cands) {
      if (!inScope(x.r, e)) continue;
      if (!call.known && !x.toolLevel.every((f) => f(call, e))) continue;
      if (!x.checks.every((f) => f(call, e))) continue;
      const eff = x.r.effect;
      if (eff === "block" || eff === "hide") { if (!blocker || x.r.priority < blocker.r.priority) blocker = x; }
      else if (eff) {
        if (!chosen || x.r.priority < chosen.r.priority || (x.r.priority === chosen.r.priority && eff === "require_approval" && chosen.r.effect === "allow")) chosen = x;
      }
    }
    if (blocker) return { effect: "block", policy: blocker.r.id };
    if (chosen) return { effect: chosen.r.effect as IndepOutcome["effect"], policy: chosen.r.id };
    return { effect: defaults[call.op], policy: null };
  };
}
