import { describe, expect, it } from "vitest";
import { makeEntry, serializeEntry, verifyAuditLog, type AuditEntry } from "../../lifecycle/audit.js";

const NONE = { added: [], changed: [], deprecated: [], removed: [] };

function log(n: number): { text: string; entries: AuditEntry[] } {
  const entries: AuditEntry[] = [];
  for (let i = 0; i < n; i++) {
    const prev = entries[i - 1];
    entries.push(makeEntry({ revision: `rev${i}`, output: "bundle.json", signed: false, include_drafts: false, policies: [{ id: "p", version: i + 1, status: "active" }], changes: i ? { ...NONE, changed: [{ id: "p", from: i, to: i + 1 }] } : { ...NONE, added: [{ id: "p", version: 1 }] } },
      prev ? { seq: prev.seq, hash: prev.hash } : undefined, { now: new Date(Date.UTC(2026, 0, 1, 0, i)), actor: "ci" }));
  }
  return { text: entries.map(serializeEntry).join(""), entries };
}

describe("audit log", () => {
  const { text, entries } = log(4);
  const head = { seq: 4, hash: entries[3]!.hash };

  it("chains entries: seq, prev hash, own hash; who, what, when", () => {
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(entries[0]!.prev).toBeNull();
    expect(entries[2]!.prev).toBe(entries[1]!.hash);
    expect(entries[1]).toMatchObject({ actor: "ci", action: "build", revision: "rev1", ts: "2026-01-01T00:01:00.000Z" });
    const v = verifyAuditLog(text, head);
    expect(v).toMatchObject({ ok: true, problems: [], head });
  });

  it("detects an edited entry", () => {
    const v = verifyAuditLog(text.replace('"actor":"ci","action":"build","revision":"rev1"', '"actor":"eve","action":"build","revision":"rev1"'), head);
    expect(v.ok).toBe(false);
    expect(v.problems[0]).toMatchObject({ line: 2 });
    expect(v.problems[0]!.message).toContain("modified");
  });

  it("detects an entry removed from the middle, and reordered entries", () => {
    const lines = text.split("\n");
    expect(verifyAuditLog([lines[0], lines[2], lines[3], ""].join("\n"), head).problems[0]!.message).toMatch(/seq 3, expected 2/);
    expect(verifyAuditLog([lines[1], lines[0], lines[2], lines[3], ""].join("\n"), head).ok).toBe(false);
  });

  it("detects entries cut from the end with the head the lock records", () => {
    const cut = text.split("\n").slice(0, 2).join("\n") + "\n";
    expect(verifyAuditLog(cut).ok).toBe(true); // without an anchor the chain alone looks fine
    const v = verifyAuditLog(cut, head);
    expect(v.ok).toBe(false);
    expect(v.problems[0]!.message).toMatch(/ends at entry 2, but policy\.lock records entry 4: 2 entries were removed from the end/);
    expect(verifyAuditLog("", head).problems[0]!.message).toMatch(/empty/);
  });

  it("detects a cut-off last line and a replaced end", () => {
    expect(verifyAuditLog(text.slice(0, -20), head).problems[0]!.message).toMatch(/cut off/);
    const other = log(4);
    expect(verifyAuditLog(other.text.replace(/"revision":"rev3"/, '"revision":"rev3"'), { seq: 4, hash: "f".repeat(64) }).problems[0]!.message).toMatch(/not the one policy\.lock records/);
  });
});

describe("audit entry schema", () => {
  it("describes the entries a build writes", async () => {
    const { schemaValidator } = await import("../../compiler/json/validate.js");
    const v = schemaValidator("audit-entry.schema.json");
    for (const e of log(3).entries) expect(v(e), JSON.stringify(v.errors)).toBe(true);
    const lines = (await import("node:fs")).readFileSync("examples/lifecycle/policy.audit.jsonl", "utf8").trim().split("\n");
    for (const l of lines) expect(v(JSON.parse(l)), JSON.stringify(v.errors)).toBe(true);
  });
});
