/**
 * What is at an offset of a parsed file: an integration or tool name, a policy's id or name, a
 * test's `by` reference, a detector, an `args.` path, an action. Hover, definition, references
 * and rename start from here. Also walks every name of a file (semantic tokens).
 */
import type * as A from "../grammar/ast.js";
import type { Span } from "../grammar/span.js";
import { itemsOf } from "../compiler/check/context.js";
import { spanHas } from "./positions.js";

export type Target =
  | { readonly kind: "integration"; readonly name: string; readonly span: Span }
  | { readonly kind: "tool"; readonly name: string; readonly span: Span; readonly policy?: A.PolicyDecl }
  | { readonly kind: "label"; readonly name: string; readonly span: Span }
  | { readonly kind: "policyId"; readonly name: string; readonly span: Span; readonly policy: A.PolicyDecl }
  | { readonly kind: "policyName"; readonly name: string; readonly span: Span; readonly policy: A.PolicyDecl }
  | { readonly kind: "policyRef"; readonly name: string; readonly span: Span; readonly quoted: boolean }
  | { readonly kind: "detector"; readonly name: string; readonly span: Span; readonly decl: A.DetectorDecl }
  | { readonly kind: "dataClass"; readonly name: string; readonly span: Span }
  | { readonly kind: "arg"; readonly name: string; readonly span: Span; readonly policy: A.PolicyDecl }
  /** `result.<path>` (`when tool_response`): `name` without `result.`. */
  | { readonly kind: "result"; readonly name: string; readonly span: Span; readonly policy: A.PolicyDecl }
  | { readonly kind: "subject"; readonly name: string; readonly span: Span }
  | { readonly kind: "action"; readonly name: string; readonly span: Span };

/** Every name-like node of a file with what it is, in source order. */
export function targetsOf(file: A.PolicyFile): Target[] {
  const out: Target[] = [];
  for (const d of file.decls) {
    switch (d.kind) {
      case "Policy": {
        out.push({ kind: "policyName", name: d.name.value, span: d.name.span, policy: d });
        for (const it of d.items) {
          if (it.kind === "IdItem") out.push({ kind: "policyId", name: it.value.value, span: it.value.span, policy: d });
          else if (it.kind === "IfItem") exprTargets(it.expr, d, out);
          else if (it.kind === "ActionItem") for (const a of it.actions) out.push({ kind: "action", name: a.name, span: a.nameSpan });
        }
        break;
      }
      case "Test":
        for (const s of d.steps) {
          if (s.kind === "Call") out.push({ kind: "tool", name: s.tool.value, span: s.tool.span });
          if (s.kind === "Expect") {
            if (s.target?.kind === "calls") out.push({ kind: "tool", name: s.target.tool.value, span: s.target.tool.span });
            if (s.by) out.push({ kind: "policyRef", name: s.by.value, span: s.by.span, quoted: s.by.kind === "String" });
          }
        }
        break;
      case "Detector":
        out.push({ kind: "detector", name: d.name.value, span: d.name.span, decl: d });
        if (d.class) out.push({ kind: "dataClass", name: d.class.value, span: d.class.span });
        break;
      case "Default": case "Organization": break;
    }
  }
  return out.sort((a, b) => a.span.start - b.span.start);
}

function exprTargets(e: A.Expr, policy: A.PolicyDecl, out: Target[]): void {
  switch (e.kind) {
    case "And": case "Or": for (const x of e.items) exprTargets(x, policy, out); return;
    case "Not": exprTargets(e.expr, policy, out); return;
    case "Condition": {
      const name = e.subject.name;
      if (name.startsWith("args.")) out.push({ kind: "arg", name: name.slice(5), span: e.subject.span, policy });
      else if (name.startsWith("result.")) out.push({ kind: "result", name: name.slice(7), span: e.subject.span, policy });
      else out.push({ kind: "subject", name, span: e.subject.span });
      if (e.subject.params?.filter) exprTargets(e.subject.params.filter, policy, out);
      const values = itemsOf(e.value).filter((v): v is A.NameValue | A.StringValue => v.kind === "Name" || v.kind === "String");
      for (const v of values) {
        if (name === "integration") out.push({ kind: "integration", name: v.value, span: v.span });
        else if (name === "tool" && e.op === "has") out.push({ kind: "label", name: v.value, span: v.span });
        else if (name === "tool" && e.op !== "matches") out.push({ kind: "tool", name: v.value, span: v.span, policy });
        else if (name === "session" && e.op === "has_called") out.push({ kind: "tool", name: v.value, span: v.span });
        else if (name === "session" && e.op === "has") out.push({ kind: "label", name: v.value, span: v.span });
        else if (name === "data_class") out.push({ kind: "dataClass", name: v.value, span: v.span });
      }
      return;
    }
  }
}

/** The innermost target at an offset. */
export function targetAt(file: A.PolicyFile, offset: number): Target | undefined {
  let best: Target | undefined;
  for (const t of targetsOf(file)) {
    if (!spanHas(t.span, offset)) continue;
    if (!best || t.span.end - t.span.start < best.span.end - best.span.start) best = t;
  }
  return best;
}

/** The declaration containing an offset. */
export function declAt(file: A.PolicyFile, offset: number): A.Decl | undefined {
  return file.decls.find((d) => d.span.start <= offset && offset <= d.span.end);
}

/** The span of a policy that a reference should jump to: its id when written, else its name. */
export function policyAnchor(p: A.PolicyDecl): Span {
  const id = p.items.find((it): it is A.IdItem => it.kind === "IdItem");
  return id ? id.value.span : p.name.span;
}
