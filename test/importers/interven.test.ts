import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { parse, print } from "../../grammar/index.js";
import { loadCatalog } from "../../compiler/catalog/load.js";
import { checkProject } from "../../compiler/check/index.js";
import { importInterven } from "../../importers/interven.js";

const { catalog } = loadCatalog([]);
const convert = (rules: unknown[], name = "T") => importInterven({ name, rules }, catalog);
const one = (rule: Record<string, unknown>) => convert([{ rule_id: "r", ...rule }]);
const body = (r: ReturnType<typeof convert>) => r.text.split("\n").filter((l) => l.startsWith("  ") || l.startsWith("# import")).map((l) => l.trim());

describe("Interven rule import", () => {
  it("converts the nine starter rules P1–P9 into examples/interven/starter.policy", () => {
    const doc = JSON.parse(readFileSync("examples/interven/starter-rules.json", "utf8"));
    const r = importInterven(doc, catalog, { source: "examples/interven/starter-rules.json", tenant: "interven" });
    expect(r.errors).toEqual([]);
    expect(r.rules.map((x) => x.status)).toEqual(Array(9).fill("converted"));
    expect(r.rules.map((x) => x.policy.slice(0, 2))).toEqual(["P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9"]);
    const text = print(parse(r.text, "starter.policy").ast);
    expect(text).toBe(readFileSync("examples/interven/starter.policy", "utf8"));
    const checked = checkProject([{ file: "starter.policy", text }], catalog);
    expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(checked.policies).toHaveLength(9);
  });

  it("maps tool names and operations to catalog names", () => {
    expect(body(one({ match: { tool_name: "slack", operations: ["post_message"] }, action: "DENY" }))).toEqual(["id r", "if integration is slack", "if tool is slack_post_message", 'action block "T"']);
    expect(body(one({ match: { tool_name: "gdrive", operations: ["share_file_external"] }, action: "ALLOW" }))).toContain("if integration is google_drive");
    expect(body(one({ match: { tool_name: "aws", operations: ["create_user"] }, action: "REQUIRE_APPROVAL", message: "why" }))).toEqual(["id r", "if integration is aws_iam", "if tool is create_user", 'action require_approval "why"']);
  });

  it("converts *, method:, category:, verbs and patterns", () => {
    expect(body(one({ match: { tool_name: "github", operations: ["*"] }, action: "DENY" }))).toEqual(["id r", "if integration is github", 'action block "T"']);
    expect(body(one({ match: { tool_name: "github", operations: ["method:POST", "category:issues", "merge_pull_request"] }, action: "DENY" })))
      .toContain("if tool is merge_pull_request or method is POST or category is issues");
    expect(body(one({ match: { tool_name: "github", verbs: ["WRITE", "DELETE", "create"] }, action: "DENY" }))).toContain("if operation in [Write, Delete] or verb is create");
    expect(body(one({ match: { tool_name: "github", org_patterns: ["acme/*"], repo_patterns: ["my-org/secrets-*", "infra"] }, action: "DENY" })))
      .toEqual(expect.arrayContaining(['if args.owner matches "acme"', 'if (args.owner matches "my-org" and args.repo matches "secrets-*") or args.repo matches "infra"']));
    expect(body(one({ match: { tool_name: "slack", operations: ["post_message"], channel_patterns: ["#alerts*"] }, action: "DENY" })))
      .toContain('if args.channel_id matches "#alerts*" or args.channel_id matches "alerts*"');
  });

  it("converts every condition", () => {
    const r = one({ match: { tool_name: "slack", operations: ["post_message"] }, condition: { is_external_principal: true, has_data_class: ["SECRETS", "pii"], body_contains_any: ["internal only", "deal #"], body_contains_all: ["a", "b"], new_resource: true, volume_burst: false }, action: "SANITIZE" });
    expect(body(r)).toEqual(expect.arrayContaining([
      "if principal is external", "if data_class in [SECRETS, PII]", 'if body contains any ["internal only", "deal #"]', 'if body contains all ["a", "b"]', "if resource is new", "if not burst",
      "# import: no sanitize_fields: sanitizing args.text (the text fields of the matched tools)", "action sanitize [args.text]",
    ]));
    const checked = checkProject([{ file: "x.policy", text: r.text }], catalog);
    expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("imports what it cannot fully express as a draft, with the reason", () => {
    const r = one({ match: { tool_name: "github", verbs: ["ADMIN"] }, condition: { is_weekend: true }, action: "DENY" });
    expect(r.errors).toEqual([]);
    expect(r.rules[0]).toMatchObject({ status: "approximated" });
    expect(r.rules[0]!.notes.join("\n")).toMatch(/verb "ADMIN" has no equivalent[\s\S]*condition "is_weekend"/);
    expect(r.text).toContain("status draft # imported with approximations");
    expect(one({ enabled: false, match: { tool_name: "github", operations: ["*"] }, action: "DENY" }).text).toContain("status draft # disabled in Interven");
  });

  it("refuses unknown tools, operations, actions and data classes, naming them", () => {
    expect(one({ match: { tool_name: "slack", operations: ["post_mesage"] }, action: "DENY" }).errors[0]).toBe('policy "T", rule "r": unknown operation "post_mesage" for tool_name "slack" (Slack): did you mean "slack_post_message"?');
    expect(one({ match: { tool_name: "slak", operations: ["*"] }, action: "DENY" }).errors[0]).toMatch(/unknown tool_name "slak" \(did you mean "slack"\?\)/);
    expect(one({ match: { tool_name: "slack" }, action: "DENYY" }).errors[0]).toMatch(/unknown action "DENYY" \(did you mean "DENY"\?\)/);
    expect(one({ match: { tool_name: "slack" }, condition: { has_data_class: ["SECRET"] }, action: "DENY" }).errors[0]).toMatch(/unknown data class "SECRET"/);
    expect(one({ match: { tool_name: "slack" } }).errors[0]).toMatch(/no action/);
    expect(one({ match: { operations: ["post_message"] }, action: "DENY" }).errors[0]).toMatch(/needs match.tool_name/);
    expect(importInterven({ foo: 1 }, catalog).errors[0]).toMatch(/expected an Interven policy/);
    const r = one({ match: { tool_name: "slack", operations: ["nope"] }, action: "DENY" });
    expect(r.text).toBe("");
    expect(r.rules[0]!.status).toBe("failed");
  });

  it("gives each rule of a multi-rule policy its own name and a unique id", () => {
    const r = convert([{ rule_id: "x", match: { tool_name: "slack" }, action: "DENY" }, { rule_id: "x", match: { tool_name: "slack" }, action: "ALLOW", priority: 5 }], "Two");
    expect(r.text).toContain('policy "Two: x" {');
    expect(r.rules.map((x) => x.id)).toEqual(["x", "x-2"]);
    expect(r.text).toContain("priority 5");
  });
});
