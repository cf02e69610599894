/** Renders the diagnostics reference (docs/diagnostics.md) from the registry. */
import { CODES } from "./codes.js";

const RANGES: [string, string][] = [["1", "Syntax"], ["2", "Names and types"], ["3", "Catalogs"], ["4", "Lint"], ["5", "Lowering, bundles and the lock"], ["6", "Tests and sessions"]];

export function renderDiagnosticsDoc(): string {
  const out = [
    "# Diagnostics",
    "",
    "Every problem the toolchain reports has a code, a severity, a location and a message, with a hint",
    "when there is something to do. `policy check`, `policy build`, `policy test` and the language",
    "server report the same objects. This page is generated from `compiler/diagnostics/codes.ts`",
    "(`npm run docs`).",
    "",
  ];
  for (const [digit, title] of RANGES) {
    const codes = CODES.filter((c) => c.code[3] === digit);
    if (!codes.length) continue;
    out.push(`## ${digit}xxx — ${title}`, "");
    for (const c of codes) {
      out.push(`### ${c.code}`, "", `**${c.title}** (${c.severity})`, "", `- Example: \`${c.example.replace(/`/g, "'")}\``, `- Fix: ${c.fix}`, "");
    }
  }
  return out.join("\n");
}
