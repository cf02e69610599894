/**
 * Diagnostics: the checker's `Diagnostic` objects, as LSP diagnostics, published per file for
 * every file of a project (policy files, catalogs, the config); files that no longer have any
 * get an empty list. Fixes travel in `data` so that code actions can apply them. What
 * `policy.lock` says (PDL5010–5012, as `policy build` reports them) is published too; the lock is
 * only read.
 */
import { DiagnosticSeverity, type Connection, type Diagnostic as LspDiagnostic, type DiagnosticRelatedInformation } from "vscode-languageserver";
import { codeDocUrl } from "../compiler/diagnostics/codes.js";
import type { Diagnostic } from "../grammar/diagnostic.js";
import { buildScope, lifecycleFiles, lockDiagnostics } from "../lifecycle/files.js";
import { toRange } from "./positions.js";
import type { ProjectState, Workspace } from "./workspace.js";

/** What a diagnostic carries in `data`: its fixes, with ranges. */
export interface DiagnosticData {
  readonly fixes: readonly { readonly title: string; readonly uri: string; readonly range: LspDiagnostic["range"]; readonly text: string }[];
}

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information } as const;

export function toLspDiagnostic(d: Diagnostic, uriOf: (file: string) => string): LspDiagnostic {
  const out: LspDiagnostic = {
    range: toRange(d.span),
    severity: SEVERITY[d.severity],
    code: d.code,
    codeDescription: { href: codeDocUrl(d.code) },
    source: "policy",
    message: d.hint ? `${d.message}\n${d.hint}` : d.message,
  };
  if (d.related?.length) {
    out.relatedInformation = d.related.map((r): DiagnosticRelatedInformation => ({ location: { uri: uriOf(r.span.file), range: toRange(r.span) }, message: r.message }));
  }
  if (d.fixes?.length) {
    const data: DiagnosticData = { fixes: d.fixes.map((f) => ({ title: f.title, uri: uriOf(f.span.file), range: toRange(f.span), text: f.text })) };
    out.data = data;
  }
  return out;
}

/** The lock's diagnostics for a project (none when it has no lock or it cannot be read). */
function lockOf(s: ProjectState): readonly Diagnostic[] {
  const project = s.loaded?.project;
  if (!project) return [];
  try {
    const lf = lifecycleFiles(s.paths, { cwd: s.root });
    return lockDiagnostics(project, lf.lock, s.root, buildScope(lf.root, s.paths, s.root));
  } catch {
    return [];
  }
}

/**
 * Publishes the diagnostics of one project; remembers what it sent to each URI. After a check, a
 * file is sent its diagnostics when they changed, or when its open document changed since they
 * were last sent (the editor is told that the new text was checked); the other files are not sent
 * anything, so an edit updates another file only where a cross-file result changed.
 */
export class DiagnosticsPublisher {
  private readonly published = new Map<string, Set<string>>();
  /** Per URI: the diagnostics last sent (as JSON) and the document version they were sent for. */
  private readonly sent = new Map<string, { readonly json: string; readonly version: number | undefined }>();

  constructor(private readonly connection: Connection, private readonly ws: Workspace) {}

  publish(s: ProjectState): void {
    const project = s.loaded?.project;
    if (!project) return;
    const uriOf = (file: string) => this.ws.uriOf(s.root, file);
    const byUri = new Map<string, LspDiagnostic[]>();
    for (const f of project.files) byUri.set(uriOf(f.file), []);
    const lock = lockOf(s);
    for (const d of lock.length ? [...project.diagnostics, ...lock] : project.diagnostics) {
      const uri = uriOf(d.span.file);
      const list = byUri.get(uri) ?? [];
      list.push(toLspDiagnostic(d, uriOf));
      byUri.set(uri, list);
    }
    const before = this.published.get(s.key) ?? new Set<string>();
    for (const uri of before) if (!byUri.has(uri)) byUri.set(uri, []);
    for (const [uri, diagnostics] of byUri) {
      const version = this.ws.openVersion(uri);
      if (diagnostics.length === 0 && !before.has(uri) && version === undefined) continue;
      const json = JSON.stringify(diagnostics);
      const last = this.sent.get(uri);
      if (last && last.json === json && last.version === version) continue;
      this.sent.set(uri, { json, version });
      void this.connection.sendDiagnostics({ uri, diagnostics });
    }
    this.published.set(s.key, new Set([...byUri].filter(([, d]) => d.length > 0).map(([u]) => u)));
  }
}
