/**
 * Pinned tool definitions: what of an MCP tool (`tools/list` entry) is pinned — its name, title,
 * description, input and output schema and annotations, as the server gave them — the hash that
 * identifies it, and what differs between a pinned definition and a live one (`description`,
 * `inputSchema.properties.path.description`, …). Shared by `catalog import` (which pins), `policy
 * build` (which ships the pins in the bundle), `catalog diff` and the enforcement point (which compares).
 */
import { createHash } from "node:crypto";
import type { ToolPin } from "../../runtime/types.js";

/** The parts of a tool definition that are pinned (everything the model reads, and the hints). */
export const PINNED_FIELDS = ["name", "title", "description", "inputSchema", "outputSchema", "annotations"] as const;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The pinned part of a raw MCP tool (other fields, such as `_meta`, are left out). */
export function definitionOf(raw: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of PINNED_FIELDS) if (raw[f] !== undefined) out[f] = raw[f];
  return out;
}

/** JSON with object keys sorted at every level: equal definitions give equal text. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (isObj(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(",")}}`;
  return JSON.stringify(v) ?? "null";
}

export function definitionHash(def: unknown): string {
  return `sha256:${createHash("sha256").update(canonicalJson(def)).digest("hex")}`;
}

/** The pin of a raw MCP tool definition. */
export function pinOf(raw: Readonly<Record<string, unknown>>): ToolPin {
  const definition = definitionOf(raw);
  return { hash: definitionHash(definition), definition };
}

/** A path for a report: `inputSchema.properties.path` (keys that are not plain words are quoted). */
function join(path: readonly string[]): string {
  return path.map((p, i) => (/^[A-Za-z_$][\w$-]*$/.test(p) ? (i ? `.${p}` : p) : `[${JSON.stringify(p)}]`)).join("");
}

/**
 * Where two definitions differ: `description`, `title`, `annotations.destructiveHint`,
 * `inputSchema.properties.path.description`, … (at most `limit` paths, deepest differing value;
 * an added or removed key is reported at the key). Empty when they are equal.
 */
export function definitionChanges(pinned: unknown, live: unknown, limit = 20): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, path: string[]): void => {
    if (out.length >= limit) return;
    if (isObj(a) && isObj(b)) {
      for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) walk(a[k], b[k], [...path, k]);
      return;
    }
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      a.forEach((x, i) => walk(x, b[i], [...path, String(i)]));
      return;
    }
    if ((a === undefined) !== (b === undefined) || canonicalJson(a) !== canonicalJson(b)) out.push(path.length ? join(path) : "(definition)");
  };
  walk(pinned, live, []);
  return out;
}
