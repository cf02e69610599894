/**
 * The language server's check of a 5,000-line file, in-process through `lsp/workspace.ts` (what
 * runs between an edit and the diagnostics being published): the first check (cold parse) and
 * the re-check after an edit at the end and in the middle, between two policies (median of several). The same
 * figure over JSON-RPC is printed by test/lsp/large-file.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TextDocument } from "vscode-languageserver-textdocument";
import { Workspace } from "../lsp/workspace.js";
import { pathToUri } from "../lsp/positions.js";
import { largeSource } from "./support/large-source.js";


export interface LspCheckFigures { lines: number; first_check_ms: number; edit_end_ms: number; edit_middle_ms: number; diagnostics: number }

export function benchLspCheck(lines = 5000, rounds = 9): LspCheckFigures {
  const dir = mkdtempSync(join(tmpdir(), "policy-bench-lsp-"));
  try {
    const path = join(dir, "big.policy");
    const text = largeSource(lines);
    writeFileSync(path, text);
    const uri = pathToUri(path);
    let doc = TextDocument.create(uri, "policy", 1, text);
    const docs = { all: () => [doc], get: (u: string) => (u === uri ? doc : undefined) };
    const ws = new Workspace(docs, { roots: [dir], catalogs: [], debounceMs: 0, log: () => undefined });
    const timed = (next: string): number => {
      doc = TextDocument.create(uri, "policy", doc.version + 1, next);
      const t = performance.now();
      ws.documentChanged(uri);
      ws.fresh(uri);
      return performance.now() - t;
    };
    const first = timed(text);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const mid = text.indexOf("\n# policy number", text.length >> 1) + 1;
    const atEnd: number[] = [];
    const inMiddle: number[] = [];
    // Successive edits of one place, as when typing: a policy at the end, then one in the middle.
    for (let k = 0; k < rounds; k++) atEnd.push(timed(text + `policy "Late typo" {\n  id late\n  if integration is Githb${k}\n  action block\n}\n`));
    for (let k = 0; k < rounds; k++) inMiddle.push(timed(text.slice(0, mid) + `policy "Typo ${k}" {\n  if integration is Slak\n  action block\n}\n` + text.slice(mid)));
    const diagnostics = ws.fresh(uri)?.project.diagnostics.length ?? 0;
    ws.dispose();
    return { lines, first_check_ms: first, edit_end_ms: median(atEnd), edit_middle_ms: median(inMiddle), diagnostics };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToUri(process.argv[1] ?? "")) {
  const r = benchLspCheck(Number(process.env["LINES"] ?? 5000));
  process.stdout.write(`${JSON.stringify(r)}\n`);
}
