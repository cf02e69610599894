/**
 * `organization { domains [...] slack_workspaces [...] github_orgs [...] external_channels [...]
 * timezone "Europe/Berlin" tenant_timezones { acme: "America/New_York" } }`.
 */
import type * as A from "../../../grammar/ast.js";
import type { Organization } from "../../model.js";
import { didYouMean, type CheckContext } from "../context.js";
import { isValidTimeZone } from "../../../runtime/time.js";

const KEYS = ["domains", "slack_workspaces", "github_orgs", "external_channels"] as const;
const ZONE_KEYS = ["timezone", "tenant_timezones"];

export function checkOrganization(ctx: CheckContext, decls: readonly A.OrganizationDecl[]): Organization | undefined {
  if (decls.length === 0) return undefined;
  const org: Record<(typeof KEYS)[number], string[]> = { domains: [], slack_workspaces: [], github_orgs: [], external_channels: [] };
  const zones: Zones = { tenants: {} };
  for (const d of decls) {
    for (const e of d.entries) {
      if (ZONE_KEYS.includes(e.key.value)) { zoneEntry(ctx, e, zones); continue; }
      const key = KEYS.find((k) => k === e.key.value);
      if (!key) {
        const dm = didYouMean(e.key.value, [...KEYS, ...ZONE_KEYS], e.key.span);
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
  const tenants = Object.keys(zones.tenants).sort();
  return {
    domains: [...new Set(org.domains)].sort(), slack_workspaces: [...new Set(org.slack_workspaces)].sort(), github_orgs: [...new Set(org.github_orgs)].sort(), external_channels: [...new Set(org.external_channels)].sort(),
    ...(zones.zone ? { timezone: zones.zone } : {}),
    ...(tenants.length ? { tenant_timezones: Object.fromEntries(tenants.map((t) => [t, zones.tenants[t]!])) } : {}),
  };
}

interface Zones { zone?: string; tenants: Record<string, string> }

/** `timezone "Europe/Berlin"` or `tenant_timezones { acme: "America/New_York" }`: IANA zones of calendar windows. */
function zoneEntry(ctx: CheckContext, e: A.OrgEntry, out: Zones): void {
  const zone = (v: A.Value): string | undefined => {
    if (v.kind !== "String") { ctx.error("PDL2044", v.span, "a time zone is a quoted IANA name", "e.g. timezone \"Europe/Berlin\""); return undefined; }
    if (!isValidTimeZone(v.value)) { ctx.error("PDL2051", v.span, `unknown time zone "${v.value}"`, "use an IANA name such as Europe/Berlin or America/New_York"); return undefined; }
    return v.value;
  };
  if (e.key.value === "timezone") {
    const z = zone(e.value);
    if (z) out.zone = z;
    return;
  }
  if (e.value.kind !== "Object") { ctx.error("PDL2044", e.value.span, "tenant_timezones maps tenants to zones", "e.g. tenant_timezones { acme: \"America/New_York\" }"); return; }
  for (const x of e.value.entries) {
    const z = zone(x.value);
    if (z) out.tenants[x.key] = z;
  }
}
