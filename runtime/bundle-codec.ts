/**
 * The bundle as written to disk (`policy-bundle/1`, schemas/bundle.schema.json) and as the
 * runtime reads it (`Bundle`, runtime/types.ts). On disk it is compact:
 * - `conditions`: every distinct `if` line once, as `[text, condition]`; a policy's `ifs` are
 *   indexes into it (policy sets repeat their lines: `tool is …`, `agent is …`, `data_class has …`);
 * - `policies`: one array per field (columns), `null` where a policy has no value; a column no
 *   policy has a value for is left out;
 * - the index's entry lists are delta-encoded (each number is the difference to the one before:
 *   the lists are sorted, so the numbers are small).
 * The content `revision` is the hash of this compact form (runtime/revision.ts). `encodeBundle`
 * and `decodeBundle` are exact inverses on what the compiler writes; the compiler writes with
 * `encodeBundle` and the runtime reads with `decodeBundle`, so the two cannot disagree.
 * INVARIANT: decoding is only done on a checked document (runtime/bundle-check.ts).
 */
import type { Bundle, BundlePolicy, CExpr } from "./types.js";

/** A policy field, in the order the compiler writes a policy's fields; `true` when every policy has one. */
export const POLICY_COLUMNS: readonly (readonly [keyof BundlePolicy, boolean])[] = [
  ["id", true], ["name", true], ["file", true], ["line", true], ["priority", true], ["version", false], ["status", true], ["trigger", true],
  ["scope", true], ["ifs", true], ["residual", true], ["effect", false], ["reason", false], ["approvers", false], ["alerts", false], ["sanitize", false],
  ["session", false],
];

/** One distinct `if` line: its printed text and its condition. */
export type WireCondition = readonly [string, CExpr];
type Lists = Readonly<Record<string, readonly number[]>>;
type WireIndex = Record<string, unknown>;

/** The on-disk form (fields other than these are as in `Bundle`). */
export interface BundleFile extends Omit<Bundle, "policies" | "index"> {
  readonly conditions: readonly WireCondition[];
  readonly policies: Readonly<Record<string, readonly unknown[]>>;
  readonly index: WireIndex;
}

/** Is this the compact on-disk form (as opposed to a `Bundle` built in memory)? */
export function isBundleFile(b: unknown): b is BundleFile {
  const x = b as { policies?: unknown; conditions?: unknown } | null;
  return typeof x === "object" && x !== null && Array.isArray(x.conditions) && typeof x.policies === "object" && x.policies !== null && !Array.isArray(x.policies);
}

/**
 * `o[k] = v` as `JSON.parse` makes it: an own property even for the key `__proto__` (an assignment
 * would set the object's prototype instead).
 */
function put(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === "__proto__") Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

const delta = (xs: readonly number[]): number[] => xs.map((x, i) => (i ? x - xs[i - 1]! : x));
const undelta = (xs: readonly number[]): number[] => { const out = new Array<number>(xs.length); let s = 0; for (let i = 0; i < xs.length; i++) out[i] = s += xs[i]!; return out; };
const mapLists = (m: Lists, f: (xs: readonly number[]) => number[]): Record<string, number[]> => { const out: Record<string, number[]> = {}; for (const k in m) put(out, k, f(m[k]!)); return out; };

/** The index with every entry list mapped by `f` (the other fields as they are). */
function mapIndex(ix: WireIndex, f: (xs: readonly number[]) => number[]): WireIndex {
  const out: WireIndex = {};
  for (const k in ix) {
    const v = ix[k] as { tools: Lists; integrations: Lists; other: readonly number[] } | readonly number[] | undefined;
    put(out, k, Array.isArray(v) ? f(v) : v && typeof v === "object" ? { tools: mapLists((v as { tools: Lists }).tools, f), integrations: mapLists((v as { integrations: Lists }).integrations, f), other: f((v as { other: readonly number[] }).other) } : v);
  }
  return out;
}

/** The compact form of a bundle built in memory (the revision as it is). */
export function encodeBundle(b: Bundle): BundleFile {
  const seen = new Map<string, number>();
  const conditions: WireCondition[] = [];
  const refs = b.policies.map((p) => p.ifs.map((i) => {
    const key = JSON.stringify([i.text, i.expr]);
    let n = seen.get(key);
    if (n === undefined) { seen.set(key, (n = conditions.length)); conditions.push([i.text, i.expr]); }
    return n;
  }));
  const policies: Record<string, unknown[]> = {};
  for (const [f, always] of POLICY_COLUMNS) {
    const col = f === "ifs" ? refs : b.policies.map((p) => p[f] ?? null);
    if (always || col.some((v) => v !== null)) policies[f] = col;
  }
  const out: Record<string, unknown> = {};
  for (const k in b) {
    if (k === "policies") { out["conditions"] = conditions; out["policies"] = policies; }
    else put(out, k, k === "index" ? mapIndex(b.index as unknown as WireIndex, delta) : (b as unknown as Record<string, unknown>)[k]);
  }
  return out as unknown as BundleFile;
}

/** The bundle a checked compact document holds (condition objects shared between policies). */
export function decodeBundle(f: BundleFile): Bundle {
  const out: Record<string, unknown> = {};
  for (const k in f) {
    if (k === "conditions") continue;
    put(out, k, k === "policies" ? decodePolicies(f) : k === "index" ? mapIndex(f.index, undelta) : (f as unknown as Record<string, unknown>)[k]);
  }
  return out as unknown as Bundle;
}

type Col = readonly unknown[] | undefined;

/**
 * The policies of the columns, each with its fields in `POLICY_COLUMNS` order (written out, so
 * that every policy object is built the same way: a fast load).
 */
function decodePolicies(f: BundleFile): BundlePolicy[] {
  const c = f.policies as Readonly<Record<string, Col>>;
  const lines = f.conditions.map(([text, expr]) => ({ text, expr }));
  const ifs = c["ifs"] as readonly (readonly number[])[];
  const [id, name, file, line, priority, version, status, trigger, scope, residual, effect, reason, approvers, alerts, sanitize, session] =
    (["id", "name", "file", "line", "priority", "version", "status", "trigger", "scope", "residual", "effect", "reason", "approvers", "alerts", "sanitize", "session"] as const).map((k) => c[k]);
  const opt = (p: Record<string, unknown>, k: string, col: Col, i: number): void => { const v = col?.[i]; if (v !== null && v !== undefined) p[k] = v; };
  const out = new Array<BundlePolicy>(ifs.length);
  for (let i = 0; i < ifs.length; i++) {
    const p: Record<string, unknown> = { id: id![i], name: name![i], file: file![i], line: line![i], priority: priority![i] };
    opt(p, "version", version, i);
    p["status"] = status![i]; p["trigger"] = trigger![i]; p["scope"] = scope![i];
    p["ifs"] = ifs[i]!.map((n) => lines[n]);
    p["residual"] = residual![i];
    opt(p, "effect", effect, i); opt(p, "reason", reason, i); opt(p, "approvers", approvers, i); opt(p, "alerts", alerts, i); opt(p, "sanitize", sanitize, i); opt(p, "session", session, i);
    out[i] = p as unknown as BundlePolicy;
  }
  return out;
}
