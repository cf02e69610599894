/**
 * Atoms and regions as the language writes them: `agent is "Cursor"`, `args.repo matches
 * "secrets-*"`, and their negations (`agent is not "Cursor"`). A kind this file does not know is
 * printed as `condition <kind> …` with its JSON, never dropped.
 */
import type { CExpr } from "../../runtime/types.js";
import type { AtomExpr, AtomTable } from "./atoms.js";
import type { Lit } from "./dims.js";

const q = (v: unknown) => JSON.stringify(v);
const list = (xs: readonly unknown[], f: (x: unknown) => string = q) => `[${xs.map(f).join(", ")}]`;
const bare = (x: unknown) => String(x);

/** An `is`/`in` condition: `<subject> is X` for one value, `<subject> in [..]` for several. */
function isIn(subject: string, xs: readonly unknown[], f: (x: unknown) => string = q): string {
  return xs.length === 1 ? `${subject} is ${f(xs[0])}` : `${subject} in ${list(xs, f)}`;
}

function argText(x: Extract<CExpr, { k: "arg" }>): string {
  const s = `args.${x.path.join(".")}`;
  switch (x.op) {
    case "eq": return `${s} is ${q(x.value)}`;
    case "in": return `${s} in ${list(x.values)}`;
    case "matches": return `${s} matches ${q(x.glob)}`;
    case "contains": return `${s} contains ${q(x.value)}`;
    case "exists": return `${s} exists`;
    default: return `${s} ${x.op} ${x.n}`;
  }
}

function userText(x: Extract<CExpr, { k: "user" }>): string {
  const s = `user.${x.path.join(".")}`;
  switch (x.op) {
    case "eq": return `${s} is ${q(x.value)}`;
    case "in": return `${s} in ${list(x.values)}`;
    case "matches": return `${s} matches ${q(x.glob)}`;
    case "exists": return `${s} exists`;
    default: return `${s} ${x.op} ${x.n}`;
  }
}

function windowText(ms: number): string {
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`;
}

/** `rate(…)`, `count(session, …)` or `sum(args.x, …)` as written (a filter is shown as `…`). */
function rateText(x: Extract<AtomExpr, { k: "rate" }>): string {
  const name = x.sum ? "sum" : x.period === "session" && (!x.scope || x.scope === "session") ? "count" : "rate";
  const window = x.period === "day" ? "today" : x.period === "hour" ? "this hour" : x.period === "session" ? "session" : windowText(x.windowMs);
  const params = [...(x.sum ? [`args.${x.sum.join(".")}`] : []), window, ...(x.scope && x.scope !== "session" ? [x.scope] : []), ...(x.allowed ? ["allowed"] : []), ...(x.filter ? ["…"] : [])];
  return `${name}(${params.join(", ")}) ${x.cmp} ${x.n}`;
}

/** A leaf as the language writes it. */
export function atomText(x: AtomExpr): string {
  switch (x.k) {
    case "tenant": return `tenant is ${q(x.tenant)}`;
    case "policy_active": return `policy ${x.id} is active`;
    case "ambiguous_path": return "a path argument is ambiguous (blocked before any policy)";
    case "definition_changed": return "the tool's definition changed";
    case "tool_review": return isIn("tool.review_status", x.values, bare);
    case "command_prefix": return x.prefixes.length === 1 ? `command starts with ${q(x.prefixes[0]!.join(" "))}` : `command starts with one of ${list(x.prefixes.map((p) => p.join(" ")))}`;
    case "integration": return isIn("integration", x.ids, bare);
    case "tool": return isIn("tool", x.keys, bare);
    case "tool_glob": return `tool matches ${q(x.glob)}`;
    case "label": return `tool has ${x.label}`;
    case "operation": return isIn("operation", x.ops, bare);
    case "method": return isIn("method", x.values, bare);
    case "category": return isIn("category", x.values, bare);
    case "verb": return isIn("verb", x.values, bare);
    case "agent": return isIn("agent", x.names);
    case "review": return isIn("agent.review_status", x.values, bare);
    case "call_type": return isIn("call_type", x.values, bare);
    case "arg": return argText(x);
    case "body": return `body contains ${x.mode} ${list(x.needles)}`;
    case "data_class": return isIn("data_class", x.classes, bare).replace("data_class is", "data_class has");
    case "session_label": return `session has ${x.label}`;
    case "session_called": return `session has called ${x.key}`;
    case "principal_external": return "principal is external";
    case "resource_new": return "resource is new";
    case "rate": return rateText(x);
    case "burst": return x.scope ? `burst(${x.scope})` : "burst";
    case "session_seen": return `session has seen ${x.cls}`;
    case "session_mark": return `session has mark ${q(x.mark)}`;
    case "spend": return `spend today ${x.cmp} ${x.amount} ${x.currency}`;
    case "time": return `time within ${q(x.spec)} tz ${q(x.tz)}`;
    case "user": return userText(x);
    case "arg_user": return `args.${x.path.join(".")} ${x.op === "eq" ? "is" : x.op} user.${x.user.join(".")}`;
    default: return `condition ${q(x)}`;
  }
}

/** A literal: the atom, or its negation written the way a person would (`is not`, `not in`). */
export function litText(x: AtomExpr, holds: boolean): string {
  const t = atomText(x);
  if (holds) return t;
  if (x.k === "policy_active") return `policy ${x.id} is not active`;
  if (x.k === "ambiguous_path") return "every path argument reads one way";
  if (x.k === "definition_changed") return "the tool's definition is as pinned";
  if (x.k === "arg" && x.op === "exists") return `args.${x.path.join(".")} does not exist`;
  if (x.k === "label") return `tool does not have ${x.label}`;
  if (x.k === "session_label") return `session does not have ${x.label}`;
  if (x.k === "session_called") return `session has not called ${x.key}`;
  if (x.k === "principal_external") return "principal is not external";
  if (x.k === "resource_new") return "resource is not new";
  if (x.k === "data_class") return `not ${t}`;
  const m = /^(\S+) (is|in) /.exec(t);
  if (m) return `${m[1]} ${m[2] === "is" ? "is not" : "not in"} ${t.slice(m[0].length)}`;
  return `not (${t})`;
}

/** The one value a one-valued atom names (`agent is "A"`, `tenant is "t"`), else undefined. */
function single(x: AtomExpr): unknown {
  switch (x.k) {
    case "agent": return x.names.length === 1 ? x.names[0] : undefined;
    case "review": case "call_type": return x.values.length === 1 ? x.values[0] : undefined;
    case "tenant": return x.tenant;
    default: return undefined;
  }
}

function values(x: AtomExpr): readonly unknown[] {
  return x.k === "agent" ? x.names : x.k === "review" || x.k === "call_type" ? x.values : x.k === "tenant" ? [x.tenant] : [];
}

/** Drops the literals another one implies: `agent is not "B"` beside `agent is "A"`. */
export function simplify(atoms: AtomTable, lits: readonly Lit[]): Lit[] {
  const fixed = new Map<string, unknown>();
  for (const [i, v] of lits) { const a = atoms.atoms[i]!; const one = single(a.x); if (v && one !== undefined) fixed.set(a.dim, one); }
  return lits.filter(([i, v]) => {
    const a = atoms.atoms[i]!;
    return v || !fixed.has(a.dim) || values(a.x).includes(fixed.get(a.dim)) || !["agent", "review", "call_type", "tenant"].includes(a.x.k);
  });
}

/** A region (a conjunction of literals) in words; `every call` when it has none. */
export function regionText(atoms: AtomTable, lits: readonly Lit[], empty = "every call"): string {
  if (!lits.length) return empty;
  return simplify(atoms, lits).sort(([a], [b]) => (atoms.atoms[a]!.dim < atoms.atoms[b]!.dim ? -1 : atoms.atoms[a]!.dim > atoms.atoms[b]!.dim ? 1 : a - b))
    .map(([i, v]) => litText(atoms.atoms[i]!.x, v)).join(" and ");
}
