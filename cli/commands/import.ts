/**
 * `policy import <file> [--from policy|interven] [-o path] [--as-is]`: `.policy` source from a
 * `policy-export/1` document (lossless) or from Interven rules (with a report of what could not be
 * expressed). Imported policies land in Draft (seed 003: nothing imported is enforced before it
 * is promoted here); `--as-is` keeps the statuses. The result is formatted and checked before
 * anything is written.
 */
import type { Command } from "commander";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parse, print } from "../../grammar/index.js";
import { loadCatalog } from "../../compiler/catalog/load.js";
import { checkProject } from "../../compiler/check/index.js";
import { asDrafts, importDocument, importParsed } from "../../importers/import-json.js";
import { importInterven } from "../../importers/interven.js";
import type { ExportDoc } from "../../importers/export-types.js";
import { collectCatalogs, readTextInput, writeAtomic } from "../project-io.js";
import { CliError, EXIT_FINDINGS, parseFormat, pc, printJson, renderDiagnostic } from "../output.js";
import { io } from "../io.js";

interface Opts { tenant?: string; from?: string; output?: string; draft?: boolean; asIs?: boolean; force?: boolean; catalog?: string[]; format?: string }

function write(path: string, text: string, force: boolean | undefined): void {
  if (existsSync(path) && !force) throw new CliError(`${path} already exists: not overwriting it (use --force)`);
  mkdirSync(dirname(resolve(path)), { recursive: true });
  writeAtomic(path, text);
}

export function register(program: Command): void {
  program.command("import").description("create .policy source from a policy export (JSON) or from Interven rules")
    .argument("<file>", "the JSON document (- for stdin)")
    .option("--from <format>", "policy (a `policy export` document) or interven (Interven rules); default: detected")
    .option("-o, --output <path>", "where to write: a .policy file, or a folder for a multi-file export (default: stdout)")
    .option("--as-is", "keep the statuses of the imported policies (default: active policies land as drafts)")
    .option("--draft", "import active policies as drafts (the default; kept for scripts)")
    .option("--tenant <name>", "interven: scope every imported policy to this tenant")
    .option("--force", "overwrite existing files")
    .option("--catalog <file>", "add a user catalog (repeatable)", collectCatalogs)
    .option("--format <format>", "text or json (the report)", "text")
    .action((file: string, o: Opts) => {
      const format = parseFormat(o.format);
      if (o.draft && o.asIs) throw new CliError("--draft and --as-is contradict each other: give one (drafts are the default)");
      const draft = !o.asIs;
      const text = readTextInput(file);
      let doc: unknown;
      try { doc = JSON.parse(text); } catch (e) { throw new CliError(`"${file}" is not valid JSON: ${(e as Error).message}`); }
      const from = o.from ?? ((doc as { format?: unknown })?.format === "policy-export/1" ? "policy" : "interven");
      if (from !== "policy" && from !== "interven") throw new CliError(`--from must be policy or interven, not "${from}"`);
      const { catalog, diagnostics: catDiags } = loadCatalog((o.catalog ?? []).map((f) => ({ file: f })));
      if (catDiags.some((d) => d.severity === "error")) throw new CliError(catDiags[0]!.message);

      if (from === "policy") {
        const r = importParsedChecked(text, file, draft);
        if (r.diagnostics.length) {
          for (const d of r.diagnostics) io().stderr.write(renderDiagnostic(d, new Map([[file, text]])) + "\n\n");
          io().exitCode = EXIT_FINDINGS;
          return;
        }
        const files = r.files.map((f) => ({ file: f.file, text: print(parse(f.text, f.file).ast) }));
        if (!o.output) {
          if (files.length !== 1) throw new CliError(`the export holds ${files.length} files: give -o <folder> to write them`);
          io().stdout.write(files[0]!.text);
        } else if (files.length === 1 && o.output.endsWith(".policy")) write(o.output, files[0]!.text, o.force);
        else for (const f of files) write(join(o.output, f.file), f.text, o.force);
        if (format === "json") printJson({ ok: true, files: files.map((f) => f.file) });
        else if (o.output) io().stderr.write(`imported ${files.length} file${files.length === 1 ? "" : "s"} into ${o.output}${draft ? DRAFT_NOTE : ""}\n`);
        return;
      }

      const r = importInterven(doc, catalog, { source: file, ...(o.tenant !== undefined ? { tenant: o.tenant } : {}) });
      let out = r.text ? print(parse(r.text, o.output ?? "imported.policy").ast) : "";
      if (draft && out) out = out.replace(/^(policy "[^\n]*\{\n  id [^\n]*\n)(?!  status )/gm, "$1  status draft\n");
      const checked = out ? checkProject([{ file: o.output ?? "imported.policy", text: out }], catalog) : undefined;
      const errors = [...r.errors, ...(checked?.diagnostics.filter((d) => d.severity === "error").map((d) => `converted source, line ${d.span.line}: ${d.message}`) ?? [])];
      if (format === "json") printJson({ ok: errors.length === 0, rules: r.rules, errors, warnings: checked?.diagnostics.filter((d) => d.severity === "warning").map((d) => ({ line: d.span.line, message: d.message })) ?? [] });
      else {
        for (const x of r.rules) {
          const mark = x.status === "converted" ? pc.green("✓") : x.status === "approximated" ? pc.yellow("~") : pc.red("✗");
          io().stderr.write(`${mark} ${x.rule} → ${x.id}${x.status === "approximated" ? " (draft: not everything could be expressed)" : ""}\n`);
          for (const n of x.notes) io().stderr.write(`    ${n}\n`);
        }
        for (const e of errors) io().stderr.write(`${pc.red("error")}: ${e}\n`);
        for (const d of checked?.diagnostics.filter((x) => x.severity === "warning") ?? []) io().stderr.write(`${pc.yellow("warning")}: converted source, line ${d.span.line}: ${d.message}\n`);
      }
      if (errors.length) { io().stderr.write("nothing written\n"); io().exitCode = EXIT_FINDINGS; return; }
      if (o.output) write(o.output, out, o.force);
      else io().stdout.write(out);
      const approx = r.rules.filter((x) => x.status === "approximated").length;
      if (format === "text") io().stderr.write(`${r.rules.length} rule${r.rules.length === 1 ? "" : "s"} imported${approx && !draft ? `, ${approx} as drafts to review` : ""}${o.output ? ` into ${o.output}` : ""}${draft ? DRAFT_NOTE : ""}\n`);
    });
}

const DRAFT_NOTE = " as drafts (review them, then `policy promote <id>`; --as-is keeps the statuses)";

function importParsedChecked(text: string, file: string, draft: boolean) {
  const first = importDocument(text, file);
  if (first.diagnostics.length || !draft) return first;
  return importParsed(asDrafts(JSON.parse(text) as ExportDoc), file);
}
