/**
 * The body of a policy as the lock sees it: the printed header line and every printed item
 * except `status` and `version` (changing those is the lifecycle, not an edit). Comments and
 * layout are not part of the body, so `policy fmt` never counts as a change.
 */
import { createHash } from "node:crypto";
import type * as A from "../grammar/ast.js";
import type { Span } from "../grammar/span.js";
import { printPolicyItem, printString } from "../grammar/printer.js";

export interface BodyLine {
  /** The printed line (`if integration is GitHub`). */
  readonly text: string;
  /** Where it is in the source. */
  readonly span: Span;
  /** Short hash of the printed line (what the lock records per line). */
  readonly hash: string;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The lines of a policy's body, in source order. */
export function policyBody(p: A.PolicyDecl): BodyLine[] {
  const lines: { text: string; span: Span }[] = [{ text: `policy ${printString(p.name.value)}`, span: p.name.span }];
  for (const it of p.items) {
    if (it.kind === "StatusItem" || it.kind === "VersionItem") continue;
    lines.push({ text: printPolicyItem(it), span: it.span });
  }
  return lines.map((l) => ({ ...l, hash: sha256(l.text).slice(0, 12) }));
}

/** The content hash of a body: `sha256:<hex>` of its printed lines. */
export function bodyHash(lines: readonly BodyLine[]): string {
  return `sha256:${sha256(lines.map((l) => l.text).join("\n"))}`;
}

/**
 * The first line of `now` that differs from the recorded line hashes `before` (common prefix and
 * suffix removed). `removed` is true when lines were only deleted: then `index` is the line after
 * the deletion (or `now.length` when they were at the end).
 */
export function firstChange(before: readonly string[], now: readonly BodyLine[]): { index: number; removed: boolean } | undefined {
  let a = 0;
  while (a < before.length && a < now.length && before[a] === now[a]!.hash) a++;
  if (a === before.length && a === now.length) return undefined;
  let b = 0;
  while (b < before.length - a && b < now.length - a && before[before.length - 1 - b] === now[now.length - 1 - b]!.hash) b++;
  const added = now.length - a - b;
  return { index: a, removed: added === 0 };
}
