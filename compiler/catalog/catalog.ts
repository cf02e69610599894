/**
 * The merged catalog (built-in + user catalogs): lookups by integration, tool and command line.
 * Names resolve case-insensitively; integration names also match without spaces/punctuation
 * (`Google Drive`, `google_drive`, `GoogleDrive`).
 */
import { matchCommand } from "../../runtime/event.js";
import { parsePatternWord } from "../../runtime/command-pattern.js";
import { MCP_REQUEST_TOOLS, MCP_SERVER_MESSAGES } from "./mcp-requests.js";
import type { ToolPin } from "../../runtime/types.js";
import type { ArgKind, GlobalOptionsJson, CatalogIntegrationJson, CatalogJson, CatalogToolJson, JsonSchema, Operation } from "./types.js";

export interface CatalogTool {
  /** `github.create_issue` as written in the catalog. */
  readonly key: string;
  readonly integration: string;
  readonly name: string;
  readonly description: string;
  readonly operation: Operation;
  readonly category: string | undefined;
  readonly method: string | undefined;
  readonly verbs: readonly string[];
  readonly labels: readonly string[];
  readonly resource: string | undefined;
  readonly args: JsonSchema | undefined;
  /** The schema of the tool's structured result (`output`, else the pinned MCP `outputSchema`). */
  readonly output?: JsonSchema;
  /** Arguments read in canonical form, by argument path (`path`, `paths[*]`); empty when none. */
  readonly argKinds: Readonly<Record<string, ArgKind>>;
  /** The file the tool was defined in (`builtin:github` for the built-in catalog). */
  readonly source: string;
  /** The definition pinned by `catalog import --from mcp`, when the catalog has one. */
  readonly pin?: ToolPin;
}

export interface CatalogCommand {
  readonly pattern: readonly string[];
  /** Full tool key. */
  readonly tool: string;
}

export interface CatalogIntegration {
  readonly id: string;
  readonly name: string;
  readonly callType: "mcp" | "cli";
  readonly description: string | undefined;
  readonly tools: ReadonlyMap<string, CatalogTool>;
  readonly commands: readonly CatalogCommand[];
  /** CLI integrations: options stepped over before the subcommand (merged over extensions). */
  readonly globalOptions: { readonly withValue: readonly string[]; readonly flags: readonly string[] };
  readonly source: string;
}

export function normName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** Specificity of a command pattern: literal words first, then fewer wildcards, then length. */
/**
 * How specific a command pattern is, compared left to right: words that must be present (literals,
 * flags, word globs), of those the exact ones (literals and flags, not globs), fewer `**`, more
 * words. The most specific matching pattern decides; on a tie, the stricter operation (below).
 */
const specificities = new WeakMap<readonly string[], number[]>();

function specificity(p: readonly string[]): number[] {
  const known = specificities.get(p);
  if (known) return known;
  const s = computeSpecificity(p);
  specificities.set(p, s);
  return s;
}

function computeSpecificity(p: readonly string[]): number[] {
  const kinds = p.map((w) => parsePatternWord(w).k);
  const anchored = kinds.filter((k) => k === "lit" || k === "short" || k === "glob").length;
  const exact = kinds.filter((k) => k === "lit" || k === "short").length;
  return [anchored, exact, -kinds.filter((k) => k === "rest").length, p.length];
}

export function compareCommands(a: CatalogCommand, b: CatalogCommand): number {
  const x = specificity(a.pattern);
  const y = specificity(b.pattern);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return y[i]! - x[i]!;
  return 0;
}

/** Operations from strictest: on equally specific patterns, the stricter tool wins. */
const STRICTNESS: Readonly<Record<Operation, number>> = { Delete: 3, Write: 2, Read: 1, Unknown: 0 };

/** Global options of an integration extended by a catalog entry (union, sorted). */
function mergeGlobals(prev: CatalogIntegration["globalOptions"] | undefined, j: GlobalOptionsJson | undefined): CatalogIntegration["globalOptions"] {
  const u = (a: readonly string[] | undefined, b: readonly string[] | undefined) => [...new Set([...(a ?? []), ...(b ?? [])])].sort();
  return { withValue: u(prev?.withValue, j?.with_value), flags: u(prev?.flags, j?.flags) };
}

export class Catalog {
  readonly integrations = new Map<string, CatalogIntegration>();
  private readonly byKey = new Map<string, CatalogTool>();
  /** The tool indexes are rebuilt on first use after catalogs were added (not once per integration). */
  private stale = false;
  private readonly byNorm = new Map<string, CatalogIntegration>();
  private readonly byBare = new Map<string, CatalogTool[]>();
  /** Every tool in catalog order, and each tool's place in it (rebuilt when a catalog is added). */
  private all: readonly CatalogTool[] = [];
  private readonly position = new Map<CatalogTool, number>();
  /** `commands()`, sorted once per change of the catalog. */
  private sortedCommands: CatalogCommand[] | undefined;

  /** `requestPaths: false` leaves out the MCP request paths (`resources/read`, …; mcp-requests.ts). */
  constructor(private readonly opts: { readonly requestPaths?: boolean } = {}) {}

  /** Adds a catalog document; an integration with a known id extends it, a same-named tool replaces. */
  add(doc: CatalogJson, source: string): void {
    for (const integ of doc.integrations) this.addIntegration(integ, source);
  }

  private addIntegration(j: CatalogIntegrationJson, source: string): void {
    const id = j.id.toLowerCase();
    const prev = this.integrations.get(id);
    const tools = new Map<string, CatalogTool>(prev?.tools ?? []);
    for (const t of j.tools) tools.set(t.name.toLowerCase(), toTool(id, t, source === "builtin" ? `builtin:${id}` : source));
    if (j.call_type === "mcp" && this.opts.requestPaths !== false) for (const t of [...MCP_REQUEST_TOOLS, ...MCP_SERVER_MESSAGES]) if (!tools.has(t.name.toLowerCase())) tools.set(t.name.toLowerCase(), toTool(id, t, "builtin:mcp"));
    const commands = [...(prev?.commands ?? []), ...(j.commands ?? []).map((c) => ({ pattern: [...c.pattern], tool: `${id}.${c.tool}` }))].sort(compareCommands);
    const integ: CatalogIntegration = {
      id,
      name: prev && source !== "builtin" && !j.name ? prev.name : j.name,
      callType: j.call_type,
      description: j.description ?? prev?.description,
      tools,
      commands,
      globalOptions: mergeGlobals(prev?.globalOptions, j.global_options),
      source: prev?.source ?? (source === "builtin" ? `builtin:${id}` : source),
    };
    this.integrations.set(id, integ);
    this.byNorm.set(normName(id), integ);
    this.byNorm.set(normName(j.name), integ);
    this.stale = true;
    this.sortedCommands = undefined;
  }

  /** Every tool by lower-case full key (`github.create_issue`). */
  get tools(): ReadonlyMap<string, CatalogTool> {
    return this.indexed().byKey;
  }

  private indexed(): this {
    if (this.stale) this.reindex();
    return this;
  }

  private reindex(): void {
    this.stale = false;
    this.byKey.clear();
    this.byBare.clear();
    this.position.clear();
    for (const integ of this.integrations.values()) {
      for (const t of integ.tools.values()) {
        this.byKey.set(t.key.toLowerCase(), t);
        const bare = t.name.toLowerCase();
        const list = this.byBare.get(bare) ?? [];
        list.push(t);
        this.byBare.set(bare, list);
      }
    }
    this.all = [...this.byKey.values()];
    this.all.forEach((t, i) => this.position.set(t, i));
  }

  integration(name: string): CatalogIntegration | undefined {
    return this.integrations.get(name.toLowerCase()) ?? this.byNorm.get(normName(name));
  }

  /** A tool by full key (`linear.delete_issue`). */
  tool(key: string): CatalogTool | undefined {
    return this.tools.get(key.toLowerCase());
  }

  /** Tools with this bare name, optionally only inside the given integrations. */
  toolsNamed(bare: string, within?: readonly string[]): CatalogTool[] {
    const all = this.indexed().byBare.get(bare.toLowerCase()) ?? [];
    return within ? all.filter((t) => within.includes(t.integration)) : all;
  }

  /** Every tool, in catalog order (integrations in the order added, then their tools). Shared: do not mutate. */
  allTools(): readonly CatalogTool[] {
    return this.indexed().all;
  }

  /** A tool's place in `allTools()` (-1 for a tool of another catalog). */
  toolPosition(t: CatalogTool): number {
    return this.indexed().position.get(t) ?? -1;
  }

  /** All command patterns, most specific first; equally specific ones stricter operation first. */
  commands(): CatalogCommand[] {
    if (!this.sortedCommands) {
      const rank = (c: CatalogCommand) => STRICTNESS[this.tool(c.tool)?.operation ?? "Unknown"] ?? 0;
      this.sortedCommands = [...this.integrations.values()].flatMap((i) => i.commands).sort((a, b) => compareCommands(a, b) || rank(b) - rank(a));
    }
    return [...this.sortedCommands];
  }

  /**
   * Global options by program (the first word of each CLI integration's command patterns), for
   * the bundle; programs sorted, options sorted. Empty when no integration declares any.
   */
  globalOptions(): Record<string, { with_value: string[]; flags: string[] }> {
    const out: Record<string, { with_value: string[]; flags: string[] }> = {};
    for (const i of this.integrations.values()) {
      const g = i.globalOptions;
      if (!g.withValue.length && !g.flags.length) continue;
      for (const program of new Set(i.commands.map((c) => c.pattern[0]!).filter((w) => w !== "*" && w !== "**"))) {
        const prev = out[program];
        out[program] = {
          with_value: [...new Set([...(prev?.with_value ?? []), ...g.withValue])].sort(),
          flags: [...new Set([...(prev?.flags ?? []), ...g.flags])].sort(),
        };
      }
    }
    return Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]!]));
  }

  /** The tool a command line runs, by the command patterns (runtime/command-pattern.ts). */
  resolveCommand(argv: readonly string[]): CatalogTool | undefined {
    if (!this.sortedCommands) this.commands();
    for (const c of this.sortedCommands!) if (matchCommand(c.pattern, argv)) return this.tool(c.tool);
    return undefined;
  }
}


/** A tool's result schema: its `output`, else the `outputSchema` of its pinned MCP definition. */
function outputOf(t: CatalogToolJson): JsonSchema | undefined {
  const pinned = t.pin?.definition["outputSchema"];
  return t.output ?? (typeof pinned === "object" && pinned !== null && !Array.isArray(pinned) ? (pinned as JsonSchema) : undefined);
}

function toTool(integration: string, t: CatalogToolJson, source: string): CatalogTool {
  return {
    key: `${integration}.${t.name}`,
    integration,
    name: t.name,
    description: t.description ?? "",
    operation: t.operation,
    category: t.category,
    method: t.method,
    verbs: t.verbs ?? [],
    labels: t.labels ?? [],
    resource: t.resource,
    args: t.args,
    ...(outputOf(t) ? { output: outputOf(t)! } : {}),
    argKinds: t.arg_kinds ?? {},
    ...(t.pin ? { pin: t.pin } : {}),
    source,
  };
}
