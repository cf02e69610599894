/**
 * `user …` conditions (the person behind the agent) and `args.<path> <op> user.<field>`.
 * The fields, what each accepts, and how a literal is read are one table (`FIELDS`); the runtime
 * semantics are stated in runtime/user.ts. Claims are untyped unless `policy.config.json` declares
 * them (`user_claims`): untyped, the literal fixes the comparison (`>` needs a number, `matches` a
 * string) and a claim of another type makes the condition false; declared, an unknown claim is an
 * error with a did-you-mean and the operator and literals must fit its type (`claimFits`).
 */
import type * as A from "../../../grammar/ast.js";
import type { CExpr } from "../../model.js";
import type { Cmp } from "../../../runtime/types.js";
import { globToRegexSource } from "../../../runtime/glob.js";
import { didYouMean, type PolicyScope } from "../context.js";
import { literalOf, type ArgRef } from "./subject-args.js";
import { USER_FIELD_OPERATORS, type UserField } from "../../../runtime/language-facts.js";

type Field = UserField;

interface FieldSpec {
  /** Operators as the AST spells them (`is_not`, `not_in`, `>` …): runtime/language-facts.ts `USER_FIELD_OPERATORS`. */
  readonly ops: readonly string[];
  /** How a literal is read: `string` (quoted, a person id), `word` (bare or quoted), `json` (claims). */
  readonly literal: "string" | "word" | "json";
  /** Compared with an argument: with `is` (one value) or `in` (a list). */
  readonly argOps: readonly string[];
  readonly example: string;
}

const CMP = [">", "<", ">=", "<="];
/** An operator as written (`is not`) as the AST spells it (`is_not`). */
const astOps = (f: Field): readonly string[] => USER_FIELD_OPERATORS[f].map((o) => o.replace(" ", "_"));
const FIELDS: Readonly<Record<Field, FieldSpec>> = {
  id: { ops: astOps("id"), literal: "string", argOps: ["is", "is_not"], example: "user is \"alice\"" },
  manager: { ops: astOps("manager"), literal: "string", argOps: ["is", "is_not"], example: "user.manager is \"carol\"" },
  roles: { ops: astOps("roles"), literal: "word", argOps: ["in", "not_in"], example: "user.roles has admin" },
  groups: { ops: astOps("groups"), literal: "word", argOps: ["in", "not_in"], example: "user.groups in [eng, sec]" },
  claims: { ops: astOps("claims"), literal: "json", argOps: ["is", "is_not", "in", "not_in", ...CMP], example: "user.claims.clearance >= 2" },
};

/** What each user field is, for the editor (completion after `user.`, hover). */
export const USER_FIELD_DOCS: Readonly<Record<string, string>> = {
  user: "the person behind the agent, by id (`user is \"alice\"`); false when the call carries no user",
  "user.id": "the user's id (`user.id is \"alice\"`, or `args.owner is user.id`)",
  "user.roles": "the user's roles: `user.roles has admin`, `user.roles in [admin, ops]` (any role), `args.role in user.roles`",
  "user.groups": "the user's groups: `user.groups in [eng, sec]` (any group), `user.groups has eng`",
  "user.manager": "the user's manager (a person id); `require_approval from [manager]` lets only them approve",
  "user.claims.": "a claim of the user (untyped: the literal fixes the comparison): `user.claims.clearance >= 2`, `args.level <= user.claims.clearance`",
};

/** The `user` subjects as the editor offers them. */
export const USER_SUBJECTS = ["user", "user.id", "user.roles", "user.groups", "user.manager", "user.claims.<name>"];


export function isUserSubject(name: string): boolean {
  return name === "user" || name.startsWith("user.");
}

/** `user.<field>` written as a value: compared, not a literal (bare `user` stays a word). */
export function isUserRef(v: A.Value | undefined): v is A.NameValue {
  return v?.kind === "Name" && v.value.startsWith("user.");
}

/** The field path of `user…` (`["claims", "clearance"]`), or undefined after reporting why not. */
function userPath(s: PolicyScope, name: string, span: A.Value["span"]): string[] | undefined {
  const parts = name.split(".");
  if (parts.length === 1) return ["id"];
  const f = parts[1]!;
  if (f === "claims") {
    if (parts.length > 2) return declaredClaim(s, parts.slice(2).join("."), span) ? ["claims", parts.slice(2).join(".")] : undefined;
    s.ctx.error("PDL2070", span, "`user.claims` needs a claim name", "e.g. `user.claims.clearance >= 2`");
    return undefined;
  }
  if (f in FIELDS && parts.length === 2) return [f];
  const dm = didYouMean(parts.slice(0, 2).join("."), USER_SUBJECTS.filter((x) => !x.includes("<")), span);
  s.ctx.error("PDL2070", span, `\`${name}\` is not a field of the user`, dm.hint ?? "use user.id, user.roles, user.groups, user.manager or user.claims.<name>", { fixes: dm.fixes });
  return undefined;
}

/** A claim the project declares (always true when it declares none); reports an unknown one. */
function declaredClaim(s: PolicyScope, name: string, span: A.Value["span"]): boolean {
  const claims = s.ctx.userClaims;
  if (!claims || claims.has(name)) return true;
  const dm = didYouMean(name, claims.keys(), span);
  s.ctx.error("PDL2070", span, `\`user.claims.${name}\` is not a claim declared in policy.config.json "user_claims"`,
    dm.hint ? `${dm.hint.replace(/`([^`]*)`/, "`user.claims.$1`")}` : `declared claims: ${[...claims.keys()].join(", ") || "none"}; declare it there`);
  return false;
}

/**
 * Whether `op` with `literals` fits a declared claim's type (reports why not). Undeclared claims
 * (a project without `user_claims`) are untyped: the literal fixes the comparison.
 */
function claimFits(s: PolicyScope, path: readonly string[], op: string, literals: readonly unknown[], at: { readonly span: A.Value["span"] }, withArg = false): boolean {
  const type = path[0] === "claims" ? s.ctx.userClaims?.get(path[1]!) : undefined;
  if (!type) return true;
  const list = type.endsWith("[]");
  const base = list ? type.slice(0, -2) : type;
  const name = `user.claims.${path[1]}`;
  const no = (message: string, hint?: string) => { s.ctx.error("PDL2072", at.span, message, hint); return false; };
  if (op === "matches" && base !== "string") return no(`\`matches\` needs a string, but ${name} is ${type}`);
  if (CMP.includes(op) && base !== "number") return no(`\`${op}\` needs a number, but ${name} is ${type}`, base === "string" ? "use is, in or matches" : undefined);
  if ((op === "is" || op === "is_not") && list) return no(`${name} is a list (${type})`, withArg ? "compare an argument with a list by `in`: `args.x in " + name + "`" : `use \`${name} has …\``);
  if (op === "has" && !list) return no(`\`has\` looks inside a list, but ${name} is ${type}`, `use \`${name} is …\``);
  if (withArg && (op === "in" || op === "not_in") && !list) return no(`${name} is one ${type}, not a list`, "use `is` to compare an argument with it");
  for (const v of literals) {
    const t = v === null ? "null" : typeof v;
    if (t !== base) return no(`${name} is ${type}, not ${t} (${JSON.stringify(v)})`, typeof v === "string" && base === "number" ? "write the number without quotes" : undefined);
  }
  return true;
}

const FLIP: Readonly<Record<string, string>> = { ">": "<", "<": ">", ">=": "<=", "<=": ">=" };
const neg = (op: string, leaf: CExpr): CExpr => (op === "is_not" || op === "not_in" ? { k: "not", x: leaf } : leaf);

/** `user …`, `user.<field> …`: the condition, or undefined after reporting. */
export function checkUser(c: A.Condition, s: PolicyScope, refs: ArgRef[]): CExpr | undefined {
  const path = userPath(s, c.subject.name, c.subject.span);
  if (!path) return undefined;
  const field = path[0] as Field;
  if (c.value?.kind === "Name" && c.value.value.startsWith("args.")) {
    // `user.claims.clearance >= args.level` is `args.level <= user.claims.clearance`.
    const arg = c.value;
    const op = FLIP[c.op] ?? c.op;
    return argUser(s, refs, { ...c, subject: { name: arg.value, span: arg.span }, op: op as A.Operator, value: { kind: "Name", value: c.subject.name, span: c.subject.span } }, path);
  }
  const spec = FIELDS[field];
  if (!spec.ops.includes(c.op)) {
    s.ctx.error("PDL2071", c.opSpan, `\`${c.subject.name}\` cannot be used with \`${c.op.replace("_", " ")}\``,
      `use ${spec.ops.map((o) => o.replace("_", " ")).join(", ")} (e.g. \`${spec.example}\`)`);
    return undefined;
  }
  const leaf = userLeaf(s, c, path, spec);
  if (!leaf || !claimFits(s, path, c.op, literalsOf(leaf), c)) return undefined;
  return neg(c.op, leaf);
}

function userLeaf(s: PolicyScope, c: A.Condition, path: string[], spec: FieldSpec): CExpr | undefined {
  switch (c.op) {
    case "exists": return { k: "user", path, op: "exists" };
    case "matches":
      if (c.value?.kind !== "String") return bad(s, c.value ?? c, "`matches` needs a quoted glob", `e.g. \`${c.subject.name} matches "ops-*"\``);
      return { k: "user", path, op: "matches", glob: c.value.value, re: globToRegexSource(c.value.value) };
    case ">": case "<": case ">=": case "<=":
      if (c.value?.kind !== "Number") return bad(s, c.value ?? c, `\`${c.op}\` compares with a number`, "e.g. `user.claims.clearance >= 2`, or with an argument: `args.level <= user.claims.clearance`");
      return { k: "user", path, op: c.op, n: c.value.value };
    case "in": case "not_in": {
      if (c.value?.kind !== "List") return bad(s, c.value ?? c, "`in` needs a list", `e.g. \`${c.subject.name} in [${spec.literal === "string" ? "\"alice\", \"bob\"" : "a, b"}]\``);
      const values = c.value.items.map((v) => literal(s, v, spec));
      return values.every((v) => v.ok) ? { k: "user", path, op: "in", values: values.map((v) => (v as { value: unknown }).value) } : undefined;
    }
    default: {
      if (c.value?.kind === "List") return bad(s, c.value, `\`${c.op.replace("_", " ")}\` compares with one value`, "use `in [...]` for a list");
      if (!c.value) return bad(s, c, "a value is missing", `e.g. \`${spec.example}\``);
      const v = literal(s, c.value, spec);
      return v.ok ? { k: "user", path, op: "eq", value: v.value } : undefined;
    }
  }
}

/** The literals a built condition compares with (for the claim type check). */
function literalsOf(e: CExpr): readonly unknown[] {
  return e.k !== "user" ? [] : e.op === "eq" ? [e.value] : e.op === "in" ? e.values : [];
}

function bad(s: PolicyScope, at: { readonly span: A.Value["span"] }, message: string, hint: string | undefined): undefined {
  s.ctx.error("PDL2072", at.span, message, hint);
  return undefined;
}

/** A literal of a user field: person ids are quoted strings; roles and groups words; claims JSON scalars. */
function literal(s: PolicyScope, v: A.Value, spec: FieldSpec): { ok: true; value: unknown } | { ok: false } {
  if (spec.literal === "string" && v.kind !== "String") {
    const w = v.kind === "Name" ? v.value : undefined;
    s.ctx.error("PDL2072", v.span, w ? `user ids are strings: write "${w}"` : "expected a quoted user id", `e.g. \`${spec.example}\``,
      w ? { fixes: [{ title: `Quote '${w}'`, span: v.span, text: JSON.stringify(w) }] } : undefined);
    return { ok: false };
  }
  if (spec.literal === "word" && v.kind !== "String" && v.kind !== "Name") {
    s.ctx.error("PDL2072", v.span, "expected a role or group name", `e.g. \`${spec.example}\``);
    return { ok: false };
  }
  const l = literalOf(v);
  if (!l.ok || (spec.literal === "word" && typeof l.value !== "string")) {
    s.ctx.error("PDL2072", v.span, "expected a string, number, true, false or null", `e.g. \`${spec.example}\``);
    return { ok: false };
  }
  return { ok: true, value: spec.literal === "word" && v.kind === "Name" ? v.value : l.value };
}

/** `args.<path> <op> user.<field>` (the value is a user reference). */
export function checkArgUser(c: A.Condition, s: PolicyScope, refs: ArgRef[]): CExpr | undefined {
  const ref = c.value as A.NameValue;
  const path = userPath(s, ref.value, ref.span);
  return path && argUser(s, refs, c, path);
}

function argUser(s: PolicyScope, refs: ArgRef[], c: A.Condition, userPathParts: string[]): CExpr | undefined {
  const argPath = c.subject.name.split(".").slice(1);
  if (argPath.length === 0) return bad(s, c.subject, "`args` needs a path", "e.g. `args.owner is user.id`");
  const spec = FIELDS[userPathParts[0] as Field];
  if (!spec.argOps.includes(c.op)) {
    const which = c.value && c.value.kind === "Name" ? c.value.value : "the user field";
    s.ctx.error("PDL2071", c.opSpan, `an argument cannot be compared with ${which} by \`${c.op.replace("_", " ")}\``,
      `with ${which} use ${spec.argOps.map((o) => o.replace("_", " ")).join(", ")}`);
    return undefined;
  }
  if (!claimFits(s, userPathParts, c.op, [], c, true)) return undefined;
  refs.push({ cond: c, path: argPath, op: c.op, literals: [] });
  const op: "eq" | Cmp = CMP.includes(c.op) ? (c.op as Cmp) : "eq";
  return neg(c.op, { k: "arg_user", path: argPath, op, user: userPathParts });
}
