/**
 * Guesses that import makes beyond the operation: labels (from annotations and name words),
 * the resource argument and the category. Every guess carries a reason for the report.
 */
import type { JsonSchema, Operation } from "../../compiler/catalog/types.js";
import type { ToolAnnotations } from "./classify.js";
import { analyseVerbs } from "./classify.js";
import { INTEGRATION_PREFIXES, singular, tokenizeName } from "./tokens.js";
import { CONNECTORS, NOUN_COMPOUNDS, verbOperation } from "./verbs.js";

/** A label guessed for a tool and why. */
export interface LabelGuess {
  readonly label: "untrusted_content" | "private_data" | "external_communication";
  readonly reason: string;
}

/** Verbs whose action reaches people outside the agent's session. */
export const EXTERNAL_VERBS: ReadonlySet<string> = new Set([
  "send", "post", "share", "publish", "reply", "forward", "invite", "notify", "email", "message",
  "broadcast", "announce", "tweet",
]);
/** Nouns that make a Write an act of communication (`create_message`, `add_email`). */
export const EXTERNAL_NOUNS: ReadonlySet<string> = new Set([
  "email", "mail", "message", "sms", "notification", "invitation", "invite", "dm",
]);
/** Nouns whose content, when read, was written by someone else (prompt-injection surface). */
export const UNTRUSTED_NOUNS: ReadonlySet<string> = new Set([
  "email", "mail", "message", "issue", "comment", "page", "doc", "document", "web", "url", "webpage",
  "website", "html", "thread", "ticket", "post", "review", "discussion", "conversation", "history",
  "reply", "notification", "pull", "readme", "content", "inbox", "block",
]);
/** Read verbs that reach the open web. */
export const UNTRUSTED_VERBS: ReadonlySet<string> = new Set(["browse", "scrape", "crawl"]);
/** Nouns of personal or confidential records. */
export const PRIVATE_NOUNS: ReadonlySet<string> = new Set([
  "file", "doc", "document", "contact", "user", "record", "mail", "email", "customer", "person",
  "people", "profile", "drive", "folder", "employee", "account", "secret", "credential", "password",
  "inbox", "lead", "deal", "patient",
]);

/**
 * Labels guessed for a tool. external_communication: `openWorldHint: true` on a Write, a sending
 * verb (send, post, share, …) or a Write of a message/e-mail. untrusted_content and private_data
 * are guessed for Reads only: reading is what brings such content into the session.
 */
export function guessLabels(name: string, operation: Operation, annotations?: ToolAnnotations,
  integration?: string): LabelGuess[] {
  const analysis = analyseVerbs(name, integration);
  const words = analysis.tokens.map((t) => singular(t.text));
  const out: LabelGuess[] = [];
  const add = (label: LabelGuess["label"], reason: string): void => {
    if (!out.some((g) => g.label === label)) out.push({ label, reason });
  };
  if (operation === "Write" || operation === "Delete") {
    if (annotations?.openWorldHint === true && operation === "Write") add("external_communication", "openWorldHint: true");
    const sendVerb = analysis.verbs.find((v) => EXTERNAL_VERBS.has(v));
    if (sendVerb !== undefined && operation === "Write") add("external_communication", `verb '${sendVerb}'`);
    const noun = words.find((w) => EXTERNAL_NOUNS.has(w) && !analysis.verbs.includes(w));
    if (noun !== undefined && operation === "Write") add("external_communication", `writes a '${noun}'`);
  }
  if (operation === "Read") {
    const untrusted = words.find((w) => UNTRUSTED_NOUNS.has(w));
    const webVerb = analysis.verbs.find((v) => UNTRUSTED_VERBS.has(v));
    if (untrusted !== undefined) add("untrusted_content", `reads '${untrusted}'`);
    else if (webVerb !== undefined) add("untrusted_content", `verb '${webVerb}'`);
    else if (annotations?.openWorldHint === true) add("untrusted_content", "openWorldHint: true on a Read");
    const priv = words.find((w) => PRIVATE_NOUNS.has(w));
    if (priv !== undefined) add("private_data", `reads '${priv}'`);
  }
  return out;
}

/**
 * Argument names that identify the resource a call acts on, most specific container first.
 * The first REQUIRED property in this order is the resource; failing that, the first required
 * property whose name ends in `_id`, `Id`, `_key` or `Key`.
 */
export const RESOURCE_KEYS: readonly string[] = [
  "repo", "repository", "repo_name", "repository_name", "full_name",
  "project", "project_id", "projectId", "project_key", "projectKey",
  "channel", "channel_id", "channelId", "space_id", "spaceId", "space_key", "spaceKey",
  "database_id", "databaseId", "drive_id", "driveId", "folder_id", "folderId",
  "document_id", "documentId", "page_id", "pageId", "file_id", "fileId",
  "path", "file_path", "filePath", "issue_id", "issueId", "issueIdOrKey", "issue_key", "issueKey",
  "ticket_id", "ticketId", "contact_id", "contactId", "record_id", "recordId", "account_id",
  "accountId", "user_id", "userId", "team_id", "teamId", "bucket", "url", "uri", "id",
];

/** The resource argument of a tool, from its argument schema (see RESOURCE_KEYS). */
export function guessResource(args: JsonSchema | undefined): string | undefined {
  const props = args?.properties ?? {};
  const required = (Array.isArray(args?.required) ? args.required : []).filter((r) => r in props);
  for (const key of RESOURCE_KEYS) if (required.includes(key)) return key;
  return required.find((r) => /(_id|Id|_key|Key)$/.test(r));
}

const STOP_WORDS: ReadonlySet<string> = new Set([
  "for", "by", "with", "in", "on", "of", "to", "from", "using", "as", "all", "my", "a", "an", "the",
  "new", "multiple", "single", "batch", "bulk", "into", "at",
]);

function plural(word: string): string {
  if (word.endsWith("s")) return word;
  if (/[^aeiou]y$/.test(word)) return word.slice(0, -1) + "ies";
  if (/(x|ch|sh)$/.test(word)) return word + "es";
  return word + "s";
}

/**
 * A category from the name: the first noun after the deciding verb, in plural form
 * (`list_issues` → `issues`, `create_pull_request` → `pull_requests`). Undefined when none.
 */
export function guessCategory(name: string, integration?: string): string | undefined {
  const tokens = tokenizeName(name, integration).map((t) => t.text);
  const analysis = analyseVerbs(name, integration);
  // A category is the object of a verb. Without a verb (`sequentialthinking`, `git_status`) any
  // word would be a guess ("sequentialthinkings"): none is better than a wrong one.
  if (analysis.decidedBy === undefined || verbOperation(analysis.decidedBy) === undefined) return undefined;
  const start = tokens.indexOf(analysis.decidedBy) + 1;
  for (let k = start; k < tokens.length; k++) {
    const w = tokens[k]!;
    if (STOP_WORDS.has(w) || CONNECTORS.has(w) || INTEGRATION_PREFIXES.has(w) || /^\d/.test(w)) continue;
    const next = tokens[k + 1];
    if (next !== undefined && NOUN_COMPOUNDS.get(w)?.has(next) === true) return `${w}_${plural(singular(next))}`;
    if (verbOperation(w) !== undefined && analysis.verbs.includes(w)) continue;
    if (integration !== undefined && w === integration.toLowerCase()) continue;
    return plural(singular(w));
  }
  return undefined;
}
