/** The language server after a URL part (`args.url host …`): the part's operators are offered (runtime/language-facts.ts `URL_PART_OPERATORS`). */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { join } from "node:path";
import type { CompletionItem, CompletionList } from "vscode-languageserver-protocol";
import { Client, marked, workspace } from "./harness.js";

let client: Client;
let uri: string;
const START = `policy "p" {\n  action allow\n}\n`;

beforeAll(async () => {
  const root = workspace({ "policy.config.json": "{}", "urls.policy": START });
  client = await Client.start(root);
  uri = await client.open(join(root, "urls.policy"), START);
});
afterAll(async () => { await client?.stop(); });

const items = (r: CompletionItem[] | CompletionList | null) => (Array.isArray(r) ? r : r?.items ?? []);
async function completeAt(src: string): Promise<string[]> {
  const m = marked(src);
  await client.change(uri, m.text);
  return items(await client.request<CompletionItem[]>("textDocument/completion", { textDocument: { uri }, position: m.cursors[0] })).map((i) => i.label);
}

describe("URL parts in the editor", () => {
  test("after an argument the URL parts are offered; after a part, the operators a part takes", async () => {
    expect(await completeAt(`policy "p" {\n  if args.url ‸\n}\n`)).toEqual(expect.arrayContaining(["host", "scheme", "path", "is", "matches"]));
    expect(await completeAt(`policy "p" {\n  if args.url host ‸\n}\n`)).toEqual(["is", "is not", "in", "not in", "matches"]);
    expect(await completeAt(`policy "p" {\n  if args.url scheme is ‸\n}\n`)).toEqual(["not"]);
    expect(await completeAt(`policy "p" {\n  if args.url path matches "/a/*" ‸\n}\n`)).toEqual(["and", "or"]);
  });
});
