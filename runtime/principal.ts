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

type Org = NonNullable<Bundle["organization"]>;

function globRe(g: string): RegExp {
  return cachedRegex(globToRegexSource(g.replace(/^#/, "").toLowerCase()));
}

function domainInside(domain: string, domains: readonly string[]): boolean {
  const d = domain.toLowerCase().replace(/\.$/, "");
  return domains.some((x) => d === x || d.endsWith("." + x));
}

function githubOrgOutside(owner: string, org: Org | undefined): boolean {
  return !!org?.github_orgs.length && !org.github_orgs.includes(owner.toLowerCase());
}

/** True when some argument of the call names a principal outside the organisation. */
export function principalExternal(bundle: Bundle, call: ResolvedCall | undefined): boolean {
  if (!call) return false;
  const org = bundle.organization;
  const domains = org?.domains ?? [];
  if (call.argv) {
    for (const a of call.argv) for (const m of a.matchAll(GITHUB_URL)) if (githubOrgOutside(m[1]!, org)) return true;
    return false;
  }
  const github = call.integration === "github";
  const slack = call.integration === "slack";
  let ext = false;
  const text = (v: string, key: string, principal: boolean) => {
    if (principal) for (const m of v.matchAll(ADDRESS)) if (!domainInside(m[1]!, domains)) { ext = true; return; }
    if (/^type$/i.test(key) && v.toLowerCase() === "anyone") { ext = true; return; }
    if (/^(requested_?)?(visibility|audience)$/i.test(key) && v.toLowerCase() === "public") { ext = true; return; }
    if (/^domain$/i.test(key) && v && !domainInside(v, domains)) { ext = true; return; }
    if (CHANNEL_KEYS.test(key) && org) {
      const name = v.replace(/^#/, "").toLowerCase();
      if (org.external_channels.some((g) => globRe(g).test(name))) { ext = true; return; }
      const ws = SLACK_URL.exec(v);
      if (ws && org.slack_workspaces.length && !org.slack_workspaces.includes(ws[1]!.toLowerCase())) { ext = true; return; }
    }
    if (slack && WORKSPACE_KEYS.test(key) && org?.slack_workspaces.length && !org.slack_workspaces.includes(v.toLowerCase())) { ext = true; return; }
    if (github && ORG_KEYS.test(key) && githubOrgOutside(v, org)) { ext = true; return; }
    if (github && /^repo$/i.test(key) && v.includes("/") && githubOrgOutside(v.slice(0, v.indexOf("/")), org)) { ext = true; return; }
    if (/^(url|remote|html_url|repository_url)$/i.test(key)) for (const m of v.matchAll(GITHUB_URL)) if (githubOrgOutside(m[1]!, org)) { ext = true; return; }
  };
  const visit = (v: unknown, key: string, principal: boolean, d: number) => {
    if (ext || d > MAX_DEPTH) return;
    if (typeof v === "string") text(v, key, principal);
    else if (Array.isArray(v)) for (const x of v) visit(x, key, principal, d + 1);
    else if (typeof v === "object" && v !== null) {
      for (const k of Object.keys(v)) visit((v as Record<string, unknown>)[k], k, principal || EMAIL_KEYS.test(k), d + 1);
    }
  };
  visit(call.args, "", false, 0);
  return ext;
}
