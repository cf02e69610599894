/**
 * The language server (`policy lsp --stdio`): wires the LSP requests to one module per feature.
 * Every handler is guarded: an exception is logged and answered with an empty result, so the
 * server never crashes on bad input.
 *
 * Initialization options (all optional): `{ catalogs?: string[], debounceMs?: number }`;
 * the `policy.catalogs` setting (workspace/didChangeConfiguration) overrides `catalogs`.
 */
import {
  createConnection, ProposedFeatures, ResponseError, ErrorCodes, TextDocuments, TextDocumentSyncKind, DidChangeWatchedFilesNotification,
  type Connection, type InitializeParams, type InitializeResult,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { resolve } from "node:path";
import { Workspace, DEFAULT_DEBOUNCE_MS } from "./workspace.js";
import { DiagnosticsPublisher } from "./diagnostics.js";
import { complete } from "./completion.js";
import { hover } from "./hover.js";
import { definition, references } from "./definition.js";
import { documentSymbols, workspaceSymbols } from "./symbols.js";
import { format } from "./formatting.js";
import { codeActions } from "./code-actions.js";
import { prepareRename, rename } from "./rename.js";
import { LEGEND, semanticTokens } from "./semantic-tokens.js";
import { foldingRanges } from "./folding.js";
import { codeLenses, failureHover, lastRun } from "./code-lens.js";
import { uriToPath } from "./positions.js";
import { loadShellParser } from "../compiler/shell/shell-parser.js";

/** Creates the connection (stdio, IPC or socket, as given on the command line) and serves. */
export function startServer(): void {
  const connection = createConnection(ProposedFeatures.all);
  serve(connection);
  connection.listen();
}

function serve(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const log = (m: string) => connection.console.error(m);
  const ws = new Workspace(documents, { roots: [], catalogs: [], debounceMs: DEFAULT_DEBOUNCE_MS, log, info: (m) => connection.console.info(m) });
  const publisher = new DiagnosticsPublisher(connection, ws);
  ws.onChecked((s) => publisher.publish(s));
  let watchDynamically = false;

  function guard<P, R>(name: string, fallback: R, f: (p: P) => R): (p: P) => R {
    return (p: P) => {
      try { return f(p); } catch (e) { log(`${name} failed: ${(e as Error).stack ?? String(e)}`); return fallback; }
    };
  }

  /** The open document, its project (checked against current text) and its parse. */
  const context = (uri: string, fresh = true) => {
    const doc = documents.get(uri);
    if (!doc) return undefined;
    const state = ws.stateFor(uri);
    const loaded = fresh ? ws.fresh(uri) : ws.latest(uri);
    if (!state || !loaded) return undefined;
    const parsed = ws.parseOf(doc);
    const file = ws.displayName(uri);
    const uriOf = (f: string) => ws.uriOf(state.root, f);
    // The project's AST of this file, when current; else the fresh parse.
    const ast = loaded.project.files.find((f) => f.file === file && f.text === doc.getText())?.ast ?? parsed.ast;
    return { doc, state, project: loaded.project, parsed, ast, file, uriOf };
  };

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const roots = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri)).filter((p): p is string => !!p);
    const rootUri = params.rootUri ? uriToPath(params.rootUri) : params.rootPath ?? undefined;
    if (!roots.length && rootUri) roots.push(rootUri);
    const init = (params.initializationOptions ?? {}) as { catalogs?: unknown; debounceMs?: unknown };
    ws.options = {
      ...ws.options,
      roots: roots.map((r) => resolve(r)),
      catalogs: Array.isArray(init.catalogs) ? init.catalogs.filter((c): c is string => typeof c === "string") : [],
      debounceMs: typeof init.debounceMs === "number" && init.debounceMs >= 0 ? init.debounceMs : DEFAULT_DEBOUNCE_MS,
    };
    watchDynamically = !!params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: [".", " ", "[", ","] },
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        documentSymbolProvider: true,
        workspaceSymbolProvider: true,
        documentFormattingProvider: true,
        documentRangeFormattingProvider: true,
        codeActionProvider: { codeActionKinds: ["quickfix"] },
        renameProvider: { prepareProvider: true },
        semanticTokensProvider: { legend: LEGEND, full: true },
        foldingRangeProvider: true,
        codeLensProvider: { resolveProvider: false },
      },
      serverInfo: { name: "policy-language-server", version: "0.1.0" },
    };
  });

  connection.onInitialized(() => {
    // `run "…"` steps of code-lens test runs are shell lines: the parser loads once, in the background.
    void loadShellParser().catch(() => undefined);
    if (watchDynamically) {
      void connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [{ globPattern: "**/*.policy" }, { globPattern: "**/*.json" }, { globPattern: "**/policy.lock" }],
      }).catch(() => undefined);
    }
  });

  connection.onDidChangeConfiguration(guard("configuration", undefined, (p) => {
    const s = (p.settings as { policy?: { catalogs?: unknown } } | undefined)?.policy;
    if (Array.isArray(s?.catalogs)) {
      ws.options = { ...ws.options, catalogs: s.catalogs.filter((c): c is string => typeof c === "string") };
      ws.settingsChanged();
    }
  }));

  documents.onDidOpen(guard("didOpen", undefined, (e) => ws.documentChanged(e.document.uri)));
  documents.onDidChangeContent(guard("didChange", undefined, (e) => ws.documentChanged(e.document.uri)));
  documents.onDidClose(guard("didClose", undefined, (e) => ws.documentChanged(e.document.uri)));
  connection.onDidChangeWatchedFiles(guard("watchedFiles", undefined, (p) => ws.filesChanged(p.changes.map((c) => uriToPath(c.uri)).filter((x): x is string => !!x))));

  connection.onCompletion(guard("completion", [], (p) => {
    const c = context(p.textDocument.uri, false);
    if (!c) return [];
    return complete({ doc: c.doc, position: p.position, project: c.project, ast: c.parsed.ast });
  }));
  connection.onHover(guard("hover", null, (p) => {
    const c = context(p.textDocument.uri);
    if (!c) return null;
    const offset = c.doc.offsetAt(p.position);
    const h = hover(c.project, c.file, c.ast, offset);
    // A failing test step: its failure detail (the decision and what would change it) from the last run.
    const failed = c.project.tests.length ? failureHover(c.file, offset, lastRun(c.project, c.state.root, log)) : undefined;
    if (!failed) return h;
    const before = h && typeof h.contents === "object" && "value" in h.contents ? `${h.contents.value}\n\n---\n\n` : "";
    return { contents: { kind: "markdown", value: before + failed } };
  }));
  connection.onDefinition(guard("definition", [], (p) => {
    const c = context(p.textDocument.uri);
    return c ? definition(c.project, c.file, c.ast, c.doc.offsetAt(p.position), c.uriOf) : [];
  }));
  connection.onReferences(guard("references", [], (p) => {
    const c = context(p.textDocument.uri);
    return c ? references(c.project, c.file, c.ast, c.doc.offsetAt(p.position), p.context.includeDeclaration, c.uriOf) : [];
  }));
  connection.onDocumentSymbol(guard("documentSymbol", [], (p) => {
    const doc = documents.get(p.textDocument.uri);
    return doc ? documentSymbols(ws.parseOf(doc).ast) : [];
  }));
  connection.onWorkspaceSymbol(guard("workspaceSymbol", [], (p) => {
    const files = ws.allStates().flatMap((s) => (s.loaded?.project.files ?? []).map((f) => ({ uri: ws.uriOf(s.root, f.file), ast: f.ast })));
    return workspaceSymbols(files, p.query);
  }));
  connection.onDocumentFormatting(guard("formatting", [], (p) => {
    const doc = documents.get(p.textDocument.uri);
    return doc ? format(doc, ws.parseOf(doc)) : [];
  }));
  connection.onDocumentRangeFormatting(guard("rangeFormatting", [], (p) => {
    const doc = documents.get(p.textDocument.uri);
    return doc ? format(doc, ws.parseOf(doc)) : [];
  }));
  connection.onCodeAction(guard("codeAction", [], (p) => {
    const c = context(p.textDocument.uri);
    return codeActions(p, c?.project, c?.file ?? "", c?.uriOf ?? ((f) => f));
  }));
  connection.onPrepareRename(guard("prepareRename", null, (p) => {
    const c = context(p.textDocument.uri);
    return c ? prepareRename(c.project, c.file, c.ast, c.doc.offsetAt(p.position)) : null;
  }));
  connection.onRenameRequest(guard("rename", null, (p) => {
    const c = context(p.textDocument.uri);
    if (!c) return null;
    const r = rename(c.project, c.file, c.ast, c.doc.offsetAt(p.position), p.newName, c.uriOf);
    return r && "error" in r ? new ResponseError(ErrorCodes.InvalidParams, r.error) : r;
  }));
  connection.languages.semanticTokens.on(guard("semanticTokens", { data: [] }, (p) => {
    const doc = documents.get(p.textDocument.uri);
    return doc ? semanticTokens(doc.getText(), ws.parseOf(doc).ast) : { data: [] };
  }));
  connection.onFoldingRanges(guard("foldingRanges", [], (p) => {
    const doc = documents.get(p.textDocument.uri);
    return doc ? foldingRanges(ws.parseOf(doc).ast) : [];
  }));
  connection.onCodeLens(guard("codeLens", [], (p) => {
    const c = context(p.textDocument.uri);
    if (!c) return [];
    return codeLenses(c.project, c.file, p.textDocument.uri, c.ast, lastRun(c.project, c.state.root, log));
  }));
  connection.onShutdown(() => ws.dispose());

  documents.listen(connection);
}
