/**
 * Source → `policy-export/1` JSON. Comments are attached to the lines they precede or end where
 * the formatter places them (grammar/comment-placement.ts, shared with the printer), so that the
 * import prints them back in the same places.
 */
import * as A from "../grammar/ast.js";
import { CommentPlacement, type Placed } from "../grammar/comment-placement.js";
import type { Span } from "../grammar/span.js";
import type { ExportDoc, JAction, JComments, JDecl, JExpr, JFile, JNumber, JPair, JPolicyItem, JStep, JValue } from "./export-types.js";

type Node = Placed;

/**
 * The comments the formatter places before the next line, collected as JSON: each comment's text,
 * and an empty string for a blank line of the source that the printer keeps.
 */
class Comments {
  private pending: string[] = [];
  readonly place: CommentPlacement;
  constructor(comments: readonly A.CommentNode[]) {
    this.place = new CommentPlacement(comments, { comment: (text) => this.pending.push(text), blank: () => this.pending.push("") });
  }

  /** What was placed since the last call. */
  take(): string[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  /** A line node: the comments before it and the one at its end. */
  line(node: Node, endLimit?: number): JComments {
    const trailing = this.place.line(node, 0, endLimit);
    const comments = this.take();
    return { ...(comments.length ? { comments } : {}), ...(trailing !== undefined ? { trailing } : {}) };
  }
}

export function valueJson(v: A.Value): JValue {
  switch (v.kind) {
    case "String": return v.value;
    case "Number": return numberJson(v);
    case "Name": return { name: v.value };
    case "Duration": return { duration: v.raw };
    case "List": return v.items.map(valueJson);
    case "Object": return { object: v.entries.map((e) => ({ key: e.key, value: valueJson(e.value), ...(e.quoted ? { quoted: true as const } : {}) })) };
    default: return A.assertNever(v);
  }
}

function numberJson(v: A.NumberValue): number | JNumber {
  return String(v.value) === v.raw ? v.value : { number: v.value, raw: v.raw };
}

export function exprJson(e: A.Expr): JExpr {
  switch (e.kind) {
    case "And": return { and: e.items.map(exprJson) };
    case "Or": return { or: e.items.map(exprJson) };
    case "Not": return { not: exprJson(e.expr) };
    case "Condition": {
      const p = e.subject.params;
      return {
        subject: e.subject.name,
        ...(e.op !== "none" ? { op: e.op } : {}),
        ...(e.value ? { value: valueJson(e.value) } : {}),
        ...(p ? { params: { ...(p.window ? { window: valueJson(p.window) } : {}), ...(p.filter ? { filter: exprJson(p.filter) } : {}), ...(p.options?.length ? { options: p.options.map((o) => o.value) } : {}) } } : {}),
        ...(e.subject.qualifier ? { qualifier: e.subject.qualifier.value } : {}),
        ...(e.unit ? { unit: e.unit.value } : {}),
        ...(e.tz ? { tz: e.tz.value } : {}),
      };
    }
    default: return A.assertNever(e);
  }
}

function actionJson(a: A.ActionNode): JAction {
  return {
    name: a.name,
    ...(a.message ? { message: a.message.value } : {}),
    ...(a.fields ? { fields: valueJson(a.fields) } : {}),
    ...(a.from ? { from: valueJson(a.from) } : {}),
    ...(a.to ? { to: a.to.value } : {}),
    ...(a.what ? { what: { word: a.what.word.value, ...(a.what.seen ? { seen: true } : {}) } } : {}),
  };
}

function itemJson(it: A.PolicyItem): JPolicyItem {
  switch (it.kind) {
    case "IdItem": return { id: it.value.value };
    case "ScopeItem": return { scope: it.scope.value, ...(it.target ? { target: it.target.value } : {}) };
    case "StatusItem": return { status: it.value.value };
    case "VersionItem": return { version: numberJson(it.value) };
    case "PriorityItem": return { priority: numberJson(it.value) };
    case "DescriptionItem": return { description: it.value.value };
    case "WhenItem": return { when: it.value.value };
    case "IfItem": return { if: exprJson(it.expr) };
    case "ActionItem": return { action: it.actions.map(actionJson) };
    default: return A.assertNever(it);
  }
}

const pairJson = (p: A.GivenPair): JPair => ({ key: p.key.value, value: valueJson(p.value) });

function stepJson(s: A.TestStep): JStep {
  switch (s.kind) {
    case "Given": return { given: s.pairs.map(pairJson) };
    case "Call": return { call: s.tool.value, ...(s.args ? { args: valueJson(s.args) } : {}) };
    case "Run": return { run: s.command.value };
    case "Message": return { message: s.direction, text: s.text.value };
    case "Discover": return { discover: s.agent.value, ...(s.pairs.length ? { pairs: s.pairs.map(pairJson) } : {}) };
    case "Respond": return { respond: { ...(s.cost ? { cost: { amount: numberJson(s.cost.amount), currency: s.cost.currency.value } } : {}), ...(s.result ? { result: valueJson(s.result) } : {}) } };
    case "Replay": return { replay: s.path.value };
    case "Expect": return {
      expect: s.what.value,
      ...(s.negated ? { negated: true as const } : {}),
      ...(s.target?.kind === "event" ? { event: numberJson(s.target.seq) } : {}),
      ...(s.target?.kind === "calls" ? { calls: s.target.tool.value } : {}),
      ...(s.argument ? { argument: valueJson(s.argument) } : {}),
      ...(s.by ? { by: valueJson(s.by) } : {}),
    };
    default: return A.assertNever(s);
  }
}

/**
 * A block: the comments before it (`lead`), the comment on `{`, children with their comments,
 * comments before `}`.
 */
function block<C, J>(cur: Comments, node: Node, children: readonly C[], span: (c: C) => Node, json: (c: C) => J) {
  const open = cur.place.open(node, 0, children[0] ? span(children[0]).span.start : undefined);
  const lead = cur.take();
  const out = children.map((c, i) => {
    const next = children[i + 1];
    const comments = cur.line(span(c), next ? span(next).span.start : node.span.end);
    return { ...json(c), ...comments };
  });
  cur.place.leading(node.span.end, 1);
  const end = cur.take();
  cur.place.close(node.span.endLine);
  return { lead, out, extra: { ...(open !== undefined ? { open } : {}), ...(end.length ? { end_comments: end } : {}) } };
}

const spanOf = <T extends { span: Span }>(x: T): Node => x;
const entrySpan = (a: { span: Span }, b: { span: Span }): Node => ({ span: { start: a.span.start, line: a.span.line, end: b.span.end, endLine: b.span.endLine } });

/** One parsed file as JSON. */
export function exportFile(ast: A.PolicyFile): JFile {
  const cur = new Comments(ast.comments);
  const declarations: JDecl[] = [];
  for (const [i, d] of ast.decls.entries()) {
    // Declarations are always separated by a blank line: a blank line before one says nothing.
    const lead = (cs: readonly string[] | undefined): { comments?: string[] } => {
      const all = i > 0 && cs?.[0] === "" ? cs.slice(1) : [...(cs ?? [])];
      return all.length ? { comments: all } : {};
    };
    switch (d.kind) {
      case "Policy": {
        const b = block(cur, d, d.items, spanOf, itemJson);
        declarations.push({ kind: "policy", name: d.name.value, ...lead(b.lead), ...b.extra, items: b.out });
        break;
      }
      case "Test": {
        const b = block(cur, d, d.steps, spanOf, stepJson);
        declarations.push({ kind: "test", name: d.name.value, ...lead(b.lead), ...b.extra, steps: b.out });
        break;
      }
      case "Default": {
        // `default for integration GitHub …`: the target, key by key.
        const target = d.for ? { for: d.for.map((t) => ({ key: t.key.value, value: valueJson(t.value) })) } : {};
        if (d.effect) {
          const c = cur.line(d);
          declarations.push({ kind: "default", ...target, effect: d.effect.value, ...lead(c.comments), ...(c.trailing !== undefined ? { trailing: c.trailing } : {}) });
        } else {
          const b = block(cur, d, d.entries ?? [], (e) => entrySpan(e.operation, e.effect), (e) => ({ operation: e.operation.value, effect: e.effect.value }));
          declarations.push({ kind: "default", ...target, by: d.by?.value ?? "operation", ...lead(b.lead), ...b.extra, entries: b.out });
        }
        break;
      }
      case "Detector": {
        const c = cur.line(d);
        declarations.push({ kind: "detector", name: d.name.value, pattern: d.pattern.source, flags: d.pattern.flags, ...(d.class ? { class: d.class.value } : {}), ...lead(c.comments), ...(c.trailing !== undefined ? { trailing: c.trailing } : {}) });
        break;
      }
      case "Organization": {
        const b = block(cur, d, d.entries, (e) => entrySpan(e.key, e.value), (e) => ({ key: e.key.value, value: valueJson(e.value) }));
        declarations.push({ kind: "organization", ...lead(b.lead), ...b.extra, entries: b.out });
        break;
      }
      default: A.assertNever(d);
    }
  }
  cur.place.rest();
  const end = cur.take();
  return { file: ast.file, declarations, ...(end.length ? { end_comments: end } : {}) };
}

/** A project's files as one export document; `keep` selects declarations (e.g. one policy). */
export function exportDocument(files: readonly { readonly file: string; readonly ast: A.PolicyFile }[], opts: { readonly generator?: string; readonly keep?: (d: A.Decl) => boolean } = {}): ExportDoc {
  const out: JFile[] = [];
  for (const f of files) {
    const j = exportFile(f.ast);
    if (!opts.keep) { out.push(j); continue; }
    const decls = j.declarations.filter((_, i) => opts.keep!(f.ast.decls[i]!));
    if (decls.length) out.push({ file: j.file, declarations: decls });
  }
  return { format: "policy-export/1", ...(opts.generator ? { generator: opts.generator } : {}), files: out };
}
