/** Drives the language server over JSON-RPC as an editor does: diagnostics, completion, hover, definition, formatting, code actions, rename. */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { loadShellParser } from "../../compiler/shell/shell-parser.js";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import type { CodeAction, CompletionItem, CompletionList, Hover, Location, TextEdit, WorkspaceEdit, DocumentSymbol, SemanticTokens, FoldingRange, CodeLens } from "vscode-languageserver-protocol";
import { Client, marked, uriOf, workspace } from "./harness.js";
import { ACME_CATALOG, CONFIG, GITHUB, TESTS } from "./fixtures.js";
import { parse, print } from "../../grammar/index.js";

// `run "…"` steps and command strings are shell lines: the hosts load the parser first, as the CLI does.
beforeAll(() => loadShellParser());

const gh = marked(GITHUB);
const tests = marked(TESTS);
let root: string;
let client: Client;
let ghUri: string;
let testsUri: string;

beforeAll(async () => {
  root = workspace({ "policy.config.json": CONFIG, "catalogs/acme.json": ACME_CATALOG, "github.policy": gh.text, "tests.policy": tests.text });
  // A file that is not UTF-8 (Latin-1 bytes) sits in the workspace: it must not disturb the server.
  writeFileSync(join(root, "latin1.policy"), Buffer.from([...Buffer.from("# caf"), 0xe9, ...Buffer.from("\npolicy \"L\" {\n  id l\n  action allow\n}\n")]));
  client = await Client.start(root);
  ghUri = await client.open(join(root, "github.policy"), gh.text);
  testsUri = await client.open(join(root, "tests.policy"), tests.text);
});
afterAll(async () => { await client?.stop(); });
afterEach(async () => { await client.change(ghUri, gh.text); });

const labels = (r: CompletionItem[] | CompletionList | null) => (Array.isArray(r) ? r : r?.items ?? []).map((i) => i.label);

/** Completion at the `‸` of `src`, after replacing the document with it. */
async function completeAt(src: string, uri = ghUri): Promise<string[]> {
  const m = marked(src);
  await client.change(uri, m.text);
  const items = labels(await client.request<CompletionItem[]>("textDocument/completion", { textDocument: { uri }, position: m.cursors[0] }));
  if (uri !== ghUri) await client.change(uri, tests.text);
  return items;
}

describe("diagnostics", () => {
  test("a typo'd integration is reported with code, link, source and range", async () => {
    const p = await client.waitDiagnostics(ghUri, (x) => x.diagnostics.some((d) => d.code === "PDL2001"));
    const d = p.diagnostics.find((x) => x.code === "PDL2001")!;
    expect(d.source).toBe("policy");
    expect(d.codeDescription?.href).toMatch(/diagnostics#pdl2001$/);
    expect(d.message).toContain("unknown integration \"Githb\"");
    expect(d.message).toContain("did you mean `GitHub`?");
    expect(d.range).toEqual(gh.ranges[2]);
  });

  test("didChange re-checks: fixing the typo clears the error", async () => {
    await client.change(ghUri, gh.text.replace("Githb", "GitHub"));
    // Wait for the publication without the error (an earlier check may still report the old text).
    const p = await client.waitDiagnostics(ghUri, (x) => !x.diagnostics.some((d) => d.code === "PDL2001"));
    expect(p.diagnostics.map((d) => d.code)).not.toContain("PDL2001");
    await client.change(ghUri, gh.text);
    await client.waitDiagnostics(ghUri, (x) => x.diagnostics.some((d) => d.code === "PDL2001"));
  });

  test("a catalog with errors gets diagnostics on the catalog file, and dependents are re-checked", async () => {
    const catalog = join(root, "catalogs/acme.json");
    const catUri = uriOf(catalog);
    await client.change(ghUri, `${gh.text}\npolicy "CRM" {\n  id crm\n  if tool is acme_crm.delete_contact\n  action block\n}\n`);
    await client.waitDiagnostics(ghUri, (x) => !x.diagnostics.some((d) => d.code === "PDL2002"));
    writeFileSync(catalog, ACME_CATALOG.replace("\"operation\": \"Delete\"", "\"operation\": \"Destroy\""));
    await client.conn.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: catUri, type: 2 }] });
    const onCatalog = await client.waitDiagnostics(catUri, (x) => x.diagnostics.some((d) => d.code === "PDL3001"));
    expect(onCatalog.diagnostics[0]!.range.start.line).toBeGreaterThan(0);
    writeFileSync(catalog, ACME_CATALOG);
    await client.conn.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: catUri, type: 2 }] });
    await client.waitDiagnostics(catUri, (x) => x.diagnostics.length === 0);
    await client.change(ghUri, gh.text);
  });
});

describe("completion", () => {
  test("after `if tool is ` in a policy constrained to GitHub: GitHub's tools, bare", async () => {
    const items = await completeAt(`policy "p" {\n  if integration is GitHub\n  if tool is ‸\n  action block\n}\n`);
    expect(items).toContain("merge_pull_request");
    expect(items).toContain("create_issue");
    expect(items.some((l) => l.startsWith("linear.") || l === "send_email")).toBe(false);
  });

  test("without a constraint, tools are qualified", async () => {
    const items = await completeAt(`policy "p" {\n  if tool is ‸\n  action block\n}\n`);
    expect(items).toContain("github.merge_pull_request");
    expect(items).toContain("acme_crm.delete_contact");
  });

  test("MCP request paths are offered quoted (they are not names)", async () => {
    const m = marked(`policy "p" {\n  if integration is GitHub\n  if tool is ‸\n  action block\n}\n`);
    await client.change(ghUri, m.text);
    const r = await client.request<CompletionItem[]>("textDocument/completion", { textDocument: { uri: ghUri }, position: m.cursors[0] });
    const items = Array.isArray(r) ? r : [];
    expect(items.find((i) => i.label === "resources/read")?.insertText).toBe("\"resources/read\"");
    expect(items.find((i) => i.label === "create_issue")?.insertText).toBeUndefined();
  });

  test("subjects after `if `, operators after a subject, integrations after `integration is `", async () => {
    expect(await completeAt(`policy "p" {\n  if ‸\n}\n`)).toEqual(expect.arrayContaining(["integration", "tool", "operation", "args.", "data_class"]));
    expect(await completeAt(`policy "p" {\n  if operation ‸\n}\n`)).toEqual(expect.arrayContaining(["is", "in", "not in"]));
    expect(await completeAt(`policy "p" {\n  if integration is ‸\n}\n`)).toEqual(expect.arrayContaining(["GitHub", "Acme_CRM", "Slack"]));
    expect(await completeAt(`policy "p" {\n  if operation in [Read, ‸\n}\n`)).toEqual(expect.arrayContaining(["Write", "Delete"]));
  });

  test("`args.` paths from the matchable tools (nested), and enum values", async () => {
    const paths = await completeAt(`policy "p" {\n  if tool is acme_crm.delete_contact\n  if args.‸\n}\n`);
    expect(paths).toEqual(expect.arrayContaining(["args.contact_id", "args.mode", "args.owner", "args.owner.email"]));
    const values = await completeAt(`policy "p" {\n  if integration is GitHub\n  if tool is merge_pull_request\n  if args.merge_method is ‸\n}\n`);
    expect(values).toEqual(expect.arrayContaining(["\"merge\"", "\"squash\"", "\"rebase\""]));
  });

  test("`expect … by ` offers the project's policy ids and names", async () => {
    await client.waitDiagnostics(ghUri, (x) => x.diagnostics.some((d) => d.code === "PDL2001"));
    expect(await completeAt(`test "t" {\n  expect block by ‸\n}\n`, testsUri)).toEqual(expect.arrayContaining(["github-readonly", "\"GitHub read only\""]));
  });

  test("keywords in context: policy lines, actions, labels, test steps and `by` policies", async () => {
    expect(await completeAt(`policy "p" {\n  ‸\n}\n`)).toEqual(expect.arrayContaining(["id", "priority", "if", "action"]));
    expect(await completeAt(`policy "p" {\n  action ‸\n}\n`)).toEqual(expect.arrayContaining(["allow", "block", "require_approval", "alert"]));
    expect(await completeAt(`policy "p" {\n  if tool has ‸\n}\n`)).toEqual(expect.arrayContaining(["external_communication", "private_data"]));
    expect(await completeAt(`‸`)).toEqual(expect.arrayContaining(["policy", "test", "default"]));
    expect(await completeAt(`test "t" {\n  ‸\n}\n`)).toEqual(expect.arrayContaining(["call", "expect", "given", "respond"]));
    await client.change(ghUri, gh.text);
  });

  test("`respond` offers cost and result, then a currency after the amount", async () => {
    expect(await completeAt(`test "t" {\n  respond ‸\n}\n`)).toEqual(["cost", "result"]);
    expect(await completeAt(`test "t" {\n  respond cost 0.42 ‸\n}\n`)).toEqual(["USD"]);
    expect(await completeAt(`test "t" {\n  respond cost 0.42 USD ‸\n}\n`)).toEqual(["result"]);
    expect(await completeAt(`test "t" {\n  respond result { ‸\n}\n`)).toEqual([]);
    await client.change(ghUri, gh.text);
  });
});

describe("hover, definition, references", () => {
  test("hover on a tool shows its description, operation and arguments", async () => {
    const h = await client.request<Hover>("textDocument/hover", { textDocument: { uri: ghUri }, position: gh.ranges[1]!.start });
    const v = (h.contents as { value: string }).value;
    expect(v).toContain("github.merge_pull_request");
    expect(v).toContain("Write");
    expect(v).toContain("merge_method");
  });

  test("hover on a policy reference shows its effective id and priority", async () => {
    const h = await client.request<Hover>("textDocument/hover", { textDocument: { uri: testsUri }, position: tests.ranges[0]!.start });
    const v = (h.contents as { value: string }).value;
    expect(v).toContain("github-readonly");
    expect(v).toContain("priority 10");
  });

  test("hover on a diagnostic explains its code", async () => {
    const h = await client.request<Hover>("textDocument/hover", { textDocument: { uri: ghUri }, position: gh.ranges[2]!.start });
    expect((h.contents as { value: string }).value).toContain("PDL2001");
  });

  test("definition of `by github-readonly` is the policy's id line, in another file", async () => {
    const locs = await client.request<Location[]>("textDocument/definition", { textDocument: { uri: testsUri }, position: tests.ranges[0]!.start });
    expect(locs).toEqual([{ uri: ghUri, range: gh.ranges[0] }]);
  });

  test("references of a policy id include the tests that name it", async () => {
    const locs = await client.request<Location[]>("textDocument/references", { textDocument: { uri: ghUri }, position: gh.ranges[0]!.start, context: { includeDeclaration: true } });
    expect(locs).toEqual(expect.arrayContaining([{ uri: ghUri, range: gh.ranges[0] }, { uri: testsUri, range: tests.ranges[0] }]));
  });
});

describe("editing", () => {
  test("formatting replaces the document with the printer's output", async () => {
    const messy = `policy   "x" {\n id x\n      if integration is   GitHub\n action block  "no"\n}\n`;
    await client.change(ghUri, messy);
    const edits = await client.request<TextEdit[]>("textDocument/formatting", { textDocument: { uri: ghUri }, options: { tabSize: 2, insertSpaces: true } });
    expect(edits).toHaveLength(1);
    expect(edits[0]!.newText).toBe(print(parse(messy).ast));
    expect(edits[0]!.newText).toContain("  if integration is GitHub\n");
    await client.change(ghUri, `policy "x" {\n  if integration is\n`);
    expect(await client.request<TextEdit[]>("textDocument/formatting", { textDocument: { uri: ghUri }, options: { tabSize: 2, insertSpaces: true } })).toEqual([]);
    await client.change(ghUri, gh.text);
  });

  test("a typo'd integration gets a quick fix", async () => {
    const p = await client.waitDiagnostics(ghUri, (x) => x.diagnostics.some((d) => d.code === "PDL2001"));
    const diagnostic = p.diagnostics.find((d) => d.code === "PDL2001")!;
    const actions = await client.request<CodeAction[]>("textDocument/codeAction", { textDocument: { uri: ghUri }, range: gh.ranges[2], context: { diagnostics: [diagnostic] } });
    const fix = actions.find((a) => a.title.includes("GitHub"))!;
    expect(fix.kind).toBe("quickfix");
    expect(fix.edit?.changes?.[ghUri]).toEqual([{ range: gh.ranges[2], newText: "GitHub" }]);
  });

  test("quick fixes without client-side data: deny → block, add a missing id", async () => {
    const src = marked(`policy "No deletes" {\n  if operation is Delete\n  action ⟨deny⟩\n}\n`);
    await client.change(ghUri, src.text);
    await client.waitDiagnostics(ghUri, (x) => x.diagnostics.some((d) => d.code === "PDL4003"));
    const actions = await client.request<CodeAction[]>("textDocument/codeAction", { textDocument: { uri: ghUri }, range: { start: { line: 0, character: 0 }, end: { line: 3, character: 0 } }, context: { diagnostics: [] } });
    expect(actions.map((a) => a.title)).toEqual(expect.arrayContaining(["Convert 'deny' to 'block'", "Add an id"]));
    expect(actions.find((a) => a.title === "Add an id")!.edit!.changes![ghUri]![0]!.newText).toBe("id no-deletes\n  ");
    await client.change(ghUri, gh.text);
  });

  test("rename of a policy id changes the id and every test reference", async () => {
    await client.waitDiagnostics(ghUri, (x) => x.diagnostics.some((d) => d.code === "PDL2001"));
    const prep = await client.request<{ range: unknown; placeholder: string }>("textDocument/prepareRename", { textDocument: { uri: testsUri }, position: tests.ranges[0]!.start });
    expect(prep.placeholder).toBe("github-readonly");
    const edit = await client.request<WorkspaceEdit>("textDocument/rename", { textDocument: { uri: testsUri }, position: tests.ranges[0]!.start, newName: "gh-ro" });
    expect(edit.changes?.[ghUri]).toEqual([{ range: gh.ranges[0], newText: "gh-ro" }]);
    expect(edit.changes?.[testsUri]).toEqual([{ range: tests.ranges[0], newText: "gh-ro" }]);
    await expect(client.request("textDocument/rename", { textDocument: { uri: testsUri }, position: tests.ranges[0]!.start, newName: "not valid" })).rejects.toThrow(/not a valid policy id/);
  });
});

describe("outline and presentation", () => {
  test("document symbols, workspace symbols, folding, semantic tokens, code lens", async () => {
    const syms = await client.request<DocumentSymbol[]>("textDocument/documentSymbol", { textDocument: { uri: ghUri } });
    expect(syms.map((s) => s.name)).toEqual(["GitHub read only", "Typo"]);
    const ws = await client.request<{ name: string }[]>("workspace/symbol", { query: "merges" });
    expect(ws.map((s) => s.name)).toEqual(["merges are blocked"]);
    const folds = await client.request<FoldingRange[]>("textDocument/foldingRange", { textDocument: { uri: ghUri } });
    expect(folds).toEqual(expect.arrayContaining([{ startLine: 0, endLine: 7 }]));
    const tokens = await client.request<SemanticTokens>("textDocument/semanticTokens/full", { textDocument: { uri: ghUri } });
    expect(tokens.data.length % 5).toBe(0);
    expect(tokens.data.length).toBeGreaterThan(50);
    const lenses = await client.request<CodeLens[]>("textDocument/codeLens", { textDocument: { uri: testsUri } });
    expect(lenses[0]!.command!.command).toBe("policy.runTests");
    expect(lenses[0]!.command!.title).toMatch(/^▶ run test/);
  });

  test("half-typed and odd input never kills the server", async () => {
    for (const text of ["policy \"", "policy \"x\" {\n  if args.", "test {", "\u0000\uFFFD\uD800 policy", "}}}}{{{{", "policy \"x\" { if rate(5m, integration is", "detector X /(a+)+$/ class"]) {
      await client.change(ghUri, text);
      for (let c = 0; c <= Math.min(text.length, 40); c += 7) {
        await client.request("textDocument/completion", { textDocument: { uri: ghUri }, position: { line: 0, character: c } });
        await client.request("textDocument/hover", { textDocument: { uri: ghUri }, position: { line: 0, character: c } });
      }
      await client.request("textDocument/semanticTokens/full", { textDocument: { uri: ghUri } });
      await client.request("textDocument/formatting", { textDocument: { uri: ghUri }, options: { tabSize: 2, insertSpaces: true } });
    }
    await client.change(ghUri, gh.text);
    const p = await client.waitDiagnostics(ghUri, (x) => x.diagnostics.some((d) => d.code === "PDL2001"));
    expect(p.diagnostics.length).toBeGreaterThan(0);
    expect(client.proc.exitCode).toBeNull();
  });
});

describe("hover on argument paths with index steps", () => {
  test("args.files[*].path: its type, and that it is compared as a canonical path", async () => {
    const other = workspace({ "paths.policy": "" });
    const src = `policy "x" {\n  if tool is github.push_files\n  if args.files[*].path under ".github/workflows"\n  action block\n}\n`;
    const uri = await client.open(join(other, "paths.policy"), src);
    await client.waitDiagnostics(uri, () => true);
    const h = await client.request<Hover>("textDocument/hover", { textDocument: { uri }, position: { line: 2, character: 8 } });
    const text = (h.contents as { value: string }).value;
    expect(text).toContain("`args.files[*].path`: string");
    expect(text).toContain("compared in canonical form as a path");
  });
});

describe("files outside the workspace", () => {
  test("a lone file outside every workspace folder is checked on its own", async () => {
    const other = workspace({ "lone.policy": "" });
    const m = marked(`policy "x" {\n  if operation is ⟨Wrte⟩\n  action block\n}\n`);
    const uri = await client.open(join(other, "lone.policy"), m.text);
    const p = await client.waitDiagnostics(uri, (x) => x.diagnostics.some((d) => d.code === "PDL2004"));
    expect(p.diagnostics.find((d) => d.code === "PDL2004")!.range).toEqual(m.ranges[0]);
    const h = await client.request<Hover>("textDocument/hover", { textDocument: { uri }, position: { line: 1, character: 5 } });
    expect((h.contents as { value: string }).value).toContain("Delete");
  });
});
