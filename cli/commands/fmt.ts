/** `policy fmt [--check] [paths]`: rewrite files in the canonical layout (idempotent, keeps comments). */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { parse, print } from "../../grammar/index.js";
import { policyFilesUnder, displayPath } from "../../compiler/project.js";
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { CliError, EXIT_FINDINGS, parseFormat, printJson, renderDiagnostic } from "../output.js";
import { io } from "../io.js";
import { writeAtomic } from "../project-io.js";
import { readSourceFile } from "../../compiler/text-input.js";

/** `line 3: "  if tool is x" should be "  if tool is x  # …"`: where a file and its formatted form part. */
function firstDifferingLine(a: string, b: string): string {
  const x = a.split(/\r?\n/), y = b.split(/\r?\n/);
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  if (i >= x.length && i >= y.length) return "line endings or byte order mark differ";
  const cut = (t: string | undefined) => t === undefined ? "(end of file)" : JSON.stringify(t.length > 60 ? t.slice(0, 60) + "…" : t);
  return `first difference at line ${i + 1}: ${cut(x[i])} should be ${cut(y[i])}`;
}

export function register(program: Command): void {
  program.command("fmt").description("format .policy files")
    .argument("[paths...]", "files or folders (default: .)")
    .option("--check", "do not write; exit 1 when a file is not formatted")
    .option("--format <format>", "text or json", "text")
    .action((paths: string[], o: { check?: boolean; format?: string }) => {
      const format = parseFormat(o.format);
      const cwd = process.cwd();
      const files: string[] = [];
      for (const p of paths.length ? paths : ["."]) {
        const abs = resolve(cwd, p);
        let st;
        try { st = statSync(abs); } catch { throw new CliError(`cannot read "${p}": no such file or directory`); }
        files.push(...(st.isDirectory() ? policyFilesUnder(abs) : [abs]));
      }
      const changed: string[] = [];
      const broken: string[] = [];
      const firstDiff = new Map<string, string>();
      for (const f of files) {
        const name = displayPath(f, cwd);
        const read = readSourceFile(f, name);
        if ("diagnostic" in read) {
          broken.push(name);
          if (format === "text") io().stderr.write(renderDiagnostic(read.diagnostic, new Map()) + "\n\n");
          continue;
        }
        const text = read.text;
        const r = parse(text, name);
        const errors = r.diagnostics.filter((d) => d.severity === "error");
        if (errors.length) {
          broken.push(name);
          if (format === "text") for (const d of errors) io().stderr.write(renderDiagnostic(d, new Map([[name, text]])) + "\n\n");
          continue;
        }
        // The file keeps its line endings and its BOM: the layout changes, not the encoding.
        const raw = readFileSync(f, "utf8");
        const crlf = text.includes("\r\n") && !/(^|[^\r])\n/.test(text);
        const out = (raw.startsWith("\uFEFF") ? "\uFEFF" : "") + (crlf ? print(r.ast).replace(/\n/g, "\r\n") : print(r.ast));
        if (out !== raw) {
          changed.push(name);
          firstDiff.set(name, firstDifferingLine(raw, out));
          if (!o.check) writeAtomic(f, out);
        }
      }
      if (format === "json") printJson({ files: files.length, changed, unparsable: broken, check: !!o.check });
      else {
        for (const c of changed) io().stdout.write(`${o.check ? "not formatted" : "formatted"}: ${c}${o.check ? ` (${firstDiff.get(c)})` : ""}\n`);
        for (const b of broken) io().stderr.write(`not formatted (syntax errors): ${b}\n`);
        if (!changed.length && !broken.length) io().stdout.write(`${files.length} file${files.length === 1 ? "" : "s"} already formatted\n`);
      }
      if (broken.length || (o.check && changed.length)) io().exitCode = EXIT_FINDINGS;
    });
}
