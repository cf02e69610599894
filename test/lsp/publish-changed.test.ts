/**
 * After an edit the server sends diagnostics to the edited file, and to another file only when a
 * cross-file result there changed: removing a duplicate id in one file clears the error in the
 * other; an edit that changes nothing elsewhere sends nothing elsewhere.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { Connection, PublishDiagnosticsParams } from "vscode-languageserver";
import { Workspace } from "../../lsp/workspace.js";
import { DiagnosticsPublisher } from "../../lsp/diagnostics.js";
import { pathToUri } from "../../lsp/positions.js";

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

test("an edit re-sends another file's diagnostics only where a cross-file result changed", () => {
  const dir = mkdtempSync(join(tmpdir(), "policy-publish-"));
  dirs.push(dir);
  const a = join(dir, "a.policy");
  const b = join(dir, "b.policy");
  const textA = 'policy "Read only" {\n  id gh\n  if integration is GitHub\n  action block\n}\n';
  const textB = 'policy "Also read only" {\n  id gh\n  if integration is Slack\n  action block\n}\n';
  writeFileSync(a, textA);
  writeFileSync(b, textB);
  let docA = TextDocument.create(pathToUri(a), "policy", 1, textA);
  const docs = { all: () => [docA], get: (u: string) => (u === docA.uri ? docA : undefined) };
  const ws = new Workspace(docs, { roots: [dir], catalogs: [], debounceMs: 0, log: (m) => { throw new Error(m); } });
  const sent: PublishDiagnosticsParams[] = [];
  const publisher = new DiagnosticsPublisher({ sendDiagnostics: (p: PublishDiagnosticsParams) => { sent.push(p); return Promise.resolve(); } } as unknown as Connection, ws);
  ws.onChecked((s) => publisher.publish(s));
  const edit = (text: string) => {
    docA = TextDocument.create(docA.uri, "policy", docA.version + 1, text);
    sent.length = 0;
    ws.documentChanged(docA.uri);
    ws.fresh(docA.uri);
    return new Map(sent.map((p) => [p.uri, p.diagnostics.map((d) => d.code)]));
  };
  try {
    // Opened: b holds the duplicate id (PDL2030), a has nothing.
    expect(edit(textA)).toEqual(new Map([[docA.uri, []], [pathToUri(b), ["PDL2030"]]]));
    // A typo in a's reason: a is sent (its text changed), b is not (nothing changed there).
    expect(edit(textA.replace("action block", 'action block "x"'))).toEqual(new Map([[docA.uri, []]]));
    // a's id changes: the duplicate is gone, so b is sent an empty list.
    expect(edit(textA.replace("id gh", "id gh-a"))).toEqual(new Map([[docA.uri, []], [pathToUri(b), []]]));
    // And back: b has the error again.
    expect(edit(textA)).toEqual(new Map([[docA.uri, []], [pathToUri(b), ["PDL2030"]]]));
  } finally {
    ws.dispose();
  }
});
