/**
 * The verb table used by classification (SPEC §3): which words name a Read, Write or Delete
 * action, which of them are also common nouns, and the few words that join or carry a verb.
 * docs/catalog-import.md prints the same table; test/importers/catalog checks the two agree.
 */
import type { Operation } from "../../compiler/catalog/types.js";

/** Operations a verb can name (never `Unknown`). */
export type VerbOperation = Exclude<Operation, "Unknown">;

export const READ_VERBS: readonly string[] = [
  "get", "list", "search", "fetch", "read", "query", "find", "describe", "show", "view", "count",
  "check", "download", "export", "lookup", "retrieve", "browse", "inspect", "preview", "load",
  "scan", "poll", "validate", "verify", "compare", "analyze", "analyse", "summarize", "explain",
  "render", "ping", "is", "has", "can", "exists", "watch",
];

export const WRITE_VERBS: readonly string[] = [
  "create", "update", "add", "send", "post", "reset", "push", "merge", "edit", "set", "put",
  "upload", "write", "move", "rename", "assign", "unassign", "invite", "share", "publish",
  "approve", "reject", "close", "reopen", "fork", "star", "unstar", "run", "execute", "exec",
  "trigger", "comment", "reply", "react", "draft", "patch", "insert", "modify", "enable",
  "disable", "attach", "tag", "label", "lock", "unlock", "pin", "unpin", "mark", "toggle",
  "transition", "convert", "transfer", "restore", "unarchive", "copy", "duplicate", "clone",
  "import", "sync", "submit", "request", "dismiss", "resolve", "unresolve", "subscribe",
  "unsubscribe", "follow", "unfollow", "mute", "unmute", "notify", "grant", "apply", "deploy",
  "rerun", "retry", "cancel", "start", "stop", "restart", "upsert", "invoke", "call", "install",
  "configure", "register", "change", "rotate", "regenerate", "sign", "accept", "decline",
  "complete", "upgrade", "downgrade", "replace", "save", "store", "append", "prepend",
  "increment", "decrement", "schedule", "commit", "checkout", "rebase", "revert", "review",
  "link", "mention", "block", "unblock", "suspend", "unsuspend", "activate", "deactivate",
  "confirm", "init", "initialize", "enqueue", "dispatch", "bump", "pull", "email", "message",
  "forward", "broadcast", "announce", "tweet", "perform",
];

export const DELETE_VERBS: readonly string[] = [
  "delete", "remove", "destroy", "purge", "drop", "erase", "revoke", "detach", "archive",
  "truncate", "wipe", "clean", "cleanup", "clear", "discard", "trash", "terminate", "expunge",
  "prune", "rm", "del", "unlink", "uninstall", "deprovision", "unregister",
];

/**
 * Verbs that are just as often nouns (`issue_comments`, `list_tags`, `check_runs`). They count
 * as verbs only where a verb stands: at the start of the name or of a `/`/`.` segment.
 */
export const AMBIGUOUS_VERBS: ReadonlySet<string> = new Set([
  "comment", "draft", "tag", "label", "lock", "star", "fork", "post", "message", "email", "run",
  "check", "count", "view", "export", "download", "archive", "reply", "react", "patch", "share",
  "drop", "push", "merge", "commit", "link", "schedule", "request", "review", "pull", "watch",
  "call", "block", "store", "change", "copy", "clone", "sign", "set", "put", "is", "has", "can",
  "mark", "stop", "start", "load", "forward", "import", "register", "transfer", "mention", "query",
  "clean", "clear", "trash", "complete", "preview", "compare", "render", "scan",
]);

/** Words that join two verbs into one action: `create_or_update_file`, `list_and_delete`. */
export const CONNECTORS: ReadonlySet<string> = new Set(["or", "and", "then"]);

/** Write verbs that carry the action named next: `execute_delete`, `schedule_deletion`. */
export const CARRIER_VERBS: ReadonlySet<string> = new Set([
  "run", "execute", "exec", "perform", "trigger", "schedule", "request", "apply", "invoke",
]);

/** Nouns of deletion, counted after a carrier verb: `request_deletion` → Delete. */
export const DELETION_NOUNS: ReadonlySet<string> = new Set([
  "deletion", "removal", "teardown", "destruction", "erasure", "revocation", "truncation", "purge",
  "cleanup", "wipe",
]);

/**
 * Words that name a read-only view when no verb is present: `git_status`, `directory_tree`,
 * `atlassianUserInfo`. Used only as a last resort; the result is marked guessed.
 */
export const READ_NOUNS: ReadonlySet<string> = new Set([
  "info", "status", "diff", "log", "tree", "details", "stats", "statistics", "summary", "metadata",
  "history", "whoami", "me", "health", "version", "schema", "usage",
]);

/** Compound nouns whose first word is otherwise a verb: `pull_request`, `merge_request`. */
export const NOUN_COMPOUNDS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ["pull", new Set(["request", "requests"])],
  ["merge", new Set(["request", "requests"])],
  ["push", new Set(["notification", "notifications", "event", "events"])],
  ["check", new Set(["run", "runs", "suite", "suites"])],
]);

const TABLE: Map<string, VerbOperation> = new Map();
for (const v of READ_VERBS) TABLE.set(v, "Read");
for (const v of WRITE_VERBS) TABLE.set(v, "Write");
for (const v of DELETE_VERBS) TABLE.set(v, "Delete");

/** The operation a word names as a verb, or undefined. */
export function verbOperation(word: string): VerbOperation | undefined {
  return TABLE.get(word);
}

/** Severity order Read < Write < Delete, for coordinated verbs. */
export function moreSevere(a: VerbOperation, b: VerbOperation): VerbOperation {
  const rank = { Read: 0, Write: 1, Delete: 2 } as const;
  return rank[b] > rank[a] ? b : a;
}

/**
 * Write verbs that name a lookup when their object is an identifier: `resolve-library-id`
 * (Context7) and `resolve_user_name` find a name, they change nothing. Only when the name ends
 * in one of IDENTIFIER_NOUNS; `resolve_issue` stays a Write.
 */
export const LOOKUP_VERBS: ReadonlySet<string> = new Set(["resolve"]);

/** Last words of a name that make a lookup verb a Read: what is looked up is an identifier. */
export const IDENTIFIER_NOUNS: ReadonlySet<string> = new Set([
  "id", "ids", "name", "names", "address", "addresses", "url", "urls", "uri", "uris", "path",
  "paths", "ref", "refs", "reference", "references", "handle", "handles", "alias", "aliases",
  "key", "keys", "slug", "slugs", "hostname", "host", "dns", "identifier", "identifiers",
]);
