/**
 * Rendering of an import report: JSON (stable, for machines) and text (for people): counts,
 * per tool how the operation was decided, guessed labels, tools left Unknown, warnings.
 */
import type { ImportReport, ToolReport } from "./result.js";

/** Report output formats. */
export type ReportFormat = "text" | "json";

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

function sourceCell(t: ToolReport): string {
  return t.guessed ? `${t.source}*` : t.source;
}

/** Render a report as text (aligned table) or JSON (2-space indent, trailing newline). */
export function formatReport(report: ImportReport, format: ReportFormat = "text"): string {
  if (format === "json") return `${JSON.stringify(report, null, 2)}\n`;
  const c = report.counts;
  const lines: string[] = [];
  lines.push(`Imported ${c.tools} tool${c.tools === 1 ? "" : "s"} into integration '${report.integration}' (from ${report.from})`);
  lines.push(`  operations: Read ${c.byOperation.Read} · Write ${c.byOperation.Write} · Delete ${c.byOperation.Delete} · Unknown ${c.byOperation.Unknown}`);
  lines.push(`  decided by: annotation ${c.bySource.annotation} · method ${c.bySource.method} · verb ${c.bySource.verb} · override ${c.bySource.override} · unknown ${c.bySource.unknown}`);
  lines.push(`  guessed: ${c.guessedOperations} operation${c.guessedOperations === 1 ? "" : "s"}, ${c.guessedLabels} label${c.guessedLabels === 1 ? "" : "s"}; overridden: ${c.overridden} tool${c.overridden === 1 ? "" : "s"}`);
  if (report.tools.length > 0) {
    const w = Math.min(48, Math.max(4, ...report.tools.map((t) => t.name.length)));
    lines.push("");
    lines.push(`  ${pad("tool", w)}  ${pad("operation", 9)}  ${pad("source", 11)}  why`);
    for (const t of report.tools) {
      lines.push(`  ${pad(t.name, w)}  ${pad(t.operation, 9)}  ${pad(sourceCell(t), 11)}  ${t.reason}`);
      for (const n of t.notes) lines.push(`  ${pad("", w)}  ${pad("", 9)}  ${pad("", 11)}  note: ${n}`);
    }
  }
  const labelled = report.tools.filter((t) => t.labels.some((l) => l.guessed));
  if (labelled.length > 0) {
    lines.push("", "Guessed labels (check them; set \"labels\" in an overrides file to replace):");
    for (const t of labelled) {
      const ls = t.labels.filter((l) => l.guessed).map((l) => `${l.label} (${l.reason})`).join(", ");
      lines.push(`  ${t.name}: ${ls}`);
    }
  }
  const resources = report.tools.filter((t) => t.resource?.guessed === true);
  if (resources.length > 0) {
    lines.push("", "Guessed resources:");
    lines.push(`  ${resources.map((t) => `${t.name} → ${t.resource!.name}`).join(", ")}`);
  }
  const kinds = report.tools.filter((t) => t.argKinds?.some((a) => a.guessed));
  if (kinds.length > 0) {
    lines.push("", "Guessed path and URL arguments (read in canonical form; check them, or set \"arg_kinds\" in an overrides file):");
    for (const t of kinds) lines.push(`  ${t.name}: ${t.argKinds!.filter((a) => a.guessed).map((a) => `${a.path} → ${a.kind} (${a.reason})`).join(", ")}`);
  }
  if (report.unknown.length > 0) {
    lines.push("", `Unknown operation (${report.unknown.length}; give each an "operation" in an overrides file):`);
    for (const name of report.unknown) lines.push(`  ${name}`);
  }
  if (report.warnings.length > 0) {
    lines.push("", "Warnings:");
    for (const w of report.warnings) {
      const where = `${w.file ?? ""}${w.file !== undefined ? "#" : ""}${w.pointer || "/"}`;
      lines.push(`  ${where}: ${w.message}${w.hint !== undefined ? ` (${w.hint})` : ""}`);
    }
  }
  if (c.guessedOperations > 0) lines.push("", "* guessed from the name: review, or fix in an overrides file");
  return `${lines.join("\n")}\n`;
}
