/**
 * The built-in catalog data (compiler/catalog/builtin/*.json) against schemas/catalog.schema.json
 * and the SPEC §3 requirements that a schema cannot express.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { CatalogIntegrationJson, CatalogJson, JsonSchema } from "../../../compiler/catalog/types.js";
import { loadCatalog } from "../../../compiler/catalog/load.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const builtinDir = join(root, "compiler", "catalog", "builtin");
const schema = JSON.parse(readFileSync(join(root, "schemas", "catalog.schema.json"), "utf8"));

// ajv-formats is CommonJS; its default export arrives wrapped under some loaders.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv2020) => Ajv2020;
// strict: the schema must also compile for consumers that run ajv in strict mode.
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
const validate = ajv.compile(schema);
// Tool argument schemas come from real MCP servers, so they are compiled leniently.
const argsAjv = new Ajv2020({ allErrors: true, strict: false });
addFormats(argsAjv);

const files = readdirSync(builtinDir).filter((f) => f.endsWith(".json")).sort();
const docs = files.map((f) => ({ file: f, doc: JSON.parse(readFileSync(join(builtinDir, f), "utf8")) as CatalogJson }));
const integrations = new Map<string, CatalogIntegrationJson>();
for (const { doc } of docs) for (const i of doc.integrations) integrations.set(i.id, i);

const SPEC_INTEGRATIONS = [
  "github", "git", "jira", "confluence", "notion", "google_drive", "gmail", "linear",
  "dropbox", "datadog", "slack", "salesforce", "hubspot", "aws_iam",
];

/** argv pattern matching: `*` one word, `**` zero or more remaining words. */
/** The tool an argv resolves to through the built-in catalog's patterns (most specific first, as the compiler orders them). */
function resolveCommand(integration: CatalogIntegrationJson, argv: readonly string[]): string | undefined {
  const t = loadCatalog().catalog.resolveCommand(argv);
  return t && t.integration === integration.id ? t.name : undefined;
}
function toolNames(id: string): string[] {
  return (integrations.get(id)?.tools ?? []).map((t) => t.name);
}

describe("built-in catalog files", () => {
  it("has one file per SPEC §3 integration, named after its id", () => {
    expect(files.length).toBeGreaterThanOrEqual(SPEC_INTEGRATIONS.length);
    for (const { file, doc } of docs) {
      expect(doc.integrations.length, file).toBe(1);
      expect(file).toBe(`${doc.integrations[0].id}.json`);
    }
    for (const id of SPEC_INTEGRATIONS) expect(integrations.has(id), id).toBe(true);
  });

  it.each(files)("%s validates against catalog.schema.json", (file) => {
    const doc = docs.find((d) => d.file === file)!.doc;
    const ok = validate(doc);
    expect(ok ? [] : validate.errors, file).toEqual([]);
  });

  it("Atlassian is Jira + Confluence, both named Atlassian", () => {
    expect(integrations.get("jira")!.name).toMatch(/Atlassian/);
    expect(integrations.get("confluence")!.name).toMatch(/Atlassian/);
  });
});

describe.each(SPEC_INTEGRATIONS)("integration %s", (id) => {
  const integration = () => integrations.get(id)!;

  it("has unique tool names and a sensible tool count", () => {
    const names = toolNames(id);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBeGreaterThanOrEqual(10);
  });

  it("describes every tool and every argument", () => {
    for (const tool of integration().tools) {
      expect(tool.description, tool.name).toBeTruthy();
      expect(tool.operation, tool.name).not.toBe("Unknown");
      expect(tool.args?.type, tool.name).toBe("object");
      for (const [arg, s] of Object.entries(tool.args?.properties ?? {})) {
        expect((s as JsonSchema).description, `${tool.name}.${arg}`).toBeTruthy();
      }
    }
  });

  it("names a tool of the integration in every command", () => {
    const names = new Set(toolNames(id));
    for (const c of integration().commands ?? []) expect(names.has(c.tool), c.pattern.join(" ")).toBe(true);
  });

  it("uses an argument as every resource key, and lists only properties as required", () => {
    for (const tool of integration().tools) {
      const props = tool.args?.properties ?? {};
      if (tool.resource !== undefined) expect(Object.keys(props), `${tool.name} resource`).toContain(tool.resource);
      for (const r of tool.args?.required ?? []) expect(Object.keys(props), `${tool.name} required`).toContain(r);
    }
  });

  it("has argument schemas that compile as JSON Schema", () => {
    for (const tool of integration().tools) {
      expect(() => argsAjv.compile(tool.args ?? {}), tool.name).not.toThrow();
    }
  });

  it("uses verbs that are lower-case", () => {
    for (const tool of integration().tools) for (const v of tool.verbs ?? []) expect(v).toBe(v.toLowerCase());
  });
});

describe("tools the seeds and SPEC name", () => {
  it("GitHub has the official MCP server's core tools", () => {
    const names = toolNames("github");
    for (const n of ["create_issue", "list_issues", "merge_pull_request", "push_files", "delete_file", "get_file_contents"]) {
      expect(names, n).toContain(n);
    }
    const merge = integrations.get("github")!.tools.find((t) => t.name === "merge_pull_request")!;
    expect(merge.args?.properties?.merge_method?.enum).toEqual(["merge", "squash", "rebase"]);
    expect(merge.resource).toBe("repo");
    expect(integrations.get("github")!.tools.find((t) => t.name === "delete_file")!.operation).toBe("Delete");
  });

  it("Linear has delete_issue (Delete) and list_issues (Read)", () => {
    const tools = integrations.get("linear")!.tools;
    expect(tools.find((t) => t.name === "delete_issue")?.operation).toBe("Delete");
    expect(tools.find((t) => t.name === "list_issues")?.operation).toBe("Read");
  });

  it("Google Drive has share_file_external (external_communication); Slack posts are external_communication", () => {
    expect(integrations.get("google_drive")!.tools.find((t) => t.name === "share_file_external")?.labels).toContain("external_communication");
    expect(integrations.get("slack")!.tools.find((t) => t.name === "slack_post_message")?.labels).toContain("external_communication");
  });

  it("AWS IAM has create_user and attach_user_policy with policy_arn", () => {
    const tools = integrations.get("aws_iam")!.tools;
    expect(tools.find((t) => t.name === "create_user")?.operation).toBe("Write");
    expect(tools.find((t) => t.name === "attach_user_policy")?.args?.required).toContain("policy_arn");
  });
});

describe("git command patterns", () => {
  const git = () => integrations.get("git")!;
  it("is a CLI integration", () => expect(git().call_type).toBe("cli"));

  it.each([
    [["git", "push", "origin", "main"], "push", "Write"],
    [["git", "push"], "push", "Write"],
    [["git", "push", "--force", "origin", "main"], "push_force", "Delete"],
    [["git", "push", "origin", "main", "--force"], "push_force", "Delete"],
    [["git", "push", "-f"], "push_force", "Delete"],
    [["git", "reset", "--hard", "HEAD~1"], "reset_hard", "Delete"],
    [["git", "reset", "HEAD", "file.txt"], "reset", "Write"],
    [["git", "clean", "-fd"], "clean", "Delete"],
    [["git", "branch", "-D", "feature"], "branch_delete", "Delete"],
    [["git", "branch"], "branch", "Read"],
    [["git", "branch", "feature"], "branch_create", "Write"],
    [["git", "status"], "status", "Read"],
    [["git", "log", "--oneline", "-5"], "log", "Read"],
    [["git", "commit", "-m", "msg"], "commit", "Write"],
    [["git", "cherry-pick", "abc123"], "cherry_pick", "Write"],
  ] as const)("%j → %s (%s)", (argv, tool, operation) => {
    expect(resolveCommand(git(), argv)).toBe(tool);
    expect(git().tools.find((t) => t.name === tool)?.operation).toBe(operation);
  });

  it("leaves unknown subcommands unmapped", () => {
    expect(resolveCommand(git(), ["git", "bisect", "start"])).toBeUndefined();
  });

  it("also has the mcp-server-git tool names", () => {
    const names = toolNames("git");
    for (const n of ["git_status", "git_diff_unstaged", "git_diff_staged", "git_diff", "git_commit", "git_add", "git_reset", "git_log", "git_create_branch", "git_checkout", "git_show", "git_branch"]) {
      expect(names, n).toContain(n);
    }
  });
});
