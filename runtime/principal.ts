/**
 * `principal is external`: does the call address someone or something outside the organisation
 * declared with `organization { domains, slack_workspaces, github_orgs, external_channels }`?
 * The rules (each one is documented in docs/sessions.md):
 * 1. an e-mail address in a principal argument (`to`, `cc`, `bcc`, `recipients`, `email`,
 *    `email_address`, `share_with`, `members`, `invitees`, `attendees`, `grantee`, …, at any depth
 *    below such a key) whose domain is not a declared domain or a subdomain of one;
 * 2. a share to everyone (`type: "anyone"`, `visibility`/`audience`: `"public"`) or to a
 *    `domain` argument outside the declared domains;
 * 3. a channel argument (`channel`, `channel_id`, `channel_name`, `conversation`) that matches
 *    one of `external_channels` (globs, case-insensitive, a leading `#` optional), or a Slack
 *    URL / `workspace`/`team`/`team_id` argument of another workspace than `slack_workspaces`;
 * 4. a GitHub `owner` / `org` / `organization` argument, an `owner/name` repo or a github.com URL
 *    (also in a CLI command line) naming an organisation outside `github_orgs`.
 * Rules 3 and 4 apply only when the organisation lists workspaces / orgs / channels; without an
 * `organization`, every e-mail address is external. Free text (`body`, `text`) is never scanned.
 */
import type { Bundle } from "./types.js";
import type { ResolvedCall } from "./event.js";
import { cachedRegex } from "./static-eval.js";
import { globToRegexSource } from "./glob.js";

const MAX_DEPTH = 32;
const EMAIL_KEYS = /^(to|cc|bcc|recipients?|emails?|email_?address(es)?|emailaddress|share_?with|user_?emails?|invitees?|attendees?|members?|grantees?|participants?|guests?)$/i;
const CHANNEL_KEYS = /^(channels?|channel_?(id|name)s?|conversation(_?id)?)$/i;
const WORKSPACE_KEYS = /^(workspace(_?id)?|team(_?id)?)$/i;
const ORG_KEYS = /^(owner|org|organization)$/i;
const ADDRESS = /[^\s<>,;:"'()[\]]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})/g;
const GITHUB_URL = /github\.com[/:]([A-Za-z0-9_.-]+)\//gi;
const SLACK_URL = /(?:^|\/\/)([a-z0-9-]+)\.(?:enterprise\.)?slack\.com/i;

function globRe(g: string): RegExp {
  return cachedRegex(globToRegexSource(g.replace(/^#/, "").toLowerCase()));
}

function domainInside(domain: string, domains: readonly string[]): boolean {
  const d = domain.toLowerCase().replace(/\.$/, "");
  return domains.some((x) => d === x || d.endsWith("." + x));
}

/** Does `test` hold for the first group of some match of `re` in `s`? */
function someMatch(s: string, re: RegExp, test: (group: string) => boolean): boolean {
  for (const m of s.matchAll(re)) if (test(m[1]!)) return true;
  return false;
}

/** True when some argument of the call names a principal outside the organisation. */
export function principalExternal(bundle: Bundle, call: ResolvedCall | undefined): boolean {
  if (!call) return false;
  const org = bundle.organization;
  const domains = org?.domains ?? [];
  const slackWorkspaces = org?.slack_workspaces ?? [];
  const outside = (domain: string) => !domainInside(domain, domains);
  const otherWorkspace = (ws: string) => slackWorkspaces.length > 0 && !slackWorkspaces.includes(ws.toLowerCase());
  const otherOrg = (owner: string) => !!org?.github_orgs.length && !org.github_orgs.includes(owner.toLowerCase());
  // A channel listed in `external_channels`, or a Slack URL of another workspace.
  const channelOutside = (v: string, o: typeof org & object) => {
    const name = v.replace(/^#/, "").toLowerCase();
    const ws = SLACK_URL.exec(v);
    return o.external_channels.some((g) => globRe(g).test(name)) || (!!ws && otherWorkspace(ws[1]!));
  };
  const githubUrl = (v: string) => someMatch(v, GITHUB_URL, otherOrg);
  if (call.argv) return call.argv.some(githubUrl);
  const github = call.integration === "github";
  const text = (v: string, key: string, principal: boolean): boolean =>
    (principal && someMatch(v, ADDRESS, outside)) ||
      (/^type$/i.test(key) && v.toLowerCase() === "anyone") ||
      (/^(requested_?)?(visibility|audience)$/i.test(key) && v.toLowerCase() === "public") ||
      (/^domain$/i.test(key) && !!v && outside(v)) ||
      (CHANNEL_KEYS.test(key) && !!org && channelOutside(v, org)) ||
      (call.integration === "slack" && WORKSPACE_KEYS.test(key) && otherWorkspace(v)) ||
      (github && ORG_KEYS.test(key) && otherOrg(v)) ||
      (github && /^repo$/i.test(key) && v.includes("/") && otherOrg(v.slice(0, v.indexOf("/")))) ||
      (/^(url|remote|html_url|repository_url)$/i.test(key) && githubUrl(v));
  const visit = (v: unknown, key: string, principal: boolean, d: number): boolean =>
    d <= MAX_DEPTH && (typeof v === "string" ? text(v, key, principal)
      : Array.isArray(v) ? v.some((x) => visit(x, key, principal, d + 1))
      : typeof v === "object" && v !== null && Object.keys(v).some((k) => visit((v as Record<string, unknown>)[k], k, principal || EMAIL_KEYS.test(k), d + 1)));
  return visit(call.args, "", false, 0);
}
