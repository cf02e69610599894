/** `organization { domains [...] slack_workspaces [...] github_orgs [...] external_channels [...] }`. */
import type * as A from "../../../grammar/ast.js";
import type { Organization } from "../../model.js";
import { didYouMean, type CheckContext } from "../context.js";

const KEYS = ["domains", "slack_workspaces", "github_orgs", "external_channels"] as const;

export function checkOrganization(ctx: CheckContext, decls: readonly A.OrganizationDecl[]): Organization | undefined {
  if (decls.length === 0) return undefined;
  const org: Record<(typeof KEYS)[number], string[]> = { domains: [], slack_workspaces: [], github_orgs: [], external_channels: [] };
  for (const d of decls) {
    for (const e of d.entries) {
      const key = KEYS.find((k) => k === e.key.value);
      if (!key) {
        const dm = didYouMean(e.key.value, KEYS, e.key.span);
        ctx.error("PDL2044", e.key.span, `unknown organization entry "${e.key.value}"`, dm.hint, { fixes: dm.fixes });
        continue;
      }
      const items = e.value.kind === "List" ? e.value.items : [e.value];
      for (const v of items) {
        if (v.kind !== "String") { ctx.error("PDL2044", v.span, `${key} are quoted strings`, `e.g. ${key} ["acme.com"]`); continue; }
        org[key].push(key === "domains" || key === "github_orgs" || key === "slack_workspaces" ? v.value.toLowerCase().replace(/^@/, "") : v.value);
      }
    }
  }
  ctx.hasOrganization = true;
  return { domains: [...new Set(org.domains)].sort(), slack_workspaces: [...new Set(org.slack_workspaces)].sort(), github_orgs: [...new Set(org.github_orgs)].sort(), external_channels: [...new Set(org.external_channels)].sort() };
}
