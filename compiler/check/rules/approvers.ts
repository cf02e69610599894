/**
 * Approvals someone can give: every role a `require_approval … from [role]` names must be held
 * by at least one person in the project's `approvers` (policy.config.json), else the proxy would
 * hold the call until it times out (PDL2073, an error). A project without `approvers` is not
 * checked here (nobody can vote at `policy enforce`, which says so when it starts).
 */
import type * as A from "../../../grammar/ast.js";
import type { CheckedPolicy } from "../../model.js";
import type { CheckContext } from "../context.js";

/** Who may approve, per role (role → user names). */
export type ApproverRoster = Readonly<Record<string, readonly string[]>>;

function approvalActions(p: CheckedPolicy): A.ActionNode[] {
  return p.ast.items.filter((x): x is A.ActionItem => x.kind === "ActionItem")
    .flatMap((x) => x.actions).filter((a) => a.name === "require_approval");
}

export function checkApprovers(ctx: CheckContext, policies: readonly CheckedPolicy[], roster: ApproverRoster | undefined): void {
  const held = new Set(Object.entries(roster ?? {}).filter(([, people]) => people.length > 0).map(([role]) => role));
  for (const p of policies) {
    if (p.effect !== "require_approval") continue;
    for (const a of approvalActions(p)) {
      if (!roster) continue;
      const items = a.from?.items ?? [];
      if (!items.length && !held.size) ctx.error("PDL2073", a.nameSpan, `"${p.name}" needs any one approver, but no role in "approvers" has anyone`, "add user names to a role in policy.config.json");
      for (const v of items) {
        const role = v.kind === "Name" || v.kind === "String" ? v.value : "";
        if (role && !held.has(role)) ctx.error("PDL2073", v.span, `nobody holds the role "${role}", so nobody can give this approval`, `add "${role}": ["<user>"] to "approvers" in policy.config.json`);
      }
    }
  }
}
