/**
 * The suggested risk of a tool, from what it is (operation, labels, whether a catalog knows it,
 * its review) and what it was observed to do (blocked or held calls, a changed definition).
 * Points: operation Read 0, Write 1, Delete or Unknown 2; +1 for each of `external_communication`
 * and `private_data`; +1 when Disallowed; +2 when its definition changed; +1 when calls to it were
 * blocked. 0 → low, 1 → medium, 2 → high, 3 or more → critical. Every point is given as a reason.
 */
import type { Operation } from "../runtime/types.js";

export type Risk = "low" | "medium" | "high" | "critical";
export const RISKS: readonly Risk[] = ["low", "medium", "high", "critical"];

export interface RiskInput {
  readonly operation: Operation;
  readonly labels: readonly string[];
  readonly in_catalog: boolean;
  readonly review_status: string;
  readonly changed: readonly string[];
  readonly effects: { readonly block: number; readonly require_approval: number };
}

export function riskOf(t: RiskInput): { risk: Risk; reasons: string[] } {
  const reasons: string[] = [];
  let points = 0;
  const add = (n: number, why: string) => { points += n; reasons.push(why); };
  if (t.operation === "Write") add(1, "writes");
  if (t.operation === "Delete") add(2, "deletes");
  if (t.operation === "Unknown") add(2, t.in_catalog ? "operation unknown" : "not in any catalog (operation unknown)");
  if (t.labels.includes("external_communication")) add(1, "communicates outside");
  if (t.labels.includes("private_data")) add(1, "reads private data");
  if (t.review_status === "Disallowed") add(1, "disallowed by review");
  if (t.changed.length) add(2, `definition changed (${t.changed.slice(0, 3).join(", ")}${t.changed.length > 3 ? ", …" : ""})`);
  if (t.effects.block) add(1, `${t.effects.block} call${t.effects.block === 1 ? "" : "s"} blocked`);
  if (t.labels.includes("untrusted_content")) reasons.push("returns untrusted content");
  return { risk: RISKS[Math.min(points, 3)]!, reasons };
}
