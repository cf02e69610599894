/**
 * Name splitting for verb analysis: snake_case, camelCase, kebab-case, dotted and slashed names
 * become lower-case tokens, each marked with whether it opens a segment (the place where an
 * action verb stands: `chat.postMessage` → `post` opens the second segment).
 */

/** One word of a tool name. */
export interface NameToken {
  /** Lower-case word. */
  readonly text: string;
  /** True for the first word of the name (after integration prefixes) and of each `/` or `.` segment. */
  readonly segmentStart: boolean;
}

/**
 * Integration prefixes that tool names often carry (`slack_post_message`, `git_push`). They are
 * skipped at the start of a name (and of a segment) before verb analysis.
 */
export const INTEGRATION_PREFIXES: ReadonlySet<string> = new Set([
  "slack", "git", "github", "gh", "gitlab", "jira", "confluence", "atlassian", "notion", "linear",
  "gdrive", "drive", "google", "gmail", "dropbox", "datadog", "salesforce", "sfdc", "hubspot",
  "aws", "iam", "mcp", "api", "v1", "v2", "v3",
]);

/** Words of one identifier: `searchJiraIssuesUsingJQL` → search, jira, issues, using, jql. */
export function splitWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => w.toLowerCase());
}

/**
 * Tokens of a tool name with segment starts marked. Leading integration prefixes (the known
 * ones and the words of `integration`) are dropped from each segment while another word follows.
 */
export function tokenizeName(name: string, integration?: string): NameToken[] {
  const prefixes = new Set(INTEGRATION_PREFIXES);
  if (integration !== undefined) for (const w of splitWords(integration)) prefixes.add(w);
  const out: NameToken[] = [];
  for (const segment of name.split(/[/.]+/)) {
    const words = splitWords(segment);
    let i = 0;
    while (i < words.length - 1 && prefixes.has(words[i]!)) i++;
    for (let k = i; k < words.length; k++) out.push({ text: words[k]!, segmentStart: k === i });
  }
  return out;
}

const SINGULAR_EXCEPTIONS: ReadonlySet<string> = new Set([
  "status", "news", "alias", "canvas", "analysis", "address", "access", "process", "business", "class",
  "its", "this", "is", "has", "was", "always", "series", "axis", "basis", "bus", "gas", "yes",
]);

/** Crude English singular used for noun matching: issues → issue, entities → entity. */
export function singular(word: string): string {
  if (SINGULAR_EXCEPTIONS.has(word) || word.length <= 3) return word;
  if (word.endsWith("ies")) return word.slice(0, -3) + "y";
  if (word.endsWith("sses") || word.endsWith("xes") || word.endsWith("ches") || word.endsWith("shes")) {
    return word.slice(0, -2);
  }
  if (word.endsWith("ss") || word.endsWith("us")) return word;
  if (word.endsWith("s")) return word.slice(0, -1);
  return word;
}
