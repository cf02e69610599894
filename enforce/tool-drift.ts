/**
 * Tool drift at the enforcement point: each upstream's live `tools/list` (at start and on every
 * `notifications/tools/list_changed`) against the bundle's pinned definitions (`pins`, from
 * `catalog import --from mcp`), or, for a catalog tool without a pin, against the definition this
 * proxy first saw. What differs is put on each call's event (`call.definition_changed`), which
 * makes the tool `Unreviewed` for `tool.review_status` (runtime/static-eval.ts), and reported:
 * stderr, a `tool_definitions` line in the decision log, and an alert per changed or new tool.
 * Listing a tool twice (names equal once case is folded, as the tables fold them) counts as a
 * change of both: an agent cannot reach a second tool under a reviewed tool's key.
 */
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Bundle } from "../runtime/types.js";
import { definitionChanges, definitionHash, definitionOf } from "../compiler/catalog/definition.js";

/** What a listing of one upstream says against a bundle. */
export interface DriftReport {
  readonly integration: string;
  /** Tools the bundle's catalog does not know (Unknown, Unreviewed). */
  readonly added: readonly string[];
  /** Tools whose definition differs from the pinned (or first seen) one, with what differs. */
  readonly changed: readonly { readonly tool: string; readonly changes: readonly string[] }[];
  /** Pinned tools the upstream no longer lists. */
  readonly removed: readonly string[];
}

export const LISTED_TWICE = "listed more than once by the upstream";

const own = Object.prototype.hasOwnProperty;

export class ToolDrift {
  /** Per integration: the definition first seen for each key (the baseline of unpinned tools). */
  private readonly firstSeen = new Map<string, Map<string, Record<string, unknown>>>();
  /** Per integration: the current listing's changes by key (computed once per listing and bundle). */
  private readonly cache = new Map<string, { tools: readonly Tool[]; revision: string; changes: Map<string, string[]> }>();
  private readonly hashes = new WeakMap<Tool, string>();

  /** Records a listing's definitions as first seen (only keys not seen before). */
  observe(integration: string, tools: readonly Tool[]): void {
    let seen = this.firstSeen.get(integration);
    if (!seen) this.firstSeen.set(integration, (seen = new Map()));
    for (const t of tools) {
      const key = `${integration}.${t.name.toLowerCase()}`;
      if (!seen.has(key)) seen.set(key, definitionOf(t as Record<string, unknown>));
    }
  }

  private hashOf(t: Tool): string {
    let h = this.hashes.get(t);
    if (h === undefined) this.hashes.set(t, (h = definitionHash(definitionOf(t as Record<string, unknown>))));
    return h;
  }

  /** Every listed key with what differs (empty lists left out). */
  private changesOf(bundle: Bundle, integration: string, tools: readonly Tool[]): Map<string, string[]> {
    const hit = this.cache.get(integration);
    if (hit && hit.tools === tools && hit.revision === bundle.revision) return hit.changes;
    const count = new Map<string, number>();
    for (const t of tools) { const k = `${integration}.${t.name.toLowerCase()}`; count.set(k, (count.get(k) ?? 0) + 1); }
    const changes = new Map<string, string[]>();
    for (const t of tools) {
      const key = `${integration}.${t.name.toLowerCase()}`;
      if ((count.get(key) ?? 0) > 1) { changes.set(key, [LISTED_TWICE]); continue; }
      const pin = bundle.pins && own.call(bundle.pins, key) ? bundle.pins[key]! : undefined;
      const baseline = pin?.definition ?? (own.call(bundle.tools, key) ? this.firstSeen.get(integration)?.get(key) : undefined);
      if (!baseline) continue;
      if (pin && pin.hash === this.hashOf(t)) continue;
      const diff = definitionChanges(baseline, definitionOf(t as Record<string, unknown>));
      if (diff.length) changes.set(key, diff);
    }
    this.cache.set(integration, { tools, revision: bundle.revision, changes });
    return changes;
  }

  /** What differs for a call of `tool` on `integration` (empty: nothing, or the tool is not listed). */
  changesFor(bundle: Bundle, integration: string, tools: readonly Tool[], tool: string): readonly string[] {
    return this.changesOf(bundle, integration, tools).get(`${integration}.${tool.toLowerCase()}`) ?? [];
  }

  /** The report of one upstream's listing against a bundle. */
  report(bundle: Bundle, integration: string, tools: readonly Tool[]): DriftReport {
    const changes = this.changesOf(bundle, integration, tools);
    const listed = new Set(tools.map((t) => `${integration}.${t.name.toLowerCase()}`));
    const added = [...new Set(tools.filter((t) => !own.call(bundle.tools, `${integration}.${t.name.toLowerCase()}`)).map((t) => t.name))].sort();
    const changed = [...new Set(tools.map((t) => t.name))].filter((n) => changes.has(`${integration}.${n.toLowerCase()}`)).sort()
      .map((tool) => ({ tool, changes: changes.get(`${integration}.${tool.toLowerCase()}`)! }));
    const prefix = `${integration}.`;
    const removed = Object.keys(bundle.pins ?? {}).filter((k) => k.startsWith(prefix) && !listed.has(k)).map((k) => k.slice(prefix.length)).sort();
    return { integration, added, changed, removed };
  }
}

/** One line for stderr, or undefined when nothing is worth saying. */
export function driftLine(r: DriftReport, when: string): string | undefined {
  const parts = [
    r.changed.length ? `changed since reviewed (Unreviewed now): ${r.changed.map((c) => `${c.tool} (${c.changes.slice(0, 4).join(", ")}${c.changes.length > 4 ? ", …" : ""})`).join("; ")}` : "",
    r.added.length ? `not in the catalog (Unknown, Unreviewed): ${r.added.slice(0, 10).join(", ")}${r.added.length > 10 ? `, … (${r.added.length})` : ""}` : "",
    r.removed.length ? `pinned but no longer listed: ${r.removed.join(", ")}` : "",
  ].filter(Boolean);
  return parts.length ? `upstream ${r.integration} ${when}: ${parts.join(" · ")}` : undefined;
}
