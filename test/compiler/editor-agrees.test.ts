/**
 * The editor offers what the checker accepts (compiler/editor-support.ts, reading the language
 * facts of runtime/language-facts.ts): every operator offered for a subject, with every value
 * offered for it (or a sample value of the right kind), passes `policy check`; and every operator
 * the checker accepts for a subject is offered. Also for the parts of the language that come
 * after a subject: URL parts (`args.url host is …`), `user.<field>`, and the array steps of
 * argument paths (`[n]`, `[*]`, `[all]`).
 */
import { describe, expect, it } from "vitest";
import { loadCatalog } from "../../compiler/catalog/load.js";
import { checkProject } from "../../compiler/check/index.js";
import { labelsOf, operatorsOf, SUBJECTS, subjectValues, URL_PART_OPERATORS } from "../../compiler/editor-support.js";
import { CONDITION_OPERATORS, PATH_STEPS, URL_PARTS } from "../../runtime/language-facts.js";

/** The built-in catalogs, and tools whose arguments are a URL and arrays. */
const EXTRA = JSON.stringify({
  format: "policy-catalog/1",
  integrations: [{ id: "fs", name: "Files", call_type: "mcp", tools: [
    { name: "read_many", operation: "Read", arg_kinds: { "paths[*]": "path" }, args: { type: "object", properties: { paths: { type: "array", items: { type: "string" } } } } },
    { name: "fetch", operation: "Read", arg_kinds: { url: "url" }, args: { type: "object", properties: { url: { type: "string" } } } },
  ] }],
});
const catalog = loadCatalog([{ file: "fs.json", text: EXTRA }]).catalog;

/** Every operator spelling of the language. */
const OPERATORS = ["is", "is not", "in", "not in", "matches", "contains", "contains any", "contains all", "has", "has called", ">", "<", ">=", "<=", "exists", "under", "starts with", "within"];

const NUMERIC = [">", "<", ">=", "<="];

/** How a subject is written in a condition, and the lines that give it a context. */
const SUBJECT: Record<string, { text: string; context?: string }> = {
  args: { text: "args.owner", context: "if tool is github.create_issue" },
  "args#number": { text: "args.pullNumber", context: "if tool is github.merge_pull_request" },
  "args#path": { text: "args.path", context: "if tool is github.get_file_contents" },
  rate: { text: "rate(5m)" },
  spend: { text: "spend today" },
  tool: { text: "tool", context: "if integration is GitHub" },
  "args#url": { text: "args.url", context: "if tool is fs.fetch" },
  "args#array": { text: "args.paths", context: "if tool is fs.read_many" },
};

/** A value of the right kind for an operator when the subject has no set of values. */
function sampleFor(subject: string, op: string): string | undefined {
  if (op === "exists") return "";
  if (subject === "tool") return op === "matches" ? '"create_*"' : op === "in" || op === "not in" ? "[create_issue]" : op === "has" ? "private_data" : "create_issue";
  if (subject === "integration") return op.endsWith("in") ? "[GitHub]" : "GitHub";
  if (subject === "spend") return "50 USD";
  if (subject === "time") return '"Mon-Fri 09:00-18:00"';
  if (subject === "command") return '"git status"';
  if (subject === "body") return '["secret"]';
  if (subject === "user") return op.endsWith("in") ? '["alice"]' : op === "matches" ? '"svc-*"' : '"alice"';
  if ([">", "<", ">=", "<="].includes(op)) return "3";
  if (op === "in" || op === "not in" || op === "contains any" || op === "contains all") return '["x"]';
  if (op === "under") return '"src"';
  return '"x"';
}

/** The form of a subject an operator is tried on (`args` with a number argument for `>`, a path argument for `under`). */
function form(subject: string, op: string): string {
  if (subject !== "args") return subject;
  return NUMERIC.includes(op) ? "args#number" : op === "under" ? "args#path" : "args";
}

/** The values the editor offers after a subject and operator (as lsp/completion.ts chooses them), else a sample. */
function valuesFor(subject: string, op: string): readonly string[] {
  if (op === "exists") return [""];
  if (subject === "tool") return op === "has" ? labelsOf(catalog) : [sampleFor(subject, op)!];
  if (subject === "session" && op === "has called") return ["github.create_issue"];
  return subjectValues(catalog, subject)?.slice(0, 8) ?? [sampleFor(subject, op)!];
}

/** The `if` line for a subject, operator and value (a value from a known set goes in a list after `in`). */
function line(subject: string, op: string, value: string): string {
  const v = value === "" ? "" : ` ${(op === "in" || op === "not in") && !value.startsWith("[") ? `[${value}]` : value}`;
  return `if ${SUBJECT[subject]?.text ?? subject} ${op}${v}`.trimEnd();
}

/** The errors `policy check` reports for one condition. */
function errors(subject: string, condition: string): string[] {
  const ctx = SUBJECT[subject]?.context ? `  ${SUBJECT[subject]!.context}\n` : "";
  const text = `organization { domains ["acme.com"] }\npolicy "p" {\n  id p\n${ctx}  ${condition}\n  action block\n}\n`;
  return checkProject([{ file: "e.policy", text }], catalog).diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`);
}

/** Subjects whose offered operators take no value or a shape this table does not write. */
const SKIP = new Set(["burst"]);

describe("the editor offers what the checker accepts", () => {
  for (const subject of SUBJECTS.filter((s) => !SKIP.has(s))) {
    it(`${subject}: every operator and value offered passes check`, () => {
      const bad: string[] = [];
      for (const op of operatorsOf(subject).filter((o) => OPERATORS.includes(o))) {
        for (const v of valuesFor(subject, op)) {
          const cond = line(form(subject, op), op, v);
          const errs = errors(form(subject, op), cond);
          if (errs.length) bad.push(`${cond}: ${errs.join("; ")}`);
        }
      }
      expect(bad).toEqual([]);
    });

    it(`${subject}: every operator check accepts is offered`, () => {
      const offered = new Set(operatorsOf(subject));
      const accepted = OPERATORS.filter((op) => valuesFor(subject, op).some((v) => errors(form(subject, op), line(form(subject, op), op, v)).length === 0));
      expect(accepted.filter((op) => !offered.has(op))).toEqual([]);
    });
  }
});

/** A literal of a URL part for an operator. */
function partValue(part: string, op: string): string {
  const one = part === "host" ? '"github.com"' : part === "scheme" ? "https" : '"/acme"';
  if (op === "matches") return part === "host" ? '"*.github.com"' : part === "scheme" ? '"http*"' : '"/acme/*"';
  return op === "in" || op === "not in" ? `[${one}]` : one;
}

/** A literal of a `user` field for an operator (`""`: none). */
function userValue(field: string, op: string): string {
  if (op === "exists") return "";
  if (field === "user.claims.level") return NUMERIC.includes(op) ? "2" : op === "matches" ? '"a*"' : op.endsWith("in") ? '["a"]' : '"a"';
  if (field === "user.roles" || field === "user.groups") return op === "matches" ? '"ad*"' : op.endsWith("in") ? "[admin]" : "admin";
  return op === "matches" ? '"a*"' : op.endsWith("in") ? '["alice"]' : '"alice"';
}

const USER_FIELDS = ["user", "user.id", "user.roles", "user.groups", "user.manager", "user.claims.level"];

describe("the editor offers what the checker accepts after a subject", () => {
  it("the language facts name every operator of the language", () => {
    expect([...CONDITION_OPERATORS].sort()).toEqual([...OPERATORS].sort());
  });

  it("URL parts: every part offered after an argument, with every operator offered after it, passes check", () => {
    expect(operatorsOf("args.url").filter((o) => (URL_PARTS as readonly string[]).includes(o))).toEqual([...URL_PARTS]);
    const bad: string[] = [];
    for (const part of URL_PARTS) {
      for (const op of URL_PART_OPERATORS) {
        const cond = `if args.url ${part} ${op} ${partValue(part, op)}`;
        const errs = errors("args#url", cond);
        if (errs.length) bad.push(`${cond}: ${errs.join("; ")}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("URL parts: every operator check accepts after a part is offered", () => {
    const accepted = URL_PARTS.flatMap((part) => OPERATORS.filter((op) => errors("args#url", `if args.url ${part} ${op} ${partValue(part, op)}`).length === 0));
    expect([...new Set(accepted)].filter((op) => !URL_PART_OPERATORS.includes(op))).toEqual([]);
  });

  it("user fields: every operator offered passes check, and every operator check accepts is offered", () => {
    const bad: string[] = [];
    for (const field of USER_FIELDS) {
      const offered = operatorsOf(field);
      expect(offered.length, field).toBeGreaterThan(0);
      for (const op of OPERATORS) {
        const cond = `if ${field} ${op} ${userValue(field, op)}`.trimEnd();
        const errs = errors("user", cond);
        if (offered.includes(op) && errs.length) bad.push(`offered but refused: ${cond}: ${errs.join("; ")}`);
        if (!offered.includes(op) && !errs.length) bad.push(`accepted but not offered: ${cond}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("argument paths step into arrays with the steps the facts name: [n], [*] and [all]", () => {
    expect(Object.values(PATH_STEPS)).toEqual(["[n]", "[*]", "[all]"]);
    const bad: string[] = [];
    for (const step of ["[0]", PATH_STEPS.any, PATH_STEPS.all]) {
      for (const op of ["is", "in", "matches", "under"]) {
        const v = op === "in" ? '["a"]' : op === "matches" ? '"a*"' : '"a"';
        const cond = `if args.paths${step} ${op} ${v}`;
        const errs = errors("args#array", cond);
        if (errs.length) bad.push(`${cond}: ${errs.join("; ")}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
