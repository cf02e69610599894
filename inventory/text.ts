/**
 * The text form of an inventory: the tables a user reads in a terminal. Every name comes from a
 * recording or a server, so each cell goes through `oneLine`.
 */
import { oneLine } from "../compiler/terminal-safe.js";
import type { Inventory } from "./build.js";

/** Left-aligned columns, two spaces apart. */
export function table(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string[] {
  const cells = [head, ...rows].map((r) => r.map((c) => oneLine(String(c))));
  const width = head.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(width[i]!))).join("  ").trimEnd());
}

export function formatInventory(inv: Inventory): string {
  const out: string[] = [];
  const w = inv.window;
  out.push(`inventory of ${inv.sources.length} file${inv.sources.length === 1 ? "" : "s"}, ${inv.tools.reduce((n, t) => n + t.calls, 0)} calls${w.from ? ` from ${w.from} to ${w.to}` : ""}`);
  out.push("", "integrations", ...table(["integration", "tools", "calls", "agents"], inv.integrations.map((i) => [i.id, i.tools, i.calls, i.agents.join(", ")])));
  out.push("", "tools", ...table(["tool", "operation", "review", "risk", "calls", "allow", "approval", "block", "agents", "first seen", "last seen"],
    inv.tools.map((t) => [t.key, t.operation, t.review_status, t.risk, t.calls, t.effects.allow, t.effects.require_approval, t.effects.block, t.agents.join(", "), t.first_seen, t.last_seen])));
  out.push("", "agents", ...table(["agent", "review", "calls", "tools", "first seen", "last seen"], inv.agents.map((a) => [a.name === "" ? '""' : a.name, a.review_status, a.calls, a.tools, a.first_seen, a.last_seen])));
  out.push("", "risk", ...table(["tool", "risk", "why"], inv.tools.filter((t) => t.risk !== "low").map((t) => [t.key, t.risk, t.risk_reasons.join("; ")])));
  out.push("", `new or unreviewed tools (${inv.new_or_unreviewed.length})`, ...inv.new_or_unreviewed.map((x) => `  ${oneLine(x.tool)}: ${oneLine(x.why)}`));
  out.push("", `tools no policy decided (${inv.undecided.length})`, ...inv.undecided.map((x) => `  ${oneLine(x)}`));
  out.push("", `unexpected usage after ${w.baseline_until ?? "(no baseline: fewer than two calls)"} (${inv.unexpected.length})`, ...inv.unexpected.map((u) => `  ${u.ts}  ${oneLine(u.agent)} → ${oneLine(u.tool)}: ${u.why}`));
  return out.join("\n") + "\n";
}
