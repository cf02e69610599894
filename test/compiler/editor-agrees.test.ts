/**
 * The editor offers what the checker accepts (compiler/editor-support.ts): every operator offered
 * for a subject, with every value offered for it (or a sample value of the right kind), passes
 * `policy check`; and every operator the checker accepts for a subject is offered.
 */
import { describe, expect, it } from "vitest";
import { loadCatalog } from "../../compiler/catalog/load.js";
import { checkProject } from "../../compiler/check/index.js";
import { labelsOf, operatorsOf, SUBJECTS, subjectValues } from "../../compiler/editor-support.js";

const catalog = loadCatalog().catalog;

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
