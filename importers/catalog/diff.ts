/**
 * Re-import: the difference between an old and a new catalog. Tools added and removed,
 * operations changed, and argument-schema changes classified as incompatible (a policy or a
 * recorded session written against the old schema may break) or compatible.
 */
import type { CatalogJson, CatalogToolJson, JsonSchema, Operation } from "../../compiler/catalog/types.js";

/** The kinds of argument-schema change. */
export type ArgChangeKind =
  | "property-removed" | "property-added" | "type-changed" | "type-widened" | "enum-narrowed"
  | "enum-widened" | "became-required" | "no-longer-required" | "closed" | "opened";

/** One change in a tool's argument schema, at an `args.` path. */
export interface ArgChange {
  readonly kind: ArgChangeKind;
  /** `args.labels[]`, `args.state`, … (`args` for the root). */
  readonly path: string;
  readonly compatible: boolean;
  readonly message: string;
}

/** A tool in a diff. */
export interface ToolRef {
  readonly integration: string;
  readonly tool: string;
}

/** The result of `diffCatalogs`. */
export interface CatalogDiff {
  readonly added: readonly ToolRef[];
  readonly removed: readonly ToolRef[];
  readonly operationChanged: readonly (ToolRef & { readonly from: Operation; readonly to: Operation })[];
  readonly labelsChanged: readonly (ToolRef & { readonly added: readonly string[]; readonly removed: readonly string[] })[];
  readonly argsChanged: readonly (ToolRef & { readonly changes: readonly ArgChange[] })[];
  /** True when anything could break existing policies: removals, operation changes, incompatible arg changes. */
  readonly incompatible: boolean;
}

function types(s: JsonSchema): string[] | undefined {
  if (s.type === undefined) return undefined;
  return (Array.isArray(s.type) ? [...(s.type as string[])] : [s.type as string]).sort();
}

/** Old type set ⊆ new type set (integer ⊂ number) → widened. */
function widened(oldT: string[], newT: string[]): boolean {
  return oldT.every((t) => newT.includes(t) || (t === "integer" && newT.includes("number")));
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function compareSchemas(oldS: JsonSchema, newS: JsonSchema, path: string, out: ArgChange[]): void {
  const ot = types(oldS);
  const nt = types(newS);
  if (ot !== undefined && nt !== undefined && !sameJson(ot, nt)) {
    const wide = widened(ot, nt);
    out.push({ kind: wide ? "type-widened" : "type-changed", path, compatible: wide,
      message: `type ${ot.join("|")} → ${nt.join("|")}` });
    if (!wide) return;
  } else if (ot === undefined && nt !== undefined) {
    out.push({ kind: "type-changed", path, compatible: false, message: `type (any) → ${nt.join("|")}` });
  }
  if (Array.isArray(newS.enum)) {
    const oldEnum = Array.isArray(oldS.enum) ? oldS.enum : undefined;
    const gone = oldEnum === undefined ? ["(any value)"] : oldEnum.filter((v) => !newS.enum!.some((n) => sameJson(n, v))).map((v) => JSON.stringify(v));
    if (gone.length > 0) out.push({ kind: "enum-narrowed", path, compatible: false, message: `no longer allowed: ${gone.join(", ")}` });
    const extra = oldEnum === undefined ? [] : newS.enum.filter((v) => !oldEnum.some((o) => sameJson(o, v)));
    if (extra.length > 0) out.push({ kind: "enum-widened", path, compatible: true, message: `now also allowed: ${extra.map((v) => JSON.stringify(v)).join(", ")}` });
  } else if (Array.isArray(oldS.enum)) {
    out.push({ kind: "enum-widened", path, compatible: true, message: "enum removed (any value allowed)" });
  }
  const oldProps = oldS.properties ?? {};
  const newProps = newS.properties ?? {};
  const oldReq = new Set(oldS.required ?? []);
  const newReq = new Set(newS.required ?? []);
  for (const key of Object.keys(oldProps)) {
    const p = `${path}.${key}`;
    if (!(key in newProps)) {
      out.push({ kind: "property-removed", path: p, compatible: false, message: `property '${key}' removed` });
      continue;
    }
    compareSchemas(oldProps[key]!, newProps[key]!, p, out);
  }
  for (const key of Object.keys(newProps)) {
    if (key in oldProps) continue;
    const req = newReq.has(key);
    out.push({ kind: req ? "became-required" : "property-added", path: `${path}.${key}`, compatible: !req,
      message: req ? `new required property '${key}'` : `new optional property '${key}'` });
  }
  for (const key of newReq) {
    if (!oldReq.has(key) && key in oldProps) {
      out.push({ kind: "became-required", path: `${path}.${key}`, compatible: false, message: `'${key}' became required` });
    }
  }
  for (const key of oldReq) {
    if (!newReq.has(key) && key in newProps) {
      out.push({ kind: "no-longer-required", path: `${path}.${key}`, compatible: true, message: `'${key}' is no longer required` });
    }
  }
  if (oldS.additionalProperties !== false && newS.additionalProperties === false) {
    out.push({ kind: "closed", path, compatible: false, message: "additional properties no longer allowed" });
  } else if (oldS.additionalProperties === false && newS.additionalProperties !== false) {
    out.push({ kind: "opened", path, compatible: true, message: "additional properties now allowed" });
  }
  if (oldS.items !== undefined && newS.items !== undefined) compareSchemas(oldS.items, newS.items, `${path}[]`, out);
}

/** Argument-schema changes of one tool (empty when equal). */
export function diffArgs(oldArgs: JsonSchema | undefined, newArgs: JsonSchema | undefined): ArgChange[] {
  const out: ArgChange[] = [];
  compareSchemas(oldArgs ?? {}, newArgs ?? {}, "args", out);
  return out;
}

function toolMap(c: CatalogJson): Map<string, { integration: string; tool: CatalogToolJson }> {
  const m = new Map<string, { integration: string; tool: CatalogToolJson }>();
  for (const i of c.integrations) for (const t of i.tools) m.set(`${i.id}\u0000${t.name}`, { integration: i.id, tool: t });
  return m;
}

/** What changed between an old catalog and a re-imported one. */
export function diffCatalogs(old: CatalogJson, next: CatalogJson): CatalogDiff {
  const before = toolMap(old);
  const after = toolMap(next);
  const added: ToolRef[] = [];
  const removed: ToolRef[] = [];
  const operationChanged: (ToolRef & { from: Operation; to: Operation })[] = [];
  const labelsChanged: (ToolRef & { added: string[]; removed: string[] })[] = [];
  const argsChanged: (ToolRef & { changes: ArgChange[] })[] = [];
  for (const [key, { integration, tool }] of after) if (!before.has(key)) added.push({ integration, tool: tool.name });
  for (const [key, { integration, tool: o }] of before) {
    const n = after.get(key)?.tool;
    if (n === undefined) {
      removed.push({ integration, tool: o.name });
      continue;
    }
    const ref = { integration, tool: o.name };
    if (o.operation !== n.operation) operationChanged.push({ ...ref, from: o.operation, to: n.operation });
    const ol = o.labels ?? [];
    const nl = n.labels ?? [];
    const la = nl.filter((l) => !ol.includes(l));
    const lr = ol.filter((l) => !nl.includes(l));
    if (la.length + lr.length > 0) labelsChanged.push({ ...ref, added: la, removed: lr });
    const changes = diffArgs(o.args, n.args);
    if (changes.length > 0) argsChanged.push({ ...ref, changes });
  }
  const incompatible = removed.length > 0 || operationChanged.length > 0 ||
    argsChanged.some((t) => t.changes.some((c) => !c.compatible));
  return { added, removed, operationChanged, labelsChanged, argsChanged, incompatible };
}

/** Render a diff as text or JSON. */
export function formatDiff(diff: CatalogDiff, format: "text" | "json" = "text"): string {
  if (format === "json") return `${JSON.stringify(diff, null, 2)}\n`;
  const name = (r: ToolRef): string => `${r.integration}.${r.tool}`;
  const lines: string[] = [];
  for (const r of diff.added) lines.push(`+ ${name(r)} (new tool)`);
  for (const r of diff.removed) lines.push(`- ${name(r)} (removed; incompatible)`);
  for (const r of diff.operationChanged) lines.push(`~ ${name(r)}: operation ${r.from} → ${r.to}`);
  for (const r of diff.labelsChanged) {
    lines.push(`~ ${name(r)}: labels ${[...r.added.map((l) => `+${l}`), ...r.removed.map((l) => `-${l}`)].join(" ")}`);
  }
  for (const r of diff.argsChanged) {
    for (const c of r.changes) lines.push(`~ ${name(r)}: ${c.path}: ${c.message} (${c.compatible ? "compatible" : "incompatible"})`);
  }
  if (lines.length === 0) lines.push("no changes");
  else lines.push(diff.incompatible ? "re-import has incompatible changes" : "re-import is compatible");
  return `${lines.join("\n")}\n`;
}
