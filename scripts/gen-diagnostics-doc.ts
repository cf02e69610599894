/** Writes docs/diagnostics.md from the code registry (compiler/diagnostics/codes.ts). */
import { writeFileSync } from "node:fs";
import { renderDiagnosticsDoc } from "../compiler/diagnostics/doc.js";

writeFileSync("docs/diagnostics.md", renderDiagnosticsDoc());
process.stdout.write("wrote docs/diagnostics.md\n");
