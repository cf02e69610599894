/**
 * `policy-export/1` JSON → `.policy` source. The text is generated line by line as the formatter
 * prints it, then parsed and exported again: the import is accepted only when that gives back the
 * same JSON, so nothing is silently lost or reinterpreted.
 */
import { isDeepStrictEqual } from "node:util";
import * as A from "../grammar/ast.js";
import { parse } from "../grammar/index.js";
import type { Diagnostic } from "../grammar/diagnostic.js";
import { diagnostic } from "../compiler/diagnostics/codes.js";
import { LineMap, type Span } from "../grammar/span.js";
import { printAction, printExpr, printPolicyItem, printStep, printString, printValue } from "../grammar/printer.js";
import { readJson } from "../compiler/json/validate.js";
import { exportFile } from "./export-json.js";
import type { ExportDoc, JAction, JComments, JDecl, JExpr, JFile, JPair, JPolicyItem, JStep, JValue } from "./export-types.js";

const S: Span = { file: "", start: 0, end: 0, line: 1, column: 1, endLine: 1, endColumn: 1 };
const name = (value: string): A.NameValue => ({ kind: "Name", value, span: S });
const str = (value: string): A.StringValue => ({ kind: "String", value, span: S });
const num = (v: number | { number: number; raw: string }): A.NumberValue => (typeof v === "number" ? { kind: "Number", value: v, raw: String(v), span: S } : { kind: "Number", value: v.number, raw: v.raw, span: S });

export function valueAst(v: JValue): A.Value {
  if (typeof v === "string") return str(v);
  if (typeof v === "number") return num(v);
  if (Array.isArray(v)) return { kind: "List", items: (v as readonly JValue[]).map(valueAst), span: S };
  const o = v as Exclude<JValue, string | number | readonly JValue[]>;
  if ("name" in o) return name(o.name);
  if ("duration" in o) return { kind: "Duration", raw: o.duration, ms: 0, span: S };
  if ("number" in o) return num(o);
  return { kind: "Object", entries: o.object.map((e) => ({ key: e.key, keySpan: S, quoted: !!e.quoted, value: valueAst(e.value) })), span: S };
}

export function exprAst(e: JExpr): A.Expr {
  if ("and" in e) return { kind: "And", items: e.and.map(exprAst), span: S };
  if ("or" in e) return { kind: "Or", items: e.or.map(exprAst), span: S };
  if ("not" in e) return { kind: "Not", expr: exprAst(e.not), span: S };
  const p = e.params;
  return {
    kind: "Condition",
    subject: {
      name: e.subject, span: S,
      ...(e.qualifier !== undefined ? { qualifier: name(e.qualifier) } : {}),
      ...(p ? { params: { window: p.window !== undefined ? valueAst(p.window) : undefined, filter: p.filter ? exprAst(p.filter) : undefined, ...(p.options?.length ? { options: p.options.map(name) } : {}), span: S } } : {}),
    },
    op: (e.op ?? "none") as A.Operator,
    opSpan: S,
    ...(e.value !== undefined ? { value: valueAst(e.value) } : {}),
    ...(e.unit !== undefined ? { unit: name(e.unit) } : {}),
    ...(e.tz !== undefined ? { tz: str(e.tz) } : {}),
    span: S,
  };
}

function actionAst(a: JAction): A.ActionNode {
  const list = (v: JValue | undefined) => (v === undefined ? undefined : (valueAst(v) as A.ListValue));
  const fields = list(a.fields);
  const from = list(a.from);
  return { kind: "Action", name: a.name, nameSpan: S, ...(a.message !== undefined ? { message: str(a.message) } : {}), ...(fields ? { fields } : {}), ...(from ? { from } : {}), ...(a.to !== undefined ? { to: str(a.to) } : {}), ...(a.what ? { what: { seen: a.what.seen === true, word: name(a.what.word) } } : {}), span: S };
}

function itemText(it: JPolicyItem): string {
  let node: A.PolicyItem;
  if ("id" in it) node = { kind: "IdItem", value: name(it.id), span: S };
  else if ("scope" in it) node = { kind: "ScopeItem", scope: name(it.scope), ...(it.target !== undefined ? { target: str(it.target) } : {}), span: S };
  else if ("status" in it) node = { kind: "StatusItem", value: name(it.status), span: S };
  else if ("version" in it) node = { kind: "VersionItem", value: num(it.version), span: S };
  else if ("priority" in it) node = { kind: "PriorityItem", value: num(it.priority), span: S };
  else if ("description" in it) node = { kind: "DescriptionItem", value: str(it.description), span: S };
  else if ("when" in it) node = { kind: "WhenItem", value: name(it.when), span: S };
  else if ("if" in it) return `if ${printExpr(exprAst(it.if))}`;
  else return `action ${it.action.map((a) => printAction(actionAst(a))).join(", ")}`;
  return printPolicyItem(node);
}

const pairAst = (p: JPair): A.GivenPair => ({ key: name(p.key), value: valueAst(p.value) });

function stepText(s: JStep): string {
  let node: A.TestStep;
  if ("given" in s) node = { kind: "Given", pairs: s.given.map(pairAst), span: S };
  else if ("call" in s) node = { kind: "Call", tool: name(s.call), ...(s.args !== undefined ? { args: valueAst(s.args) as A.ObjectValue } : {}), span: S };
  else if ("run" in s) node = { kind: "Run", command: str(s.run), span: S };
  else if ("message" in s) node = { kind: "Message", direction: s.message === "from_user" ? "from_user" : "to_user", text: str(s.text), span: S };
  else if ("discover" in s) node = { kind: "Discover", agent: str(s.discover), pairs: (s.pairs ?? []).map(pairAst), span: S };
  else if ("respond" in s) node = { kind: "Respond", ...(s.respond.cost ? { cost: { amount: num(s.respond.cost.amount), currency: name(s.respond.cost.currency) } } : {}), ...(s.respond.result !== undefined ? { result: valueAst(s.respond.result) as A.ObjectValue } : {}), span: S };
  else if ("replay" in s) node = { kind: "Replay", path: str(s.replay), span: S };
  else {
    const by = s.by !== undefined ? valueAst(s.by) : undefined;
    node = {
      kind: "Expect", negated: !!s.negated, what: name(s.expect), span: S,
      ...(s.event !== undefined ? { target: { kind: "event" as const, seq: num(s.event) } } : s.calls !== undefined ? { target: { kind: "calls" as const, tool: name(s.calls) } } : {}),
      ...(s.argument !== undefined ? { argument: valueAst(s.argument) as A.StringValue | A.ListValue } : {}),
      ...(by ? { by: by as A.StringValue | A.NameValue } : {}),
    };
  }
  return printStep(node);
}

/** Lines as the formatter prints them. */
class Lines {
  readonly out: string[] = [];
  /** Comments on their own lines; an empty string is a blank line of the source. */
  comments(cs: readonly string[] | undefined, depth: number): void {
    for (const c of cs ?? []) if (c === "") this.blank(); else this.out.push("  ".repeat(depth) + c);
  }
  line(text: string, depth: number, c: JComments = {}): void {
    this.comments(c.comments, depth);
    this.out.push("  ".repeat(depth) + text + (c.trailing !== undefined ? ` ${c.trailing}` : ""));
  }
  blank(): void { if (this.out.length && this.out[this.out.length - 1] !== "") this.out.push(""); }
  block(header: string, d: { open?: string; end_comments?: readonly string[] }, children: readonly (JComments & { text: string })[]): void {
    this.out.push(header + " {" + (d.open !== undefined ? ` ${d.open}` : ""));
    for (const c of children) this.line(c.text, 1, c);
    this.comments(d.end_comments, 1);
    this.out.push("}");
  }
  text(): string {
    while (this.out.length && this.out[this.out.length - 1] === "") this.out.pop();
    return this.out.length ? this.out.join("\n") + "\n" : "";
  }
}

const cm = (c: JComments): JComments => ({ ...(c.comments ? { comments: c.comments } : {}), ...(c.trailing !== undefined ? { trailing: c.trailing } : {}) });

/** The source text of one exported file. */
export function fileText(f: JFile): string {
  const L = new Lines();
  f.declarations.forEach((d: JDecl, i) => {
    if (i > 0) L.blank();
    L.comments(d.comments, 0);
    switch (d.kind) {
      case "policy": L.block(`policy ${printString(d.name)}`, d, d.items.map((it) => ({ ...cm(it), text: itemText(it) }))); break;
      case "test": L.block(`test ${printString(d.name)}`, d, d.steps.map((s) => ({ ...cm(s), text: stepText(s) }))); break;
      case "default": {
        const head = `default${d.for ? ` for ${d.for.map((t) => `${t.key} ${printValue(valueAst(t.value))}`).join(" ")}` : ""}`;
        if ("entries" in d) L.block(`${head} by ${d.by}`, d, d.entries.map((e) => ({ ...cm(e), text: `${e.operation}: ${e.effect}` })));
        else L.line(`${head} ${d.effect}`, 0, { ...(d.trailing !== undefined ? { trailing: d.trailing } : {}) });
        break;
      }
      case "detector": L.line(`detector ${d.name} /${d.pattern}/${d.flags}${d.class !== undefined ? ` class ${d.class}` : ""}`, 0, { ...(d.trailing !== undefined ? { trailing: d.trailing } : {}) }); break;
      case "organization": L.block("organization", d, d.entries.map((e) => ({ ...cm(e), text: `${e.key} ${printValue(valueAst(e.value))}` }))); break;
    }
  });
  L.comments(f.end_comments, 0);
  return L.text();
}

/** Sets every policy of a document to `status draft` (seed 003: an imported copy lands in Draft). */
export function asDrafts(doc: ExportDoc): ExportDoc {
  return {
    ...doc,
    files: doc.files.map((f) => ({
      ...f,
      declarations: f.declarations.map((d) => {
        if (d.kind !== "policy") return d;
        const at = d.items.findIndex((i) => "status" in i);
        // A deprecated policy stays deprecated: it is history, never enforced.
        if (at >= 0 && (d.items[at] as { status?: unknown }).status === "deprecated") return d;
        if (at >= 0) return { ...d, items: d.items.map((it, j) => (j === at ? { ...it, status: "draft" } as JPolicyItem : it)) };
        const idAt = d.items.findIndex((i) => "id" in i);
        const items = [...d.items];
        items.splice(idAt + 1, 0, { status: "draft" });
        return { ...d, items };
      }),
    })),
  };
}

export interface ImportedFile {
  readonly file: string;
  readonly text: string;
}

/** Reads an export document: the files it holds, or diagnostics naming what is wrong. */
export function importDocument(text: string, file: string): { files: ImportedFile[]; diagnostics: Diagnostic[] } {
  const r = readJson<ExportDoc>(text, file, "policy-export.schema.json", "PDL5030");
  if (!r.value) return { files: [], diagnostics: r.diagnostics };
  return importParsed(r.value, file);
}

export function importParsed(doc: ExportDoc, file: string): { files: ImportedFile[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const files: ImportedFile[] = [];
  const at = new LineMap(file, "").span(0, 0);
  const seen = new Set<string>();
  for (const f of doc.files) {
    if (seen.has(f.file)) { diagnostics.push(diagnostic("PDL5030", at, `file "${f.file}" appears twice in the export`, "merge its declarations into one entry")); continue; }
    seen.add(f.file);
    const src = fileText(f);
    const parsed = parse(src, f.file);
    const errs = parsed.diagnostics.filter((d) => d.severity === "error");
    if (errs.length) {
      for (const e of errs.slice(0, 5)) diagnostics.push(diagnostic("PDL5030", at, `${f.file}: the declarations do not make valid source (line ${e.span.line}: ${e.message})`, "fix the JSON value the message names"));
      continue;
    }
    const back = exportFile(parsed.ast);
    if (!isDeepStrictEqual(JSON.parse(JSON.stringify(back)), JSON.parse(JSON.stringify(stripGenerated(f))))) {
      const i = back.declarations.findIndex((d, j) => !isDeepStrictEqual(JSON.parse(JSON.stringify(d)), JSON.parse(JSON.stringify(f.declarations[j]))));
      diagnostics.push(diagnostic("PDL5030", at, `${f.file}: declaration ${i + 1} cannot be written as source exactly as given (a name with spaces, a comment without "#", …)`, "compare it with what `policy export` produces"));
      continue;
    }
    files.push({ file: f.file, text: src });
  }
  return { files, diagnostics };
}

function stripGenerated(f: JFile): JFile {
  return { file: f.file, declarations: f.declarations, ...(f.end_comments?.length ? { end_comments: f.end_comments } : {}) };
}
