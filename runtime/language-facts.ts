/**
 * Facts of the condition language that the runtime, the compiler, the editor and the test runner
 * all read, kept once (here, because `runtime/` imports nothing from outside and everything may
 * import it): the operations, the subjects with their operators and literal domains (review
 * statuses, call types, URL parts, `user` fields, array steps of argument paths), the condition
 * kinds that read session history, which conditions need the session store, and the conjuncts of
 * a condition.
 */
import type { CExpr, Operation, ReviewStatus } from "./types.js";
import { URL_PARTS } from "./canonical-url.js";

/** The operations of a tool (SPEC §3), in the order defaults and completions list them. */
export const OPERATIONS = ["Read", "Write", "Delete", "Unknown"] as const satisfies readonly Operation[];

export function isOperation(x: unknown): x is Operation {
  return typeof x === "string" && (OPERATIONS as readonly string[]).includes(x);
}

/** Condition kinds that read the session's history (what earlier events of the session or agent did). */
export const HISTORY_KINDS: ReadonlySet<CExpr["k"]> = new Set<CExpr["k"]>(["session_label", "session_called", "session_seen", "session_mark", "resource_new", "rate", "burst", "spend"]);

/** Does the condition read session history (`session has`, `resource is new`, `rate`, `burst`, `spend`)? */
export function readsHistory(e: CExpr): boolean {
  switch (e.k) {
    case "and": case "or": return e.items.some(readsHistory);
    case "not": return readsHistory(e.x);
    default: return HISTORY_KINDS.has(e.k);
  }
}

/**
 * Does deciding the condition need the session store: history, or `time` (which is read at the
 * session's clamped time, so that a session's clock never runs backwards)?
 */
export function needsState(e: CExpr): boolean {
  switch (e.k) {
    case "and": case "or": return e.items.some(needsState);
    case "not": return needsState(e.x);
    case "time": return true;
    default: return HISTORY_KINDS.has(e.k);
  }
}

/** The conjuncts of a condition: the items of nested `and`s, else the condition itself. */
export function conjunctsOf<E extends CExpr>(e: E, out: E[] = []): E[] {
  if (e.k === "and") for (const x of e.items) conjunctsOf(x as E, out);
  else out.push(e);
  return out;
}

// ---- subjects, their operators and their literal domains ----

/** Subjects that read the session or what surrounds a call (compiler/check/rules/subject-session.ts). */
export const SESSION_SUBJECTS: readonly string[] = ["session", "principal", "resource", "rate", "burst", "spend", "time", "count", "sum"];

/**
 * Every condition subject, as the checker dispatches them: `args` stands for `args.<path>` (a path
 * steps into arrays with `[n]`, `[*]` or `[all]`: `PATH_STEPS`), `user` for `user` and `user.<field>`.
 */
export const SUBJECTS: readonly string[] = [
  "integration", "tool", "operation", "method", "category", "verb", "agent", "agent.review_status", "tool.review_status",
  "call_type", "args", "body", "data_class", "command", ...SESSION_SUBJECTS, "user",
];

/** Every operator of the condition language, as written. */
export const CONDITION_OPERATORS: readonly string[] = [
  "is", "is not", "in", "not in", "matches", "contains", "contains any", "contains all", "has", "has called", "has seen",
  ">", "<", ">=", "<=", "exists", "under", "starts with", "within",
];

/** Steps of an argument path into an array: one element (`[0]`), any element, every element (an empty array included). */
export const PATH_STEPS = { index: "[n]", any: "[*]", all: "[all]" } as const;

/** The review statuses of tools and agents (the reviews file, `tool.review_status`, `agent.review_status`). */
export const REVIEW_STATUSES = ["Approved", "Unreviewed", "Disallowed"] as const satisfies readonly ReviewStatus[];

/** How a call reaches its tool (`call_type`). */
export const CALL_TYPES = ["mcp", "cli"] as const;

/** The parts of a URL argument a condition compares (`args.url host is "github.com"`), and the operators after one. */
export { URL_PARTS };
export const URL_PART_OPERATORS: readonly string[] = ["is", "is not", "in", "not in", "matches"];

/** The fields of `user` (the person behind the agent) and the operators each takes, as written. */
export const USER_FIELD_OPERATORS = {
  id: ["is", "is not", "in", "not in", "matches", "exists"],
  manager: ["is", "is not", "in", "not in", "matches", "exists"],
  roles: ["has", "in", "not in", "matches", "exists"],
  groups: ["has", "in", "not in", "matches", "exists"],
  claims: ["is", "is not", "in", "not in", "has", "matches", ">", "<", ">=", "<=", "exists"],
} as const satisfies Readonly<Record<string, readonly string[]>>;

export type UserField = keyof typeof USER_FIELD_OPERATORS;

const ENUM_OPS = ["is", "is not", "in", "not in"];
const CMP_OPS = [">", "<", ">=", "<="];

/**
 * The operators each subject takes, as written (docs/language.md, "Conditions"); for `args`, the
 * URL parts come before an operator (`args.url host is "github.com"`). The checker's rules and the
 * editor read this table; test/compiler/editor-agrees.test.ts holds it to what `check` accepts.
 */
export const SUBJECT_OPERATORS: Readonly<Record<string, readonly string[]>> = {
  integration: ENUM_OPS,
  tool: [...ENUM_OPS, "matches", "has"],
  operation: ENUM_OPS,
  method: ENUM_OPS,
  category: ENUM_OPS,
  verb: ENUM_OPS,
  agent: ENUM_OPS,
  "agent.review_status": ENUM_OPS,
  "tool.review_status": ENUM_OPS,
  call_type: ENUM_OPS,
  args: [...ENUM_OPS, "matches", "contains", ...CMP_OPS, "exists", "under", ...URL_PARTS],
  body: ["contains any", "contains all", "contains"],
  data_class: ["has", "in"],
  command: ["starts with"],
  session: ["has", "has called", "has seen"],
  principal: ["is", "is not"],
  resource: ["is", "is not"],
  rate: CMP_OPS,
  count: CMP_OPS,
  sum: CMP_OPS,
  burst: [],
  spend: CMP_OPS,
  time: ["within"],
  user: USER_FIELD_OPERATORS.id,
};

/** The field of a `user` subject (`user` → id, `user.claims.x` → claims), undefined when it names none. */
export function userFieldOf(subject: string): UserField | undefined {
  if (subject === "user") return "id";
  if (!subject.startsWith("user.")) return undefined;
  const f = subject.split(".")[1];
  return f !== undefined && Object.prototype.hasOwnProperty.call(USER_FIELD_OPERATORS, f) ? (f as UserField) : undefined;
}

/** The operators of a subject as written (`args.repo` → those of `args`, `user.roles` → those of roles). */
export function operatorsOf(subject: string): readonly string[] {
  if (subject.startsWith("user.")) {
    const f = userFieldOf(subject);
    return f ? USER_FIELD_OPERATORS[f] : [];
  }
  return SUBJECT_OPERATORS[subject.startsWith("args.") ? "args" : subject] ?? [];
}

/** The values of subjects compared with a fixed set (others take catalog names or free text). */
export const SUBJECT_LITERALS: Readonly<Record<string, readonly string[]>> = {
  operation: OPERATIONS,
  "agent.review_status": REVIEW_STATUSES,
  "tool.review_status": REVIEW_STATUSES,
  call_type: CALL_TYPES,
  principal: ["external", "internal"],
  resource: ["new"],
};
