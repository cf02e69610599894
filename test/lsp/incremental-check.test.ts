/**
 * The language server's incremental check equals a check from scratch: after every edit of a
 * random sequence (typing and deleting characters, inserting, deleting and moving declarations
 * between files, changing ids, priorities and effects), the project the server holds — checked
 * with its memo, its re-parse that moves unchanged declarations — has the same diagnostics (codes,
 * spans, messages, hints, related spans, fixes) and the same policies as `loadProject` run on the
 * same texts without any memo. The snippets make the cross-file rules fire across files:
 * duplicate ids, shadowing (with a policy without `if` lines, and deprecated ones), stricter
 * command forms, approvers, tests naming policies, detectors and the organization; the project's
 * config changes too (the approvers roster, a catalog with a tool less), which every policy reads.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { afterAll, expect, test } from "vitest";
import fc from "fast-check";
import { TextDocument } from "vscode-languageserver-textdocument";
import { loadProject, ProjectMemo } from "../../compiler/project.js";
import { Workspace } from "../../lsp/workspace.js";
import { pathToUri } from "../../lsp/positions.js";
import { SMALL_CATALOG } from "../support/small-catalog.js";

const SNIPPETS = [
  'policy "Block pushes" {\n  id no-push\n  if tool is gitx.push\n  action block\n}\n',
  'policy "Hold force pushes" {\n  id no-force\n  if tool is gitx.push_force\n  action require_approval from [technician]\n}\n',
  'policy "Block force pushes" {\n  id force\n  if tool is gitx.push_force\n  action block\n}\n',
  'policy "Alpha reads" {\n  id alpha-read\n  priority 10\n  if integration is alpha\n  action allow\n}\n',
  'policy "Alpha reads held" {\n  id alpha-read\n  priority 20\n  if integration is alpha\n  if operation is Read\n  action require_approval from [manager]\n}\n',
  'policy "Alpha blocked" {\n  id alpha-block\n  if integration is alpha\n  if operation is Read\n  action block "no"\n}\n',
  'policy "Never" {\n  id contra\n  if integration is alpha\n  if integration is beta\n  action block\n}\n',
  'policy "Typo" {\n  id typo\n  if integration is alpah\n  action block\n}\n',
  'policy "No id" {\n  if tool is beta.get_item\n  action allow\n}\n',
  'policy "Everything" {\n  id all\n  priority 1\n  action allow\n}\n',
  'policy "Old" {\n  id old\n  status deprecated\n  if integration is beta\n  action block\n}\n',
  'policy "Draft" {\n  id alpha-read\n  status draft\n  scope tenant "acme"\n  if integration is alpha\n  action block\n}\n',
  'policy "Data" {\n  id data\n  if data_class has INTERNAL\n  action block\n}\n',
  'policy "External" {\n  id ext\n  if principal is external\n  action require_approval\n}\n',
  'test "reads" {\n  call alpha.get_item { name: "x" }\n  expect allow by alpha-read\n  call beta.get_item { nam: 1 }\n  expect block by no-such-policy\n}\n',
  "detector Emp /EMP-[0-9]{6}/ class INTERNAL\n",
  'organization {\n  domains ["acme.com"]\n}\n',
  "default by operation { Read: allow  Write: require_approval }\n",
];
const IDS = ["no-push", "no-force", "alpha-read", "alpha-block", "contra", "all", "x1"];
const CHARS = ["x", " ", "\n", "}", "\"", "1", "#"];
/** What a policy's check reads besides the policy: the approvers roster, and the catalog (a tool less). */
const CONFIGS = [
  { catalogs: ["catalog.json"], approvers: { manager: ["ann"] } },
  { catalogs: ["catalog.json"], approvers: { manager: ["ann"], technician: ["tom"] } },
  { catalogs: ["catalog.json"] },
  { catalogs: ["catalog-small.json"], approvers: { manager: ["ann"] } },
];
const SMALLER = { ...SMALL_CATALOG, integrations: SMALL_CATALOG.integrations.map((i) => (i.id === "gitx" ? { ...i, tools: i.tools.filter((t) => t.name !== "push_force"), commands: (i.commands ?? []).filter((c) => c.tool !== "push_force") } : i)) };

type Edit =
  | { kind: "insert"; file: number; at: number; snippet: number }
  | { kind: "delete-lines"; file: number; at: number; count: number }
  | { kind: "type"; file: number; at: number; char: string }
  | { kind: "erase"; file: number; at: number }
  | { kind: "set"; file: number; at: number; what: "id" | "priority" | "effect"; value: number }
  | { kind: "move"; file: number; at: number; to: number }
  | { kind: "config"; variant: number };

const at = fc.double({ min: 0, max: 1, noNaN: true });
const file = fc.nat(2);
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant("insert" as const), file, at, snippet: fc.nat(SNIPPETS.length - 1) }),
  fc.record({ kind: fc.constant("delete-lines" as const), file, at, count: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant("type" as const), file, at, char: fc.constantFrom(...CHARS) }),
  fc.record({ kind: fc.constant("erase" as const), file, at }),
  fc.record({ kind: fc.constant("set" as const), file, at, what: fc.constantFrom("id" as const, "priority" as const, "effect" as const), value: fc.nat(6) }),
  fc.record({ kind: fc.constant("move" as const), file, at, to: file }),
  fc.record({ kind: fc.constant("config" as const), variant: fc.nat(CONFIGS.length - 1) }),
);

/** Line starts of the declarations of a text (lines that start a `policy`, `test`, … block). */
function declStarts(text: string): number[] {
  const out = [0];
  const re = /^(?:policy|test|detector|organization|default)\b/gm;
  for (let m; (m = re.exec(text)); ) out.push(m.index);
  out.push(text.length);
  return out;
}

function apply(texts: string[], e: Edit, dir: string): void {
  if (e.kind === "config") { writeFileSync(join(dir, "policy.config.json"), JSON.stringify(CONFIGS[e.variant])); return; }
  const t = texts[e.file]!;
  const pos = Math.floor(e.at * t.length);
  const starts = declStarts(t);
  const boundary = starts[Math.floor(e.at * starts.length)] ?? t.length;
  switch (e.kind) {
    case "insert": texts[e.file] = t.slice(0, boundary) + SNIPPETS[e.snippet] + t.slice(boundary); break;
    case "delete-lines": { const ls = t.split("\n"); ls.splice(Math.floor(e.at * ls.length), e.count); texts[e.file] = ls.join("\n"); break; }
    case "type": texts[e.file] = t.slice(0, pos) + e.char + t.slice(pos); break;
    case "erase": texts[e.file] = t.slice(0, pos) + t.slice(pos + 1); break;
    case "set": {
      const re = e.what === "id" ? /\bid [\w-]+/g : e.what === "priority" ? /\bpriority \d+/g : /\baction (?:allow|block|require_approval)/g;
      const hits = [...t.matchAll(re)];
      const h = hits[Math.floor(e.at * hits.length)];
      if (!h) break;
      const to = e.what === "id" ? `id ${IDS[e.value]}` : e.what === "priority" ? `priority ${e.value * 5}` : `action ${["allow", "block", "require_approval"][e.value % 3]}`;
      texts[e.file] = t.slice(0, h.index) + to + t.slice(h.index + h[0].length);
      break;
    }
    case "move": {
      const k = Math.min(Math.floor(e.at * (starts.length - 1)), starts.length - 2);
      const block = t.slice(starts[k], starts[k + 1]);
      texts[e.file] = t.slice(0, starts[k]) + t.slice(starts[k + 1]);
      texts[e.to] = texts[e.to] + (texts[e.to]!.endsWith("\n") || !texts[e.to] ? "" : "\n") + block;
      break;
    }
  }
}

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** The parts of a project the editor shows: diagnostics, and the policies hover and definition read. */
const shown = (p: ReturnType<typeof loadProject>["project"]) => ({ diagnostics: p.diagnostics, policies: p.policies.map(({ ast: _ast, ...rest }) => rest) });

test("after random edits, the incremental check equals a check from scratch", () => {
  const dir = mkdtempSync(join(tmpdir(), "policy-incremental-"));
  dirs.push(dir);
  writeFileSync(join(dir, "catalog.json"), JSON.stringify(SMALL_CATALOG));
  writeFileSync(join(dir, "catalog-small.json"), JSON.stringify(SMALLER));
  mkdirSync(join(dir, "p"), { recursive: true });
  const paths = ["a.policy", "p/b.policy", "p/c.policy"].map((f) => join(dir, f));
  const reference = new ProjectMemo({ checks: false });
  fc.assert(fc.property(fc.array(fc.nat(SNIPPETS.length - 1), { minLength: 3, maxLength: 12 }), fc.array(edit, { minLength: 1, maxLength: 8 }), (start, edits) => {
    writeFileSync(join(dir, "policy.config.json"), JSON.stringify(CONFIGS[0]));
    const texts = ["", "", ""];
    start.forEach((s, i) => { texts[i % 3] += SNIPPETS[s]!; });
    for (const [i, p] of paths.entries()) writeFileSync(p, texts[i]!);
    let docs = paths.map((p, i) => TextDocument.create(pathToUri(p), "policy", 1, texts[i]!));
    const ws = new Workspace({ all: () => docs, get: (u) => docs.find((d) => d.uri === u) }, { roots: [dir], catalogs: [], debounceMs: 0, log: (m) => { throw new Error(m); } });
    try {
      const check = (step: string) => {
        const got = ws.fresh(docs[0]!.uri)!.project;
        // From scratch: no check memo (the catalog alone is kept: loading it is most of a small project's load).
        const want = loadProject(["."], { cwd: dir, overlays: new Map(paths.map((p, i) => [p, texts[i]!])), memo: reference }).project;
        if (!isDeepStrictEqual(shown(got), shown(want))) expect({ step, texts, ...shown(got) }).toEqual({ step, texts, ...shown(want) });
      };
      check("open");
      for (const e of edits) {
        apply(texts, e, dir);
        docs = docs.map((d, i) => (d.getText() === texts[i] ? d : TextDocument.create(d.uri, "policy", d.version + 1, texts[i]!)));
        for (const d of docs) ws.documentChanged(d.uri);
        if (e.kind === "config") ws.filesChanged([join(dir, "policy.config.json")]);
        check(JSON.stringify(e));
      }
    } finally {
      ws.dispose();
    }
  }), { numRuns: 80 });
});
