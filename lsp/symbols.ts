/**
 * Document symbols (the outline: policies, tests, defaults, detectors, the organization) and
 * workspace symbols (the same, across every checked project, filtered by the query).
 */
import { SymbolKind, type DocumentSymbol, type SymbolInformation } from "vscode-languageserver";
import type * as A from "../grammar/ast.js";
import { slug } from "../compiler/check/index.js";
import { toRange } from "./positions.js";

function symbolOf(d: A.Decl): DocumentSymbol {
  const range = toRange(d.span);
  switch (d.kind) {
    case "Policy": {
      const id = d.items.find((i): i is A.IdItem => i.kind === "IdItem")?.value.value ?? slug(d.name.value);
      const action = d.items.find((i): i is A.ActionItem => i.kind === "ActionItem")?.actions.map((a) => a.name).join(", ");
      return { name: d.name.value, detail: `${id}${action ? ` · ${action}` : ""}`, kind: SymbolKind.Class, range, selectionRange: toRange(d.name.span) };
    }
    case "Test":
      return { name: d.name.value, detail: "test", kind: SymbolKind.Method, range, selectionRange: toRange(d.name.span) };
    case "Default":
      return { name: "default", detail: d.effect?.value ?? "by operation", kind: SymbolKind.Constant, range, selectionRange: toRange(d.effect?.span ?? d.span) };
    case "Detector":
      return { name: d.name.value, detail: `detector · ${d.class?.value ?? "INTERNAL"}`, kind: SymbolKind.Variable, range, selectionRange: toRange(d.name.span) };
    case "Organization":
      return { name: "organization", kind: SymbolKind.Namespace, range, selectionRange: range };
  }
}

export function documentSymbols(ast: A.PolicyFile): DocumentSymbol[] {
  return ast.decls.map(symbolOf);
}

export function workspaceSymbols(files: readonly { uri: string; ast: A.PolicyFile }[], query: string): SymbolInformation[] {
  const q = query.toLowerCase();
  const out: SymbolInformation[] = [];
  for (const f of files) {
    for (const d of f.ast.decls) {
      const s = symbolOf(d);
      if (q && !`${s.name} ${s.detail ?? ""}`.toLowerCase().includes(q)) continue;
      out.push({ name: s.name, kind: s.kind, location: { uri: f.uri, range: s.selectionRange }, ...(s.detail ? { containerName: s.detail } : {}) });
    }
  }
  return out;
}
