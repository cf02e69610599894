/**
 * Policy-set edits on a built bundle: the bundle with only some of its policies (what a status
 * change does: a policy set to `draft` or `deprecated` leaves the bundle, a draft made `active`
 * joins it). The decision tables are remapped, not rebuilt, and the content revision recomputed,
 * so the runtime decides with the edited set exactly as with a bundle built from edited sources.
 */
import type { Bundle } from "../../runtime/types.js";
import { contentRevision } from "../../runtime/revision.js";

/** The bundle keeping only the policies `keep` accepts (by index in `b.policies`). */
export function keepPolicies(b: Bundle, keep: (index: number) => boolean): Bundle {
  const map = new Map<number, number>();
  const policies = b.policies.filter((_, i) => {
    if (!keep(i)) return false;
    map.set(i, map.size);
    return true;
  });
  const remap = (xs: readonly number[]) => xs.flatMap((x) => { const n = map.get(x >> 1); return n === undefined ? [] : [n * 2 + (x & 1)]; });
  const tc = b.index.tool_call;
  const tools = Object.fromEntries(Object.entries(tc.tools).map(([k, v]) => [k, remap(v)] as const).filter(([, v]) => v.length));
  const integrations = Object.fromEntries(Object.entries(tc.integrations).map(([k, v]) => [k, remap(v)] as const).filter(([, v]) => v.length));
  const out: Bundle = { ...b, revision: "", policies, index: { tool_call: { tools, integrations, other: remap(tc.other) }, agent_discovered: remap(b.index.agent_discovered) } };
  return { ...out, revision: contentRevision(out) };
}
