/**
 * The diagnostic code registry: every code the toolchain emits, with a one-line description,
 * an example and a fix. `docs/diagnostics.md` is generated from this table (`npm run docs`),
 * and a test checks that every code used in the sources is registered here.
 * 1xxx syntax · 2xxx names and types · 3xxx catalog · 4xxx lint · 5xxx lowering/bundle · 6xxx tests and sessions.
 * The code decides the severity: diagnostics are made with `diagnostic(code, …)` (or the
 * checker's `report`), never with a severity chosen at the call site; `Code` is the union of the
 * registered codes, so an unregistered code does not type-check. Every code has a fixture under
 * `test/diagnostics/` or a row in its table test (test/diagnostics/every-code.test.ts).
 */
import { diag, type Diagnostic, type Fix, type RelatedInfo, type Severity } from "../../grammar/diagnostic.js";
import type { Span } from "../../grammar/span.js";

export interface CodeInfo {
  readonly code: string;
  readonly severity: Severity;
  readonly title: string;
  readonly example: string;
  readonly fix: string;
}

const REGISTRY = [
  { code: "PDL1000", severity: "error", title: "internal parser error", example: "(never expected)", fix: "report the file that caused it" },
  { code: "PDL1001", severity: "error", title: "unexpected character", example: "if tool = delete_issue", fix: "use `is` to compare; strings use double quotes" },
  { code: "PDL1002", severity: "error", title: "unterminated string", example: "action block \"no", fix: "close the string on the same line" },
  { code: "PDL1003", severity: "error", title: "invalid escape in a string", example: "\"C:\\q\"", fix: "use JSON escapes" },
  { code: "PDL1010", severity: "error", title: "syntax error", example: "if integration is", fix: "complete the line as the hint says" },
  { code: "PDL1011", severity: "error", title: "malformed test step", example: "discover bot \"X\"", fix: "write `discover agent \"X\"`" },
  { code: "PDL2001", severity: "error", title: "unknown integration", example: "if integration is Githb", fix: "use a catalog integration (did you mean…); add a user catalog for others" },
  { code: "PDL2002", severity: "error", title: "unknown tool", example: "if tool is linear.delete_isue", fix: "use a tool of the catalog" },
  { code: "PDL2003", severity: "error", title: "ambiguous bare tool name", example: "if tool is create_issue (GitHub, Linear and Jira have it)", fix: "qualify it (`github.create_issue`) or constrain the integration first" },
  { code: "PDL2004", severity: "error", title: "unknown enum value", example: "if operation is Wrte", fix: "use one of the listed values" },
  { code: "PDL2005", severity: "error", title: "unknown condition subject", example: "if integraton is GitHub", fix: "use integration, tool, operation, agent, args.<path>, body, data_class, …" },
  { code: "PDL2006", severity: "error", title: "operator does not fit the subject", example: "if operation matches \"W*\"", fix: "use an operator the subject supports" },
  { code: "PDL2007", severity: "error", title: "wrong kind of value", example: "if agent in Cursor", fix: "give the value the condition expects (a list for `in`, a string for `matches`)" },
  { code: "PDL2010", severity: "error", title: "argument path exists in no matchable tool", example: "if args.repoo is \"x\"", fix: "use an argument of the tools the policy can match" },
  { code: "PDL2011", severity: "warning", title: "argument path exists in only some matchable tools", example: "if args.repo … with no tool constraint", fix: "constrain the integration or tool so every matched tool has the argument" },
  { code: "PDL2012", severity: "error", title: "operator does not fit the argument's type", example: "if args.title > 3", fix: "compare numbers with > <, match strings with matches" },
  { code: "PDL2013", severity: "error", title: "literal is not in the argument's enum", example: "if args.merge_method is \"fast\"", fix: "use one of the enum values" },
  { code: "PDL2014", severity: "warning", title: "operator fits the type of only some matchable tools", example: "args.id is a number in one tool and a string in another", fix: "constrain the tools" },
  { code: "PDL2016", severity: "warning", title: "wildcard where a URL's host ends", example: "if args.url matches \"https://github.com*\"", fix: "compare the host: `args.url host is \"github.com\"` or `host matches \"*.github.com\"`; escape a literal `*` as `\\*`" },
  { code: "PDL2017", severity: "error", title: "not a host, scheme or URL path", example: "if args.url host is \"https://github.com\"", fix: "write the part alone: `host is \"github.com\"`, `scheme is https`, `path matches \"/acme/*\"`" },
  { code: "PDL2018", severity: "warning", title: "literal a canonical path or URL never equals", example: "if args.path is \"./secret.txt\" (args.path is marked as a path)", fix: "write the canonical form the hint gives (`secret.txt`), or use `under \"folder\"`" },
  { code: "PDL2020", severity: "error", title: "unknown action", example: "action allw", fix: "use allow, block, deny, require_approval, hide, alert, sanitize, mark or clear" },
  { code: "PDL2021", severity: "error", title: "several effects in one policy", example: "action allow, block", fix: "keep at most one of allow / block / require_approval / hide" },
  { code: "PDL2022", severity: "error", title: "policy has no action", example: "policy \"x\" { if … }", fix: "add an `action` line" },
  { code: "PDL2023", severity: "error", title: "action argument not allowed here", example: "action allow \"why\" to \"#sec\"", fix: "messages go on block / require_approval / alert; `to` on alert; `from` on require_approval" },
  { code: "PDL2024", severity: "error", title: "unknown approver", example: "from [boss]", fix: "use technician and/or manager" },
  { code: "PDL2025", severity: "error", title: "sanitize field is not an args path", example: "sanitize [text]", fix: "write `sanitize [args.text]`" },
  { code: "PDL2030", severity: "error", title: "duplicate policy id", example: "two policies with id github-readonly", fix: "give each policy its own id" },
  { code: "PDL2031", severity: "error", title: "invalid header value", example: "status live · priority -1 · when call", fix: "use a value listed in the hint" },
  { code: "PDL2032", severity: "error", title: "header line given twice", example: "two `priority` lines", fix: "keep one" },
  { code: "PDL2033", severity: "error", title: "more than one default", example: "default allow in two files · `default for integration GitHub` twice", fix: "keep one `default` per project, and one `default for …` per target" },
  { code: "PDL2034", severity: "error", title: "invalid default", example: "default by operation { Reed: allow }", fix: "use Read/Write/Delete/Unknown and allow/block/require_approval" },
  { code: "PDL2035", severity: "warning", title: "condition does not apply to the trigger", example: "when agent_discovered + if tool is …", fix: "agent_discovered events carry only the agent" },
  { code: "PDL2040", severity: "error", title: "invalid detector", example: "detector X /(/ class PII", fix: "write a valid JavaScript regex" },
  { code: "PDL2041", severity: "error", title: "detector can backtrack catastrophically", example: "detector X /(a+)+$/", fix: "remove nested or overlapping quantifiers" },
  { code: "PDL2046", severity: "warning", title: "detector not proved to run in linear time", example: "detector X /(?:a|ab)*c/ whose analysis ran out of time", fix: "simplify it: bounded repetitions, no nested quantifiers, no back-references" },
  { code: "PDL2042", severity: "error", title: "duplicate detector", example: "two detectors named EmployeeId", fix: "rename one" },
  { code: "PDL2043", severity: "error", title: "unknown data class", example: "data_class has SECRET", fix: "use a built-in class or one declared by a detector" },
  { code: "PDL2044", severity: "error", title: "invalid organization entry", example: "organization { domain [\"acme.com\"] }", fix: "use domains, slack_workspaces, github_orgs, external_channels" },
  { code: "PDL2050", severity: "error", title: "invalid session condition", example: "rate(5x) > 3 · time within \"Mon 9-5\"", fix: "see the hint for the expected form" },
  { code: "PDL2051", severity: "error", title: "unknown time zone", example: "tz \"Europe/Berln\"", fix: "use an IANA zone name" },
  { code: "PDL2052", severity: "warning", title: "principal condition without an organization", example: "principal is external with no `organization` declared", fix: "declare `organization { domains [...] }`" },
  { code: "PDL2070", severity: "error", title: "unknown user field", example: "if user.rolse has admin", fix: "use user (its id), user.roles, user.groups, user.manager or user.claims.<name>" },
  { code: "PDL2071", severity: "error", title: "operator does not fit the user field", example: "if user.roles is admin", fix: "use an operator the field supports (`user.roles has admin`, `args.team in user.groups`)" },
  { code: "PDL2072", severity: "error", title: "wrong kind of value in a user condition", example: "if user is alice · if user.claims.clearance > \"2\"", fix: "quote user ids; compare claims with a number for > <, a quoted glob for matches, a list for in" },
  { code: "PDL2073", severity: "error", title: "approval nobody can give", example: "require_approval from [manager] when \"approvers\" in policy.config.json has no manager", fix: "add the role with at least one user name to \"approvers\"" },
  { code: "PDL2090", severity: "error", title: "`result` outside a tool_response policy", example: "when tool_call + if result.content contains \"x\"", fix: "add `when tool_response`: only responses have a result" },
  { code: "PDL2091", severity: "error", title: "result path no matchable tool returns", example: "when tool_response + if result.totl > 3", fix: "use a field of the tool's output schema (catalog `output`, MCP `outputSchema`), or `result.content`" },
  { code: "PDL2092", severity: "error", title: "sanitize on a result field that holds no text", example: "sanitize [result.count] where count is an integer", fix: "sanitize a field that holds strings, or the whole result" },
  { code: "PDL2093", severity: "error", title: "action or field that does not fit the trigger", example: "when tool_call + sanitize [result]; when tool_response + hide", fix: "mask `args.…` on requests, `result…` on responses, `text` on messages; `hide` is for tool calls" },
  { code: "PDL2094", severity: "error", title: "session condition on a response or message", example: "when tool_response + if session has untrusted_content", fix: "put the session condition on the request (`when tool_call`)" },
  { code: "PDL2095", severity: "error", title: "session changed by something other than a message from the user", example: "when tool_response + action clear seen SECRETS", fix: "put `mark` / `clear` on a `when message_from_user` policy: only the user may lift a restriction" },
  { code: "PDL2096", severity: "error", title: "malformed mark or clear", example: "action mark · action clear · action clear mark", fix: "`mark \"name\"`, `clear mark \"name\"`, `clear seen <CLASS>`, `clear <label>`" },
  { code: "PDL3001", severity: "error", title: "invalid catalog file", example: "a tool without operation", fix: "fix the file as the message says (schema: schemas/catalog.schema.json)" },
  { code: "PDL3002", severity: "error", title: "unreadable catalog file", example: "--catalog missing.json", fix: "check the path" },
  { code: "PDL3003", severity: "error", title: "invalid project config", example: "policy.config.json with an unknown key", fix: "see schemas/project-config.schema.json" },
  { code: "PDL3004", severity: "error", title: "input outside the project", example: "\"catalogs\": [\"/etc/x.json\"] · replay \"../../other/s.jsonl\"", fix: "keep catalogs and session files under the project root, or pass --allow-outside" },
  { code: "PDL3020", severity: "error", title: "invalid reviews file", example: "policy.reviews.json with `\"status\": \"OK\"`", fix: "fix the file as the message says (schema: schemas/reviews.schema.json); `policy catalog review` and `policy agent review` write it" },
  { code: "PDL3021", severity: "warning", title: "review of a tool no catalog has", example: "a review of github.old_tool after the tool left the catalog", fix: "add the catalog that defines the tool, or remove the review (it is ignored: the tool stays Unreviewed)" },
  { code: "PDL4006", severity: "warning", title: "numeric condition that always or never holds", example: "spend today > -5 USD · rate(5m) > -1 · rate(1h) < 0", fix: "compare with a positive number, or remove the condition" },
  { code: "PDL4007", severity: "warning", title: "empty time window", example: "rate(0m) > 5", fix: "give a window of at least one second" },
  { code: "PDL4001", severity: "warning", title: "policy is shadowed", example: "an allow policy whose conditions include those of a block policy", fix: "remove it, or narrow the policy that shadows it" },
  { code: "PDL4002", severity: "warning", title: "policy can never match", example: "if integration is GitHub and integration is Slack", fix: "fix the conditions" },
  { code: "PDL4003", severity: "info", title: "deny is an alias of block", example: "action deny", fix: "write `block`" },
  { code: "PDL4004", severity: "info", title: "no id", example: "policy without `id`", fix: "add `id <slug>` so that tests and audit logs keep a stable name" },
  { code: "PDL4020", severity: "warning", title: "policy never decides", example: "an allow that matches only calls where a block or an earlier policy wins", fix: "remove it, narrow the policies that win, or change the priorities (the message names them, with the calls)" },
  { code: "PDL4021", severity: "warning", title: "tools no policy and no default decides", example: "GitHub read tools in a project without `default`", fix: "add a `default` or a policy that covers them" },
  { code: "PDL4022", severity: "warning", title: "a tie only source order breaks", example: "two require_approval policies of priority 100 with different approvers on the same calls (a different reason alone is not reported)", fix: "give one a lower priority number, or narrow one" },
  { code: "PDL4023", severity: "warning", title: "a command's stricter forms left out", example: "block on `tool is git.push` while `git push --force` resolves to git.push_force", fix: "name the stricter tools too, or decide by operation" },
  { code: "PDL4024", severity: "warning", title: "a mark no policy sets", example: "if not session has mark \"reviewd\" while the policies mark \"reviewed\"", fix: "fix the name (marks are case-sensitive), or add a `when message_from_user` policy with `action mark \"…\"`" },
  { code: "PDL6001", severity: "error", title: "test refers to an unknown policy", example: "expect block by nonexistent", fix: "use a policy id or name" },
  { code: "PDL6005", severity: "error", title: "test step calls an unknown tool", example: "call githib.merge_pull_request {}", fix: "use a tool of the catalog (did you mean…)" },
  { code: "PDL6006", severity: "error", title: "test step arguments do not fit the tool's schema", example: "call github.merge_pull_request { pull_number: 9 } (the argument is pullNumber)", fix: "use the argument names and types of `policy catalog show <tool>`" },
  { code: "PDL1006", severity: "error", title: "file is not UTF-8 text", example: "a .policy file saved as Latin-1 (`\"r\\xE9sum\\xE9\"`)", fix: "save it as UTF-8; the message names the line and the byte" },
  { code: "PDL1007", severity: "error", title: "binary file", example: "a NUL byte in a .policy file, catalog or config", fix: "check that the path names the file you meant" },
  { code: "PDL4005", severity: "warning", title: "project without policies", example: "an empty .policy file", fix: "write a policy, or check the paths given" },
  { code: "PDL1004", severity: "error", title: "file too large", example: "a .policy file over 1,048,576 characters", fix: "split it into several files (docs/limits.md)" },
  { code: "PDL1005", severity: "error", title: "nested too deeply", example: "if ((((((… 65 levels …", fix: "flatten the condition: several `if` lines are AND-ed (docs/limits.md)" },
  { code: "PDL2045", severity: "error", title: "too many detectors, or a detector regex too long", example: "65 `detector` declarations", fix: "merge detectors; keep each regex under 1,000 characters (docs/limits.md)" },
  { code: "PDL5002", severity: "error", title: "too many policies for one bundle", example: "10,001 policies in one project", fix: "split the project into several bundles (docs/limits.md)" },
  { code: "PDL5010", severity: "error", title: "active policy changed without a new version", example: "an `if` line of an active policy edited, `version 1` kept", fix: "bump `version`, undo the edit, or clone it as a draft (`policy version <id>`)" },
  { code: "PDL5011", severity: "error", title: "policy version lower than the built one", example: "`version 1` after version 2 was built", fix: "versions only go up: use the next number" },
  { code: "PDL5013", severity: "error", title: "scope of an active policy changed", example: "`scope tenant \"acme\"` → `scope platform` with `version 2`", fix: "keep the scope it was active with; write a new policy (a new id) for other calls" },
  { code: "PDL5014", severity: "error", title: "active policy deleted without being deprecated", example: "an active policy removed from its file", fix: "put it back with `status deprecated`, build, then delete it (or `policy promote` a new version)" },
  { code: "PDL5012", severity: "error", title: "invalid policy.lock", example: "a lock edited by hand: `\"version\": \"two\"`", fix: "fix or delete the lock (schema: schemas/policy-lock.schema.json)" },
  { code: "PDL5030", severity: "error", title: "invalid policy export document", example: "an item with both `if` and `action`", fix: "see schemas/policy-export.schema.json; compare with `policy export` output" },
] as const satisfies readonly CodeInfo[];

/** A registered diagnostic code. */
export type Code = (typeof REGISTRY)[number]["code"];

export const CODES: readonly CodeInfo[] = REGISTRY;

export const CODE_INDEX: ReadonlyMap<string, CodeInfo> = new Map(CODES.map((c) => [c.code, c]));

/** The documentation anchor of a code (the LSP links to it). */
export function codeDocUrl(code: string): string {
  return `https://policy-toolchain.dev/docs/diagnostics#${code.toLowerCase()}`;
}

/** The severity the registry gives a code. */
export function severityOf(code: Code): Severity {
  return CODE_INDEX.get(code)!.severity;
}

/** A diagnostic of a registered code: the registry decides its severity. */
export function diagnostic(code: Code, span: Span, message: string, hint?: string, extra?: { related?: RelatedInfo[]; fixes?: Fix[] }): Diagnostic {
  return diag(code, severityOf(code), span, message, hint, extra);
}
