/**
 * `policy check --format sarif`: diagnostics as a SARIF 2.1.0 log, what code scanning (GitHub,
 * GitLab, Azure DevOps) reads. The rules are the diagnostic registry (`compiler/diagnostics/codes.ts`),
 * each with its title, example and fix and a help link to its entry in docs/diagnostics.md; results
 * point at the span (1-based lines and columns, UTF-16 as SARIF counts by default) relative to the
 * folder the command ran in (`%SRCROOT%`). Validated against the published schema in the tests.
 */
import path from "node:path";
import { CODES, codeDocUrl, type CodeInfo } from "../compiler/diagnostics/codes.js";
import { COMPILER_VERSION } from "../compiler/version.js";
import type { Diagnostic, Severity } from "../grammar/diagnostic.js";
import type { Span } from "../grammar/span.js";

const LEVEL: Record<Severity, "error" | "warning" | "note"> = { error: "error", warning: "warning", info: "note" };

/** A file as a URI relative to `root` (forward slashes, percent-encoded), or absolute `file:` outside it. */
function fileUri(file: string, root: string): { uri: string; uriBaseId?: string } {
  const abs = path.resolve(root, file);
  const rel = path.relative(root, abs);
  if (rel.startsWith("..") || path.isAbsolute(rel)) return { uri: new URL(`file://${abs.split(path.sep).map(encodeURIComponent).join("/")}`).href };
  return { uri: rel.split(path.sep).map(encodeURIComponent).join("/"), uriBaseId: "%SRCROOT%" };
}

function location(span: Span, root: string, message?: string): Record<string, unknown> {
  return {
    physicalLocation: {
      artifactLocation: fileUri(span.file, root),
      region: { startLine: Math.max(1, span.line), startColumn: Math.max(1, span.column), endLine: Math.max(span.line, span.endLine), endColumn: Math.max(1, span.endColumn) },
    },
    ...(message !== undefined ? { message: { text: message } } : {}),
  };
}

function rule(c: CodeInfo): Record<string, unknown> {
  return {
    id: c.code, name: c.title.replace(/(?:^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_m, ch: string) => ch.toUpperCase()),
    shortDescription: { text: c.title },
    fullDescription: { text: `${c.title}. Example: ${c.example}` },
    help: { text: `Fix: ${c.fix}`, markdown: `**${c.title}**\n\nExample: \`${c.example}\`\n\nFix: ${c.fix}\n\n[${c.code} in the diagnostics reference](${codeDocUrl(c.code)})` },
    helpUri: codeDocUrl(c.code),
    defaultConfiguration: { level: LEVEL[c.severity] },
  };
}

/** The SARIF log of diagnostics; `root` is the folder paths are made relative to. */
export function sarifLog(ds: readonly Diagnostic[], root: string = process.cwd()): Record<string, unknown> {
  const index = new Map(CODES.map((c, i) => [c.code, i]));
  const results = ds.map((d) => ({
    ruleId: d.code,
    ...(index.has(d.code) ? { ruleIndex: index.get(d.code) } : {}),
    level: LEVEL[d.severity],
    message: { text: d.hint ? `${d.message} (hint: ${d.hint})` : d.message },
    locations: [location(d.span, root)],
    ...(d.related?.length ? { relatedLocations: d.related.map((r, i) => ({ id: i, ...location(r.span, root, r.message) })) } : {}),
  }));
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [{
      tool: { driver: { name: "policy", semanticVersion: COMPILER_VERSION.split("/")[1], informationUri: "https://policy-toolchain.dev/docs/diagnostics", rules: CODES.map(rule) } },
      originalUriBaseIds: { "%SRCROOT%": { uri: new URL(`file://${path.resolve(root).split(path.sep).map(encodeURIComponent).join("/")}/`).href } },
      columnKind: "utf16CodeUnits",
      results,
    }],
  };
}
