import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { OPERATIONS, type Operation } from "../../../compiler/catalog/types.js";
import { analyseVerbs, classify, guessCategory, guessLabels } from "../../../importers/catalog/index.js";
import { DELETE_VERBS, READ_VERBS, WRITE_VERBS } from "../../../importers/catalog/verbs.js";
import { splitWords, tokenizeName } from "../../../importers/catalog/tokens.js";

/** Real tool names (by name alone, no annotations) and the operation a reviewer expects. */
const REAL_TOOLS: readonly [server: string, name: string, expected: Operation][] = [
  // GitHub (@modelcontextprotocol/server-github and github/github-mcp-server)
  ["github", "create_or_update_file", "Write"],
  ["github", "merge_pull_request", "Write"],
  ["github", "push_files", "Write"],
  ["github", "delete_file", "Delete"],
  ["github", "list_issues", "Read"],
  ["github", "get_file_contents", "Read"],
  ["github", "search_repositories", "Read"],
  ["github", "create_issue", "Write"],
  ["github", "add_issue_comment", "Write"],
  ["github", "fork_repository", "Write"],
  ["github", "create_pull_request_review", "Write"],
  ["github", "update_pull_request_branch", "Write"],
  ["github", "get_pull_request_status", "Read"],
  ["github", "get_me", "Read"],
  ["github", "dismiss_notification", "Write"],
  ["github", "mark_all_notifications_read", "Write"],
  ["github", "request_copilot_review", "Write"],
  ["github", "cancel_workflow_run", "Write"],
  ["github", "rerun_workflow_run", "Write"],
  ["github", "delete_workflow_run_logs", "Delete"],
  ["github", "list_workflow_runs", "Read"],
  ["github", "remove_sub_issue", "Delete"],
  // Slack (@modelcontextprotocol/server-slack)
  ["slack", "slack_post_message", "Write"],
  ["slack", "slack_reply_to_thread", "Write"],
  ["slack", "slack_add_reaction", "Write"],
  ["slack", "slack_list_channels", "Read"],
  ["slack", "slack_get_channel_history", "Read"],
  ["slack", "slack_get_user_profile", "Read"],
  // Google Drive (@modelcontextprotocol/server-gdrive)
  ["gdrive", "gdrive_search", "Read"],
  ["gdrive", "gdrive_read_file", "Read"],
  ["gdrive", "gsheets_update_cell", "Write"],
  ["gdrive", "gsheets_read", "Read"],
  // filesystem
  ["filesystem", "read_text_file", "Read"],
  ["filesystem", "write_file", "Write"],
  ["filesystem", "edit_file", "Write"],
  ["filesystem", "move_file", "Write"],
  ["filesystem", "create_directory", "Write"],
  ["filesystem", "list_directory_with_sizes", "Read"],
  ["filesystem", "directory_tree", "Read"],
  ["filesystem", "get_file_info", "Read"],
  // memory
  ["memory", "create_entities", "Write"],
  ["memory", "add_observations", "Write"],
  ["memory", "delete_observations", "Delete"],
  ["memory", "read_graph", "Read"],
  ["memory", "search_nodes", "Read"],
  ["memory", "open_nodes", "Unknown"],
  // everything
  ["everything", "get-tiny-image", "Read"],
  ["everything", "toggle-simulated-logging", "Write"],
  ["everything", "trigger-long-running-operation", "Write"],
  ["everything", "echo", "Unknown"],
  ["everything", "gzip-file-as-resource", "Unknown"],
  // Atlassian remote MCP
  ["atlassian", "getJiraIssue", "Read"],
  ["atlassian", "searchJiraIssuesUsingJql", "Read"],
  ["atlassian", "createJiraIssue", "Write"],
  ["atlassian", "editJiraIssue", "Write"],
  ["atlassian", "transitionJiraIssue", "Write"],
  ["atlassian", "addCommentToJiraIssue", "Write"],
  ["atlassian", "getAccessibleAtlassianResources", "Read"],
  ["atlassian", "atlassianUserInfo", "Read"],
  ["atlassian", "lookupJiraAccountId", "Read"],
  ["atlassian", "updateConfluencePage", "Write"],
  // Notion (hosted MCP and the OpenAPI-generated @notionhq/notion-mcp-server)
  ["notion", "notion-search", "Read"],
  ["notion", "notion-fetch", "Read"],
  ["notion", "notion-create-pages", "Write"],
  ["notion", "notion-move-pages", "Write"],
  ["notion", "notion-duplicate-page", "Write"],
  ["notion", "API-post-search", "Read"],
  ["notion", "API-patch-page", "Write"],
  ["notion", "API-delete-a-block", "Delete"],
  ["notion", "API-retrieve-a-database", "Read"],
  // Linear
  ["linear", "list_issues", "Read"],
  ["linear", "create_comment", "Write"],
  ["linear", "update_issue", "Write"],
  ["linear", "list_teams", "Read"],
  ["linear", "linear_search_issues", "Read"],
  // git (mcp-server-git), Gmail
  ["git", "git_status", "Read"],
  ["git", "git_commit", "Write"],
  ["git", "git_reset", "Write"],
  ["git", "git_create_branch", "Write"],
  ["git", "git_diff_unstaged", "Read"],
  ["gmail", "send_email", "Write"],
  ["gmail", "read_email", "Read"],
  ["gmail", "batch_delete_emails", "Delete"],
  ["gmail", "draft_email", "Write"],
];

describe("classify: real tool names", () => {
  test("the table has at least 40 names", () => {
    expect(REAL_TOOLS.length).toBeGreaterThanOrEqual(40);
  });
  test.each(REAL_TOOLS)("%s %s → %s", (server, name, expected) => {
    expect(classify({ name, integration: server }).operation).toBe(expected);
  });
});

describe("classify: the first-verb rule", () => {
  test.each([
    ["create_or_update_file", "Write", "create"],
    ["getJiraIssue", "Read", "get"],
    ["get_delete_status", "Read", "get"],            // a Delete word as the object
    ["add_removal_reviewer", "Write", "add"],
    ["list_deleted_items", "Read", "list"],
    ["list_and_delete_branches", "Delete", "list"],  // coordinated verbs: most severe
    ["create_or_delete_branch", "Delete", "create"],
    ["get_or_create_label", "Write", "get"],
    ["execute_delete_query", "Delete", "execute"],   // carrier verb + Delete verb
    ["request_deletion", "Delete", "request"],       // carrier verb + deletion noun
    ["schedule_purge", "Delete", "schedule"],
    ["update_delete_protection", "Write", "update"], // not a carrier: the Delete word is an object
  ] as const)("%s → %s (decided by %s)", (name, op, verb) => {
    const a = analyseVerbs(name);
    expect(a.operation).toBe(op);
    expect(a.decidedBy).toBe(verb);
  });

  test("nouns that look like verbs count only where a verb stands", () => {
    expect(classify("issue_comments").operation).toBe("Unknown");
    expect(classify("comment_on_issue").operation).toBe("Write");
    expect(classify("list_tags").verbs).toEqual(["list"]);
    expect(classify("tag_release").operation).toBe("Write");
    expect(classify("chat.postMessage").operation).toBe("Write"); // segment start
    expect(classify("get_pull_request").verbs).toEqual(["get"]);  // pull request is a noun
  });

  test("verbs lists every verb in order", () => {
    expect(classify("create_or_update_file").verbs).toEqual(["create", "update"]);
  });

  test("integration prefixes are skipped", () => {
    expect(tokenizeName("slack_post_message").map((t) => t.text)).toEqual(["post", "message"]);
    expect(tokenizeName("acme_crm_send_invoice", "acme_crm")[0]).toEqual({ text: "send", segmentStart: true });
    expect(tokenizeName("slack").map((t) => t.text)).toEqual(["slack"]);
  });

  test("name splitting", () => {
    expect(splitWords("searchJiraIssuesUsingJql")).toEqual(["search", "jira", "issues", "using", "jql"]);
    expect(splitWords("getHTTPResponse")).toEqual(["get", "http", "response"]);
    expect(splitWords("get-tiny-image")).toEqual(["get", "tiny", "image"]);
    expect(splitWords("files.delete")).toEqual(["files", "delete"]);
  });
});

describe("classify: annotations, then method, then verbs", () => {
  test("annotations win over the name", () => {
    expect(classify({ name: "write_file", annotations: { readOnlyHint: false, destructiveHint: true } }))
      .toMatchObject({ operation: "Delete", source: "annotation", guessed: false, verbs: ["write"] });
    expect(classify({ name: "delete_x", annotations: { readOnlyHint: true } }))
      .toMatchObject({ operation: "Read", source: "annotation" });
    expect(classify({ name: "echo", annotations: { readOnlyHint: false, destructiveHint: false } }))
      .toMatchObject({ operation: "Write", source: "annotation" });
    expect(classify({ name: "write_file", annotations: { readOnlyHint: false, destructiveHint: true } }).notes[0])
      .toContain("'write' says Write");
  });
  test("readOnlyHint false alone: Write unless the verb says Delete", () => {
    expect(classify({ name: "list_x", annotations: { readOnlyHint: false } }).operation).toBe("Write");
    expect(classify({ name: "purge_x", annotations: { readOnlyHint: false } }))
      .toMatchObject({ operation: "Delete", source: "verb", guessed: true });
  });
  test("destructiveHint false alone caps a Delete guess at Write", () => {
    expect(classify({ name: "remove_label", annotations: { destructiveHint: false } }).operation).toBe("Write");
  });
  test("only openWorldHint: not decisive", () => {
    expect(classify({ name: "list_x", annotations: { openWorldHint: true } }).source).toBe("verb");
  });
  test("HTTP methods, refined by the verb", () => {
    expect(classify({ name: "x", method: "GET" })).toMatchObject({ operation: "Read", source: "method", guessed: false });
    expect(classify({ name: "x", method: "head" }).operation).toBe("Read");
    expect(classify({ name: "x", method: "DELETE" }).operation).toBe("Delete");
    expect(classify({ name: "x", method: "PUT" }).operation).toBe("Write");
    expect(classify({ name: "x", method: "POST" })).toMatchObject({ operation: "Write", guessed: false });
    expect(classify({ name: "x", method: "POST", verbText: "contacts/search" }))
      .toMatchObject({ operation: "Read", source: "method", guessed: true });
    expect(classify({ name: "x", method: "POST", verbText: "files/delete" }).operation).toBe("Delete");
    expect(classify({ name: "x", method: "PATCH", verbText: "archive_deal" }).operation).toBe("Delete");
    expect(classify({ name: "x", method: "PATCH", verbText: "get_thing" }).operation).toBe("Write");
    expect(classify({ name: "delete_thing", method: "GET" }).notes).toHaveLength(1);
  });
  test("nothing recognised → Unknown", () => {
    expect(classify("frobnicate")).toMatchObject({ operation: "Unknown", source: "unknown", verbs: [] });
    expect(classify("")).toMatchObject({ operation: "Unknown" });
  });
});

describe("labels and categories", () => {
  test("external_communication", () => {
    expect(guessLabels("slack_post_message", "Write").map((l) => l.label)).toEqual(["external_communication"]);
    expect(guessLabels("gzip", "Write", { openWorldHint: true })[0]).toEqual({ label: "external_communication", reason: "openWorldHint: true" });
    expect(guessLabels("create_email_draft", "Write").map((l) => l.label)).toEqual(["external_communication"]);
    expect(guessLabels("list_messages", "Read").map((l) => l.label)).not.toContain("external_communication");
  });
  test("untrusted_content and private_data on reads", () => {
    expect(guessLabels("read_email", "Read").map((l) => l.label)).toEqual(["untrusted_content", "private_data"]);
    expect(guessLabels("fetch_url", "Read").map((l) => l.label)).toEqual(["untrusted_content"]);
    expect(guessLabels("getJiraIssue", "Read").map((l) => l.label)).toEqual(["untrusted_content"]);
    expect(guessLabels("slack_get_users", "Read").map((l) => l.label)).toEqual(["private_data"]);
    expect(guessLabels("delete_file", "Delete")).toEqual([]);
  });
  test("category from the name", () => {
    expect(guessCategory("list_issues")).toBe("issues");
    expect(guessCategory("create_issue")).toBe("issues");
    expect(guessCategory("create_pull_request")).toBe("pull_requests");
    expect(guessCategory("slack_get_channel_history")).toBe("channels");
    expect(guessCategory("searchJiraIssuesUsingJql")).toBe("issues");
    expect(guessCategory("list_directory_with_sizes")).toBe("directories");
  });
  test("a name without a verb gets no category (not a made-up plural of the whole name)", () => {
    expect(guessCategory("echo")).toBeUndefined();
    expect(guessCategory("sequentialthinking")).toBeUndefined();
    expect(guessCategory("git_status")).toBeUndefined();
  });
  test("resolving an identifier is a lookup (Read); resolving a thing stays a Write", () => {
    expect(classify("resolve-library-id")).toMatchObject({ operation: "Read", source: "verb" });
    expect(classify("resolve_user_name").operation).toBe("Read");
    expect(classify("resolve_issue").operation).toBe("Write");
    expect(classify("resolve_review_thread").operation).toBe("Write");
    expect(classify("resolve_or_delete_id").operation).toBe("Delete");
  });
});

describe("verb table", () => {
  test("no word is in two lists", () => {
    const all = [...READ_VERBS, ...WRITE_VERBS, ...DELETE_VERBS];
    expect(new Set(all).size).toBe(all.length);
  });
  test("SPEC §3 verbs", () => {
    for (const v of ["get", "list", "search", "fetch", "read"]) expect(classify(`${v}_x`).operation).toBe("Read");
    for (const v of ["create", "update", "add", "send", "post", "reset", "push", "merge"]) expect(classify(`${v}_x`).operation).toBe("Write");
    for (const v of ["delete", "remove", "destroy", "purge"]) expect(classify(`${v}_x`).operation).toBe("Delete");
  });
});

describe("properties", () => {
  test("classify never throws and returns one of the four operations", () => {
    fc.assert(fc.property(fc.string(), fc.option(fc.string()), (name, integration) => {
      const c = classify(integration === null ? name : { name, integration });
      return OPERATIONS.includes(c.operation) && Array.isArray(c.verbs) && typeof c.guessed === "boolean";
    }), { numRuns: 2000 });
  });
  test("also for names built from real words and separators", () => {
    const word = fc.constantFrom(...READ_VERBS.slice(0, 8), ...WRITE_VERBS.slice(0, 8), ...DELETE_VERBS.slice(0, 6),
      "or", "and", "issue", "pull", "request", "file", "x", "Get", "DELETE");
    const sep = fc.constantFrom("_", "-", ".", "/", "", " ");
    const method = fc.option(fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "BREW"));
    const hints = fc.option(fc.record({ readOnlyHint: fc.option(fc.boolean(), { nil: undefined }),
      destructiveHint: fc.option(fc.boolean(), { nil: undefined }), openWorldHint: fc.option(fc.boolean(), { nil: undefined }) }));
    fc.assert(fc.property(fc.array(fc.tuple(word, sep), { maxLength: 6 }), method, hints, (parts, m, a) => {
      const name = parts.map(([w, s]) => w + s).join("");
      const c = classify({ name, ...(m === null ? {} : { method: m }), ...(a === null ? {} : { annotations: a }) });
      const labels = guessLabels(name, c.operation, a ?? undefined);
      return OPERATIONS.includes(c.operation) && labels.every((l) => typeof l.reason === "string");
    }), { numRuns: 2000 });
  });
});

describe("docs/catalog-import.md", () => {
  test("lists every verb of the table", async () => {
    const { readFileSync } = await import("node:fs");
    const doc = readFileSync(new URL("../../../docs/catalog-import.md", import.meta.url), "utf8");
    const row = (op: string): string => doc.split("\n").find((l) => l.startsWith(`| ${op} |`)) ?? "";
    for (const v of READ_VERBS) expect(row("Read")).toContain(`\`${v}\``);
    for (const v of WRITE_VERBS) expect(row("Write")).toContain(`\`${v}\``);
    for (const v of DELETE_VERBS) expect(row("Delete")).toContain(`\`${v}\``);
  });
});
