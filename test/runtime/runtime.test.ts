/** The runtime: the fixed decision JSON, fail-closed behaviour, hidden tools, bundle reloads. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { loadCatalog } from "../../compiler/catalog/load.js";
import { checkProject } from "../../compiler/check/index.js";
import { buildBundle } from "../../compiler/emit/index.js";
import { createEnforcer } from "../../runtime/index.js";
import type { Bundle } from "../../runtime/types.js";

const catalog = loadCatalog().catalog;
function bundleOf(text: string, opts = {}): Bundle {
  const p = checkProject([{ file: "t.policy", text }], catalog);
  expect(p.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return buildBundle(p, opts);
}

const SRC = `
policy "GitHub read-only" {
  id github-readonly
  priority 10
  if integration is GitHub
  if operation in [Write, Delete]
  action block "GitHub is read-only for agents", alert "blocked" to "#sec"
}
policy "Never IAM deletes" {
  id iam-hide
  if tool in [aws_iam.delete_user, aws_iam.delete_group]
  action hide
}
policy "Approve Linear deletes" {
  id linear-del
  if tool is linear.delete_issue
  action require_approval "needs a human" from [technician, manager]
}
policy "Allow Linear reads" {
  id linear-read
  if integration is Linear
  action allow
}
default by operation { Read: allow  Write: require_approval  Delete: block  Unknown: block }
`;
const bundle = bundleOf(SRC);
const ev = (call: object, extra: object = {}) => ({ type: "tool_call_request", session_id: "s1", seq: 1, ts: "2026-11-21T10:00:00Z", tenant: "acme", agent: { id: "a7", name: "Cursor", review_status: "Approved" }, call, ...extra });

describe("decisions", () => {
  it("have the fixed JSON form of SPEC §5", () => {
    const d = createEnforcer(bundle).decide(ev({ id: "c1", type: "mcp", integration: "github", tool: "create_issue", args: { owner: "acme", repo: "web", title: "x" } }));
    expect(d).toMatchObject({
      effect: "block",
      policy: { id: "github-readonly", name: "GitHub read-only", file: "t.policy", line: 2 },
      reason: "GitHub is read-only for agents",
      matched: [{ id: "github-readonly", name: "GitHub read-only" }],
      alerts: [{ policy: "github-readonly", message: "blocked", to: "#sec" }],
      sanitize: [],
      approvers: [],
      hidden: false,
      revision: bundle.revision,
    });
  });
  it("report approvers, and the default with a null policy", () => {
    const e = createEnforcer(bundle);
    const a = e.decide(ev({ type: "mcp", integration: "Linear", tool: "DELETE_ISSUE", args: { id: "LIN-1" } }));
    expect([a.effect, a.policy?.id, a.approvers]).toEqual(["require_approval", "linear-del", ["technician", "manager"]]);
    const d = e.decide(ev({ type: "mcp", integration: "slack", tool: "slack_post_message", args: { channel_id: "C1", text: "hi" } }));
    expect([d.effect, d.policy, d.reason]).toEqual(["require_approval", null, "no policy matched; default by operation: Write → require_approval"]);
    const u = e.decide(ev({ type: "mcp", integration: "acme_crm", tool: "delete_contact", args: {} }));
    expect([u.effect, u.operation]).toEqual(["block", "Unknown"]);
  });
  it("resolve CLI calls through the command patterns", () => {
    const d = createEnforcer(bundle).decide(ev({ type: "cli", command: ["git", "push", "--force", "origin", "main"] }));
    expect([d.tool, d.operation, d.effect]).toEqual(["git.push_force", "Delete", "block"]);
  });
  it("hide a tool from the list and block its calls", () => {
    const e = createEnforcer(bundle);
    expect(e.visibleTools({ name: "Cursor" }, ["aws_iam.delete_user", "aws_iam.get_user", "aws_iam.delete_group"])).toEqual(["aws_iam.get_user"]);
    expect(e.visibleTools({ name: "Cursor" }, [{ name: "delete_user" }, { name: "list_users" }], "aws_iam")).toEqual([{ name: "list_users" }]);
    const d = e.decide(ev({ type: "mcp", integration: "aws_iam", tool: "delete_user", args: { user_name: "x" } }));
    expect([d.effect, d.hidden, d.policy?.id]).toEqual(["block", true, "iam-hide"]);
  });
  it("are the same for the same bundle built twice (byte-identical bundles)", () => {
    expect(JSON.stringify(bundleOf(SRC))).toBe(JSON.stringify(bundle));
  });
});

describe("fail closed", () => {
  it("blocks a malformed event, naming the bad field", () => {
    const e = createEnforcer(bundle);
    expect(e.decide({ type: "tool_call_request", call: { type: "mcp", integration: "github" } }).reason).toBe("invalid event: call.tool: missing or not a string");
    expect(e.decide(null).effect).toBe("block");
    expect(e.decide({ type: "tool_call_request", ts: "yesterday", call: { type: "mcp", integration: "a", tool: "b" } }).reason).toMatch(/^invalid event: ts/);
  });
  it("blocks everything when the bundle cannot be loaded", () => {
    const d = createEnforcer({ format: "nope" }).decide(ev({ type: "mcp", integration: "github", tool: "list_issues" }));
    expect([d.effect, d.reason]).toEqual(["block", "bundle rejected: not a policy-bundle/1 document"]);
  });
  it("never throws, whatever it is given", () => {
    const e = createEnforcer(bundle);
    fc.assert(fc.property(fc.anything({ withObjectString: true, withNullPrototype: true }), (x) => {
      const d = e.decide(x);
      expect(["allow", "block", "require_approval"]).toContain(d.effect);
    }), { numRuns: 2000, seed: 5 });
    fc.assert(fc.property(fc.record({ type: fc.constant("tool_call_request"), call: fc.record({ type: fc.constantFrom("mcp", "cli"), integration: fc.string(), tool: fc.string(), command: fc.array(fc.string()), args: fc.dictionary(fc.string(), fc.anything()) }, { requiredKeys: [] }) }), (x) => {
      e.decide(x);
    }), { numRuns: 2000, seed: 6 });
  });
  it("keeps the old revision for sessions that started before a reload", () => {
    const e = createEnforcer(bundle);
    const call = { type: "mcp", integration: "linear", tool: "list_issues", args: {} };
    expect(e.decide(ev(call, { session_id: "old" })).policy?.id).toBe("linear-read");
    const next = bundleOf(SRC.replace('policy "Allow Linear reads" {\n  id linear-read\n  if integration is Linear\n  action allow', 'policy "Block Linear" {\n  id linear-block\n  if integration is Linear\n  action block "closed"'));
    expect(e.load(next)).toBe(true);
    const old = e.decide(ev(call, { session_id: "old" }));
    const fresh = e.decide(ev(call, { session_id: "new" }));
    expect([old.effect, old.revision]).toEqual(["allow", bundle.revision]);
    expect([fresh.effect, fresh.revision]).toEqual(["block", next.revision]);
  });
});

describe("bundles", () => {
  it("leave out drafts unless asked, and deprecated policies always", () => {
    const src = `policy "d" { id d status draft action block } policy "x" { id x status deprecated action block } policy "a" { id a action alert }`;
    expect(bundleOf(src).policies.map((p) => p.id)).toEqual(["a"]);
    expect(bundleOf(src, { includeDrafts: true }).policies.map((p) => p.id)).toEqual(["d", "a"]);
  });
});
