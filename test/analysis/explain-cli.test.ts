/**
 * `policy explain` with counterfactuals, on the seed-000 example: why a Cursor delete of a Linear
 * issue needs approval and was alerted, what would have changed it (text), and the JSON edits
 * (accepted by schemas/explain.schema.json).
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../support/cli.js";
import { schemaValidator } from "../../compiler/json/validate.js";

const EVENT = { type: "tool_call_request", session_id: "s1", ts: "2026-11-21T10:00:03Z", tenant: "tool-calls", agent: { name: "Cursor", review_status: "Approved" }, call: { id: "c1", type: "mcp", integration: "linear", tool: "delete_issue", args: { id: "LIN-42" } } };

describe("policy explain: what would change it", () => {
  const dir = mkdtempSync(join(tmpdir(), "policy-explain-"));
  const ev = join(dir, "event.json");
  writeFileSync(ev, JSON.stringify(EVENT));

  it("lists the smallest changes, fewest first", async () => {
    const r = await runCli(["explain", ev, "examples/seed-000-tool-calls"]);
    expect(r.code, r.stderr).toBe(0);
    const tail = r.stdout.slice(r.stdout.indexOf("what would change it:")).trim().split("\n");
    expect(tail).toEqual([
      "what would change it:",
      "  allowed by default if tenant is not \"tool-calls\" (tenant absent)",
      "  blocked by unreviewed-read-only if agent.review_status is Unreviewed",
      // The tool is not reviewed: unreviewed-tool-approval asks too, so both must leave the set.
      "  allowed by default if policy linear-delete-approval had status draft and policy unreviewed-tool-approval had status draft",
      "  no alert from cursor-delete-alert if tenant is not \"tool-calls\" (tenant absent)",
      "  no alert from cursor-delete-alert if agent is not \"Cursor\" (agent.name = \"another-agent\")",
      "  no alert from unreviewed-tool-approval if tenant is not \"tool-calls\" (tenant absent)",
    ]);
  });

  it("gives the changes as structured edits in JSON", async () => {
    const r = await runCli(["explain", ev, "examples/seed-000-tool-calls", "--format", "json"]);
    const doc = JSON.parse(r.stdout);
    const v = schemaValidator("explain.schema.json");
    expect(v(doc), JSON.stringify(v.errors)).toBe(true);
    expect(doc.counterfactuals[1]).toEqual({
      effect: "block", policy: "unreviewed-read-only", text: "blocked by unreviewed-read-only if agent.review_status is Unreviewed",
      edits: [{ target: "event", field: "agent.review_status", value: "Unreviewed", conditions: [{ condition: "agent.review_status is Unreviewed", holds: true }] }],
    });
    expect(doc.alert_counterfactuals).toEqual([
      { policy: "cursor-delete-alert", without: [expect.objectContaining({ text: "no alert from cursor-delete-alert if tenant is not \"tool-calls\" (tenant absent)" }), expect.objectContaining({ edits: [{ target: "event", field: "agent.name", value: "another-agent", conditions: [{ condition: "agent is \"Cursor\"", holds: false }] }] })] },
      { policy: "unreviewed-tool-approval", without: [expect.objectContaining({ edits: [expect.objectContaining({ target: "event", field: "tenant", remove: true })] })] },
    ]);
    expect(doc.counterfactuals[2].edits).toEqual([
      { target: "policy", policy: "linear-delete-approval", status: "draft", conditions: [{ condition: "policy linear-delete-approval is active", holds: false }] },
      { target: "policy", policy: "unreviewed-tool-approval", status: "draft", conditions: [{ condition: "policy unreviewed-tool-approval is active", holds: false }] },
    ]);
  });

  it("names a draft that would decide if it were active", async () => {
    const proj = mkdtempSync(join(tmpdir(), "policy-explain-draft-"));
    writeFileSync(join(proj, "p.policy"), [
      "policy \"Linear deletes need approval\" {\n  id linear-approve\n  if tool is linear.delete_issue\n  action require_approval\n}",
      "policy \"No Linear deletes\" {\n  id linear-no-delete\n  status draft\n  if tool is linear.delete_issue\n  action block\n}",
    ].join("\n\n") + "\n");
    const r = await runCli(["explain", ev, proj]);
    expect(r.stdout).toContain("blocked by linear-no-delete if draft policy linear-no-delete were active");
  });
});
