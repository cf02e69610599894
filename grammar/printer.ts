/**
 * The printer, which is also the formatter (`policy fmt`, LSP formatting).
 * INVARIANTS: `parse(print(ast))` equals `ast` (ignoring spans); printing is idempotent;
 * every comment of the source is kept (a comment inside a multi-line expression moves before it).
 */
import * as A from "./ast.js";
import { CommentPlacement, type Placed } from "./comment-placement.js";

/** Keys written bare in the source stay bare (any name or keyword lexes as a key). */
const BARE_KEY_OR_DOTTED = /^[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*$/;
const INDENT = "  ";

export function printString(s: string): string {
  return JSON.stringify(s);
}

export function printValue(v: A.Value): string {
  switch (v.kind) {
    case "String": return printString(v.value);
    case "Number": return v.raw;
    case "Name": return v.value;
    case "Duration": return v.raw;
    case "List": return `[${v.items.map(printValue).join(", ")}]`;
    case "Object":
      if (v.entries.length === 0) return "{}";
      return `{ ${v.entries.map((e) => `${!e.quoted && BARE_KEY_OR_DOTTED.test(e.key) ? e.key : printString(e.key)}: ${printValue(e.value)}`).join(", ")} }`;
    default: return A.assertNever(v);
  }
}

const OP_TEXT: Record<A.Operator, string> = {
  is: "is", is_not: "is not", in: "in", not_in: "not in", matches: "matches", contains: "contains",
  contains_any: "contains any", contains_all: "contains all", has: "has", has_called: "has called", has_seen: "has seen", has_mark: "has mark",
  exists: "exists", within: "within", under: "under", ">": ">", "<": "<", ">=": ">=", "<=": "<=", none: "",
  starts_with: "starts with",
};

export function printCondition(c: A.Condition): string {
  let s = c.subject.name;
  if (c.subject.params) {
    const p = c.subject.params;
    const opts = (p.options ?? []).map((o) => `, ${o.value}`).join("");
    s += `(${p.window ? printValue(p.window) : ""}${opts}${p.filter ? `, ${printExpr(p.filter)}` : ""})`;
  }
  if (c.subject.qualifier) s += ` ${c.subject.qualifier.value}`;
  if (c.op === "none") return s;
  s += ` ${OP_TEXT[c.op]}`;
  if (c.value) s += ` ${printValue(c.value)}`;
  if (c.unit) s += ` ${c.unit.value}`;
  if (c.tz) s += ` tz ${printString(c.tz.value)}`;
  return s;
}

/** Prints an expression; parentheses where the tree needs them to parse back the same. */
export function printExpr(e: A.Expr): string {
  switch (e.kind) {
    case "Condition": return printCondition(e);
    // INVARIANT: the printed form of `if` lines is what policy.lock hashes; changing it invalidates locks.
    case "Or": return e.items.map((x) => (x.kind === "Or" ? `(${printExpr(x)})` : printExpr(x))).join(" or ");
    case "And": return e.items.map((x) => (x.kind === "Or" || x.kind === "And" ? `(${printExpr(x)})` : printExpr(x))).join(" and ");
    case "Not": return `not ${e.expr.kind === "Condition" || e.expr.kind === "Not" ? printExpr(e.expr) : `(${printExpr(e.expr)})`}`;
    default: return A.assertNever(e);
  }
}

export function printAction(a: A.ActionNode): string {
  let s = a.name;
  if (a.what) s += `${a.what.seen ? " seen" : ""} ${a.what.word.value}`;
  if (a.message) s += ` ${printString(a.message.value)}`;
  if (a.fields) s += ` ${printValue(a.fields)}`;
  if (a.from) s += ` from ${printValue(a.from)}`;
  if (a.to) s += ` to ${printString(a.to.value)}`;
  return s;
}

export function printPolicyItem(it: A.PolicyItem): string {
  switch (it.kind) {
    case "IdItem": return `id ${it.value.value}`;
    case "ScopeItem": return `scope ${it.scope.value}${it.target ? ` ${printString(it.target.value)}` : ""}`;
    case "StatusItem": return `status ${it.value.value}`;
    case "VersionItem": return `version ${it.value.raw}`;
    case "PriorityItem": return `priority ${it.value.raw}`;
    case "DescriptionItem": return `description ${printString(it.value.value)}`;
    case "WhenItem": return `when ${it.value.value}`;
    case "IfItem": return `if ${printExpr(it.expr)}`;
    case "ActionItem": return `action ${it.actions.map(printAction).join(", ")}`;
    default: return A.assertNever(it);
  }
}

function printPairs(pairs: readonly A.GivenPair[]): string {
  return pairs.map((p) => `${p.key.value} ${printValue(p.value)}`).join(" ");
}

export function printStep(s: A.TestStep): string {
  switch (s.kind) {
    case "Given": return `given ${printPairs(s.pairs)}`;
    case "Call": return `call ${s.tool.value}${s.args ? ` ${printValue(s.args)}` : ""}`;
    case "Run": return `run ${printString(s.command.value)}`;
    case "Message": return `message ${s.direction === "to_user" ? "to" : "from"} user ${printString(s.text.value)}`;
    case "Discover": return `discover agent ${printString(s.agent.value)}${s.pairs.length ? ` ${printPairs(s.pairs)}` : ""}`;
    case "Respond": return `respond${s.cost ? ` cost ${s.cost.amount.raw} ${s.cost.currency.value}` : ""}${s.result ? ` result ${printValue(s.result)}` : ""}`;
    case "Replay": return `replay ${printString(s.path.value)}`;
    case "Expect": {
      let out = "expect";
      if (s.negated) out += " no";
      if (s.target?.kind === "event") out += ` event ${s.target.seq.raw}`;
      if (s.target?.kind === "calls") out += ` calls to ${s.target.tool.value}`;
      out += ` ${s.what.value}`;
      if (s.argument) out += ` ${printValue(s.argument)}`;
      if (s.by) out += ` by ${s.by.kind === "String" ? printString(s.by.value) : s.by.value}`;
      if (s.from) out += ` from ${printValue(s.from)}`;
      return out;
    }
    default: return A.assertNever(s);
  }
}

/** Emits lines, interleaving the source's comments where `CommentPlacement` puts them. */
class Out {
  private readonly lines: string[] = [];
  private readonly place: CommentPlacement;
  constructor(comments: readonly A.CommentNode[]) {
    this.place = new CommentPlacement(comments, { comment: (text, depth) => this.lines.push(INDENT.repeat(depth) + text), blank: () => this.blank() });
  }

  /** Comments that start before `offset`, each on its own line. */
  leading(offset: number, depth: number): void {
    this.place.leading(offset, depth);
  }

  /** A line for a node; a comment that follows on the node's last line stays at its end. */
  line(text: string, depth: number, node?: Placed, endLimit?: number): void {
    const s = INDENT.repeat(depth) + text;
    if (!node) { this.lines.push(s); this.place.synthesised(); return; }
    const trailing = this.place.line(node, depth, endLimit);
    this.lines.push(trailing === undefined ? s : `${s} ${trailing}`);
  }

  /** The opening line of a block: a comment right after `{` stays on it. */
  open(text: string, depth: number, node: Placed, firstChild: number | undefined): void {
    const trailing = this.place.open(node, depth, firstChild);
    const s = INDENT.repeat(depth) + text;
    this.lines.push(trailing === undefined ? s : `${s} ${trailing}`);
  }

  /** The closing line of a block. */
  close(text: string, endLine: number): void {
    this.lines.push(text);
    this.place.close(endLine);
  }

  blank(): void {
    if (this.lines.length && this.lines[this.lines.length - 1] !== "") this.lines.push("");
  }

  rest(): void {
    this.place.rest();
  }

  text(): string {
    while (this.lines.length && this.lines[this.lines.length - 1] === "") this.lines.pop();
    return this.lines.length ? this.lines.join("\n") + "\n" : "";
  }
}

function block(out: Out, header: string, node: { span: A.PolicyDecl["span"] }, children: readonly { span: A.PolicyDecl["span"] }[], render: (i: number) => string): void {
  out.open(`${header} {`, 0, node, children[0]?.span.start);
  for (let i = 0; i < children.length; i++) out.line(render(i), 1, children[i], children[i + 1]?.span.start ?? node.span.end);
  out.leading(node.span.end, 1);
  out.close("}", node.span.endLine);
}

/** Widest `if` line kept on one line by `policy fmt` (indentation included). */
export const MAX_IF_WIDTH = 100;

/**
 * A policy item as `policy fmt` writes it: an `if` line wider than MAX_IF_WIDTH whose condition is
 * an `or` gets one alternative per line (`or` leading, indented once more). Only the layout
 * differs from `printPolicyItem`, which stays the one-line form the lock hashes.
 */
function printItemInFile(it: A.PolicyItem): string {
  const one = printPolicyItem(it);
  if (it.kind !== "IfItem" || it.expr.kind !== "Or" || INDENT.length + one.length <= MAX_IF_WIDTH) return one;
  const parts = it.expr.items.map((x) => (x.kind === "Or" ? `(${printExpr(x)})` : printExpr(x)));
  return [`if ${parts[0]}`, ...parts.slice(1).map((p) => `${INDENT.repeat(2)}or ${p}`)].join("\n");
}

/** Formats a whole file. */
export function print(file: A.PolicyFile): string {
  const out = new Out(file.comments);
  file.decls.forEach((d, i) => {
    if (i > 0) out.blank();
    switch (d.kind) {
      case "Policy":
        block(out, `policy ${printString(d.name.value)}`, d, d.items, (j) => printItemInFile(d.items[j]!));
        break;
      case "Test":
        block(out, `test ${printString(d.name.value)}`, d, d.steps, (j) => printStep(d.steps[j]!));
        break;
      case "Default": {
        const head = `default${d.for ? ` for ${d.for.map((t) => `${t.key.value} ${printValue(t.value)}`).join(" ")}` : ""}`;
        if (d.effect) out.line(`${head} ${d.effect.value}`, 0, d);
        else {
          const entries = d.entries ?? [];
          const spans = entries.map((e) => ({ span: { ...e.operation.span, end: e.effect.span.end, endLine: e.effect.span.endLine } }));
          block(out, `${head} by ${d.by?.value ?? "operation"}`, d, spans, (j) => `${entries[j]!.operation.value}: ${entries[j]!.effect.value}`);
        }
        break;
      }
      case "Detector":
        out.line(`detector ${d.name.value} /${d.pattern.source}/${d.pattern.flags}${d.class ? ` class ${d.class.value}` : ""}`, 0, d);
        break;
      case "Organization": {
        const spans = d.entries.map((e) => ({ span: { ...e.key.span, end: e.value.span.end, endLine: e.value.span.endLine } }));
        block(out, "organization", d, spans, (j) => `${d.entries[j]!.key.value} ${printValue(d.entries[j]!.value)}`);
        break;
      }
      default:
        A.assertNever(d);
    }
  });
  out.rest();
  return out.text();
}
