/**
 * A 5,000-line file gets diagnostics, on open and after an edit. The times are printed and
 * written to `$TMPDIR/policy-lsp-large-file.json` (no timing assertion: `npm run bench` owns that).
 */
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { Client, workspace } from "./harness.js";
import { largeSource } from "../../bench/support/large-source.js";



let client: Client | undefined;
afterAll(async () => { await client?.stop(); });

test("a 5,000-line file gets diagnostics on open and after an edit", async () => {
  const text = largeSource(5000);
  expect(text.split("\n").length).toBeGreaterThanOrEqual(5000);
  const root = workspace({ "big.policy": text });
  client = await Client.start(root, { debounceMs: 150 });
  const t0 = performance.now();
  const uri = await client.open(join(root, "big.policy"), text);
  const first = await client.waitDiagnostics(uri, () => true, 120_000);
  const openMs = performance.now() - t0;
  expect(first.diagnostics.filter((d) => d.severity === 1)).toEqual([]);
  // Several edits, each waiting for its diagnostics: the first is cold (JIT), the last is steady state.
  const editMs: number[] = [];
  for (let k = 0; k < 6; k++) {
    const edited = text + `policy "Late typo" {\n  id late\n  if integration is Githb${k}\n  action block\n}\n`;
    await new Promise((r) => setTimeout(r, 200));
    const t1 = performance.now();
    await client.change(uri, edited);
    const second = await client.waitDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === "PDL2001" && String(d.message).includes(`Githb${k}`)), 120_000);
    editMs.push(Math.round(performance.now() - t1));
    expect(second.diagnostics.find((d) => d.code === "PDL2001")!.range.start.line).toBe(text.split("\n").length + 1);
  }
  const figures = { lines: text.split("\n").length - 1, openToDiagnosticsMs: Math.round(openMs), editToDiagnosticsMs: editMs };
  console.log(`[lsp large file] ${JSON.stringify(figures)}\n${client.log.join("\n")}`);
  writeFileSync(join(tmpdir(), "policy-lsp-large-file.json"), JSON.stringify(figures) + "\n");
});
