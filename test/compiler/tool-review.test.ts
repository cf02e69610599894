/**
 * Tool and agent review status: `policy catalog review` / `policy agent review` write the reviews
 * file (schema-valid, with history); `policy build` ships the statuses in the bundle and records
 * them in the audit log; `tool.review_status` decides in the runtime, the reference evaluator,
 * `visibleTools`, explain and `policy test`; a changed definition makes a tool Unreviewed and
 * nothing an event says makes a tool more reviewed than the bundle does.
 */
import { describe, expect, test } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { createEnforcer } from "../../runtime/index.js";
import type { SessionEvent } from "../../runtime/types.js";
import { referenceDecide } from "../../compiler/reference/index.js";
import { explain } from "../../compiler/explain.js";
import { loadProject } from "../../compiler/project.js";
import { buildBundle } from "../../compiler/emit/index.js";
import { schemaValidator } from "../../compiler/json/validate.js";
import { subjectValues } from "../../compiler/editor-support.js";
import { smallCatalog } from "../support/small-catalog.js";
import { prepare } from "../fuzz/compare.js";
import { runCli } from "../support/cli.js";

const SOURCE = `
policy "Unreviewed tools need approval" {
  id unreviewed
  if tool.review_status is Unreviewed
  action require_approval "this tool has not been reviewed"
}
policy "Disallowed tools are hidden" {
  id disallowed
  if tool.review_status is Disallowed
  action hide
}
policy "Disallowed agents are blocked" {
  id bad-agent
  if agent.review_status is Disallowed
  action block "this agent is disallowed"
}
`;

const catalog = smallCatalog();
const call = (integration: string, tool: string, extra: { changed?: string[]; agent?: SessionEvent["agent"] } = {}): SessionEvent => ({
  type: "tool_call_request", session_id: "s", agent: extra.agent ?? { name: "C" },
  call: { id: "c1", type: "mcp", integration, tool, args: {}, ...(extra.changed ? { definition_changed: extra.changed } : {}) },
});

describe("tool.review_status in the runtime and the reference evaluator", () => {
  // SMALL_REVIEWS: alpha.get_item Approved, alpha.delete_item Disallowed; agents A Approved, B Disallowed.
  const p = prepare(SOURCE, false, catalog);
  if (typeof p === "string") throw new Error(p);
  const e = createEnforcer(p.bundle);
  const both = (ev: SessionEvent) => {
    const d = e.decide(ev);
    expect(referenceDecide(p.model, ev)).toMatchObject({ effect: d.effect, policy: d.policy?.id ?? null });
    return d;
  };

  test("the bundle carries the reviews; an approved tool is allowed, an unreviewed one needs approval, a disallowed one is blocked", async () => {
    expect(p.bundle.tool_reviews).toEqual({ "alpha.delete_item": "Disallowed", "alpha.get_item": "Approved", "beta.list_things": "Approved", "gitx.push": "Approved", "gitx.push_force": "Disallowed" });
    expect(both(call("alpha", "get_item")).effect).toBe("allow");
    expect(both(call("alpha", "create_item"))).toMatchObject({ effect: "require_approval", policy: { id: "unreviewed" } });
    expect(both(call("alpha", "delete_item"))).toMatchObject({ effect: "block", policy: { id: "disallowed" }, hidden: true });
    expect(both({ type: "tool_call_request", session_id: "s", agent: { name: "C" }, call: { id: "c", type: "cli", command: ["gitx", "push", "origin"] } }).effect).toBe("allow");
  });

  test("a changed definition makes an approved tool Unreviewed; a disallowed tool stays Disallowed", async () => {
    expect(both(call("alpha", "get_item", { changed: ["description"] }))).toMatchObject({ effect: "require_approval", policy: { id: "unreviewed" } });
    expect(both(call("alpha", "delete_item", { changed: ["description"] }))).toMatchObject({ effect: "block", policy: { id: "disallowed" } });
    expect(both(call("alpha", "get_item", { changed: [] })).effect).toBe("allow");
  });

  test("look-alike and unknown tool names are Unreviewed (case folds to the catalog key, as the tables do)", async () => {
    expect(both(call("alpha", "get_іtem")).effect).toBe("require_approval"); // Cyrillic і
    expect(both(call("alpha", "get_item ")).effect).toBe("require_approval");
    expect(both(call("alpha", "GET_ITEM")).effect).toBe("allow");
    expect(both(call("other", "get_item")).effect).toBe("require_approval");
  });

  test("an event cannot mark a tool reviewed: malformed definition_changed is a rejected event", async () => {
    const bad = { ...call("alpha", "create_item"), call: { ...call("alpha", "create_item").call!, definition_changed: "nothing" } } as unknown as SessionEvent;
    expect(e.decide(bad)).toMatchObject({ effect: "block" });
    expect(e.decide(bad).reason).toMatch(/definition_changed/);
  });

  test("an agent's status comes from the bundle when the event has none; the event's own status is kept", async () => {
    expect(both(call("alpha", "get_item", { agent: { name: "B" } }))).toMatchObject({ effect: "block", policy: { id: "bad-agent" } });
    expect(both(call("alpha", "get_item", { agent: { name: "B", review_status: "Approved" } })).effect).toBe("allow");
    expect(both(call("alpha", "get_item", { agent: { name: "b" } })).effect).toBe("allow"); // names are exact
  });

  test("visibleTools hides disallowed tools, and a changed tool by its Unreviewed status", async () => {
    const src = SOURCE.replace('action require_approval "this tool has not been reviewed"', "action hide");
    const q = prepare(src, false, catalog);
    if (typeof q === "string") throw new Error(q);
    const v = createEnforcer(q.bundle).visibleTools({ name: "C" }, [{ name: "get_item" }, { name: "get_item", changed: true }, { name: "delete_item" }, { name: "create_item" }], "alpha");
    expect(v).toEqual([{ name: "get_item" }]);
  });

  test("explain evaluates tool.review_status as the decision does", async () => {
    const x = explain(p.bundle, call("alpha", "get_item", { changed: ["inputSchema.properties.name"] }));
    expect(x.decision.effect).toBe("require_approval");
    expect(x.policies.find((t) => t.id === "unreviewed")?.outcome).toBe("matched");
  });

  test("a bundle whose reviews or pins are malformed is rejected: every decision blocks (fail closed)", async () => {
    const { contentRevision } = await import("../../runtime/revision.js");
    for (const patch of [{ tool_reviews: { "alpha.create_item": "approved" } }, { agent_reviews: { C: "OK" } }, { pins: { "alpha.get_item": { hash: 1 } } }]) {
      const body = { ...p.bundle, ...patch, revision: "" };
      const bad = { ...body, revision: contentRevision(body) };
      const d = createEnforcer(bad).decide(call("alpha", "create_item"));
      expect(d.effect).toBe("block");
      expect(d.reason).toMatch(/bundle rejected: (tool_reviews|agent_reviews|pins)/);
    }
  });

  test("the editor offers the review statuses", async () => {
    expect(subjectValues(catalog, "tool.review_status")).toEqual(["Approved", "Unreviewed", "Disallowed"]);
  });
});

describe("policy catalog review / policy agent review / policy build", () => {
  const dir = mkdtempSync(join(tmpdir(), "reviews-"));
  writeFileSync(join(dir, "policy.config.json"), "{}\n");
  writeFileSync(join(dir, "p.policy"), `${SOURCE.replaceAll("alpha", "github")}
test "reviews decide" {
  given agent "Cursor"
  call github.merge_pull_request { owner: "a", repo: "b", pullNumber: 1 }
  expect allow
  call github.create_issue { owner: "a", repo: "b", title: "x" }
  expect require_approval by unreviewed
  call github.push_files { owner: "a", repo: "b", branch: "main", files: [], message: "m" }
  expect block by disallowed
  given agent "Windsurf"
  call github.merge_pull_request { owner: "a", repo: "b", pullNumber: 1 }
  expect block by bad-agent
}
`);
  const cli = (...args: string[]) => runCli(args, { cwd: dir });

  test("reviews are written with who, when and history, validated by the published schema", async () => {
    expect((await cli("catalog", "review", "github.merge_pull_request", "--status", "Approved", "--by", "alice"))).toMatchObject({ code: 0 });
    expect((await cli("catalog", "review", "github.push_files", "--status", "approved", "--by", "bob")).code).toBe(0);
    const r = await cli("catalog", "review", "push_files", "--status", "Disallowed", "--by", "carol", "--note", "writes to main", "--format", "json");
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: "tool", name: "github.push_files", status: "Disallowed", previous: "Approved", by: "carol" });
    expect((await cli("agent", "review", "Windsurf", "--status", "Disallowed", "--by", "alice")).code).toBe(0);
    const doc = JSON.parse(readFileSync(join(dir, "policy.reviews.json"), "utf8"));
    expect(schemaValidator("reviews.schema.json")(doc)).toBe(true);
    expect(doc.tools["github.push_files"]).toMatchObject({ status: "Disallowed", by: "carol", note: "writes to main" });
    expect(doc.history.map((h: { name: string; status: string; previous: string }) => `${h.name}:${h.previous}->${h.status}`)).toEqual([
      "github.merge_pull_request:Unreviewed->Approved", "github.push_files:Unreviewed->Approved", "github.push_files:Approved->Disallowed", "Windsurf:Unreviewed->Disallowed",
    ]);
  });

  test("bad input: unknown tool, ambiguous bare name, bad status, broken file — clear errors, exit 2, nothing written", async () => {
    const before = readFileSync(join(dir, "policy.reviews.json"), "utf8");
    expect((await cli("catalog", "review", "github.nope", "--status", "Approved"))).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown tool "github.nope"/) });
    expect((await cli("catalog", "review", "delete_file", "--status", "Approved"))).toMatchObject({ code: 2, stderr: expect.stringMatching(/ambiguous: .*github.delete_file/) });
    expect((await cli("agent", "review", "X", "--status", "Fine"))).toMatchObject({ code: 2, stderr: expect.stringMatching(/--status must be one of Approved, Unreviewed, Disallowed/) });
    expect(readFileSync(join(dir, "policy.reviews.json"), "utf8")).toBe(before);
    const other = mkdtempSync(join(tmpdir(), "reviews-bad-"));
    writeFileSync(join(other, "policy.reviews.json"), JSON.stringify({ format: "policy-reviews/1", tools: { "github.merge_pull_request": { status: "OK", by: "a", at: "2026-01-01T00:00:00Z" } }, agents: {}, history: [] }));
    const bad = (await runCli(["agent", "review", "X", "--status", "Approved", "--by", "a"], { cwd: other }));
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringMatching(/policy.reviews.json:1:.*must be one of "Approved"/) });
    expect((await runCli(["check", "."], { cwd: other })).stderr).toMatch(/PDL3020/);
  });

  test("policy test uses the project's reviews; build ships them, records them in the audit log and leaves the file as it was", async () => {
    expect((await cli("test", "."))).toMatchObject({ code: 0, stdout: expect.stringMatching(/1 passed, 0 failed/) });
    const before = readFileSync(join(dir, "policy.reviews.json"), "utf8");
    expect((await cli("build", ".", "-o", "b.json")).code).toBe(0);
    expect(readFileSync(join(dir, "policy.reviews.json"), "utf8")).toBe(before);
    const b = JSON.parse(readFileSync(join(dir, "b.json"), "utf8"));
    expect(b.tool_reviews).toEqual({ "github.merge_pull_request": "Approved", "github.push_files": "Disallowed" });
    expect(b.agent_reviews).toEqual({ Windsurf: "Disallowed" });
    const entry = JSON.parse(readFileSync(join(dir, "policy.audit.jsonl"), "utf8").trim().split("\n").pop()!);
    expect(entry.reviews).toMatchObject({ tools: b.tool_reviews, agents: b.agent_reviews, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(schemaValidator("audit-entry.schema.json")(entry)).toBe(true);
    expect((await cli("audit", "verify")).code).toBe(0);
    expect(JSON.parse((await cli("catalog", "list", "--integration", "github", "--format", "json")).stdout)[0].tools.find((t: { name: string }) => t.name === "push_files").review_status).toBe("Disallowed");
  });

  test("a hand-written review of a tool no catalog has is a warning and ships nothing", async () => {
    const doc = JSON.parse(readFileSync(join(dir, "policy.reviews.json"), "utf8"));
    doc.tools["github.evil_tool"] = { status: "Approved", by: "mallory", at: "2026-01-01T00:00:00Z" };
    writeFileSync(join(dir, "policy.reviews.json"), JSON.stringify(doc));
    const loaded = loadProject([dir]);
    expect(loaded.project.diagnostics.map((d) => d.code)).toContain("PDL3021");
    expect(buildBundle(loaded.project).tool_reviews).not.toHaveProperty("github.evil_tool");
  });
});
