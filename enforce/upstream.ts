/**
 * Upstream MCP servers: the proxy is their client (stdio child process or Streamable HTTP).
 * Each upstream is one integration; its tools are listed (all pages) and kept until the server
 * says the list changed.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  ListPromptsResultSchema, ListResourcesResultSchema, ListResourceTemplatesResultSchema, ToolListChangedNotificationSchema, type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { splitCommand } from "../compiler/shell/split-command.js";

/** `root`: the folder path arguments resolve against (`--root`; guessed from a stdio server's arguments when absent). */
export type UpstreamSpec =
  | { readonly integration?: string; readonly command: readonly string[]; readonly env?: Record<string, string>; readonly cwd?: string; readonly root?: string }
  | { readonly integration?: string; readonly url: string; readonly headers?: Record<string, string>; readonly root?: string };

/** Integration ids as the catalog spells them (schemas/catalog.schema.json): `-` included, so `my-fs` can be served. */
const INTEGRATION_RE = /^[a-z][a-z0-9_-]*$/;

/** `github=npx -y server`, `github=https://…`, `https://…` or a bare command line. */
export function parseUpstream(v: string): UpstreamSpec {
  const m = /^([A-Za-z][A-Za-z0-9_-]*)=(.*)$/s.exec(v);
  const integration = m ? m[1]!.toLowerCase() : undefined;
  const rest = (m ? m[2]! : v).trim();
  if (/^https?:\/\//i.test(rest)) return { ...(integration ? { integration } : {}), url: rest };
  const command = splitCommand(rest);
  if (!command.length) throw new Error(`--upstream ${JSON.stringify(v)}: no command or URL`);
  return { ...(integration ? { integration } : {}), command };
}

/**
 * An integration id from the name a server gives in `initialize`:
 * `secure-filesystem-server` → `secure_filesystem`, `mcp-servers/everything` → `everything`,
 * `github-mcp-server` → `github`.
 */
export function integrationFromServerName(name: string | undefined): string {
  const last = (name ?? "").split(/[/@:]/).filter(Boolean).pop() ?? "";
  const words = last.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w && w !== "mcp" && w !== "server" && w !== "servers");
  const id = words.join("_");
  return INTEGRATION_RE.test(id) ? id : "mcp";
}

export function checkIntegrationId(id: string): string | undefined {
  return INTEGRATION_RE.test(id) ? undefined : `integration id "${id}" must be lower-case letters, digits, _ and - and start with a letter`;
}

/** The listings besides `tools/list`, each with its result schema and the field holding the items. */
export const LISTS = {
  "resources/list": { schema: ListResourcesResultSchema, field: "resources" },
  "resources/templates/list": { schema: ListResourceTemplatesResultSchema, field: "resourceTemplates" },
  "prompts/list": { schema: ListPromptsResultSchema, field: "prompts" },
} as const;
export type ListMethod = keyof typeof LISTS;

export interface UpstreamOptions {
  /** Where the child's stderr goes (default: inherited, so server errors stay visible). */
  readonly stderr?: "inherit" | "ignore" | "pipe";
  readonly clientInfo?: { name: string; version: string };
  /** Maps the integration id (given or derived from the server's name) to the catalog's spelling. */
  readonly canonicalId?: (id: string) => string;
  /** Tell the server that the client can sample (`--sampling`): its sampling requests are then decided and passed to the agent. */
  readonly sampling?: boolean;
}

export class Upstream {
  tools: Tool[] = [];
  private toolsByName = new Map<string, Tool>();
  /** Called after the tool list changed upstream (the proxy tells its agents). */
  onToolsChanged?: () => void;

  /** Progress handlers of the calls in flight, by the progress token the proxy gave the call. */
  private progress = new Map<string, (p: { progress: number; total?: number; message?: string }) => void>();
  private nextToken = 0;

  private constructor(readonly integration: string, readonly client: Client, readonly spec: UpstreamSpec, readonly sampling = false) {}

  /**
   * A progress token for one call, whose notifications go to `handler` until `done()`. The SDK's
   * own `onprogress` runs its handler a microtask after the message arrived, while the call's
   * response is handled at once: progress sent just before a result (read in one chunk, which a
   * loaded host makes common) was dropped as "for an unknown token". These are taken off the
   * transport as they arrive instead (`interceptProgress`).
   */
  progressToken(handler: (p: { progress: number; total?: number; message?: string }) => void): { token: string; done: () => void } {
    const token = `policy-enforce-${++this.nextToken}`;
    this.progress.set(token, handler);
    return { token, done: () => { this.progress.delete(token); } };
  }

  /** Delivers the progress notifications of the proxy's own tokens synchronously, before the SDK sees the next message. */
  private interceptProgress(transport: { onmessage?: ((m: never, extra?: never) => void) | undefined }): void {
    const sdk = transport.onmessage;
    if (!sdk) return;
    transport.onmessage = (m, extra) => {
      const msg = m as { method?: unknown; params?: { progressToken?: unknown } & Record<string, unknown> };
      const token = msg.method === "notifications/progress" && typeof msg.params?.progressToken === "string" ? msg.params.progressToken : undefined;
      const handler = token !== undefined ? this.progress.get(token) : undefined;
      if (handler) {
        const { progressToken: _t, ...rest } = msg.params!;
        if (typeof rest["progress"] === "number") handler(rest as { progress: number });
        return;
      }
      sdk(m, extra);
    };
  }

  static async connect(spec: UpstreamSpec, o: UpstreamOptions = {}): Promise<Upstream> {
    const client = new Client(o.clientInfo ?? { name: "policy-enforce", version: "0.1.0" }, { capabilities: o.sampling ? { sampling: {} } : {} });
    const transport = "url" in spec
      ? new StreamableHTTPClientTransport(new URL(spec.url), spec.headers ? { requestInit: { headers: spec.headers } } : {})
      : new StdioClientTransport({
        command: spec.command[0]!, args: spec.command.slice(1), stderr: o.stderr ?? "inherit",
        env: { ...(process.env as Record<string, string>), ...(spec.env ?? {}) },
        ...(spec.cwd ? { cwd: spec.cwd } : {}),
      });
    try {
      await client.connect(transport);
    } catch (e) {
      const what = "url" in spec ? spec.url : spec.command.join(" ");
      throw new Error(`cannot start the upstream MCP server (${what}): ${(e as Error).message}`);
    }
    const given = spec.integration ?? integrationFromServerName(client.getServerVersion()?.name);
    const integration = o.canonicalId ? o.canonicalId(given) : given;
    const u = new Upstream(integration, client, spec, o.sampling === true);
    u.interceptProgress(transport as never);
    await u.refreshTools();
    if (client.getServerCapabilities()?.tools?.listChanged) {
      client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
        await u.refreshTools().catch(() => undefined);
        u.onToolsChanged?.();
      });
    }
    return u;
  }

  /** Lists every page of the upstream's tools. */
  async refreshTools(): Promise<void> {
    const all: Tool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const r = await this.client.listTools(cursor ? { cursor } : {});
      all.push(...r.tools);
      cursor = r.nextCursor;
      if (!cursor) break;
    }
    this.tools = all;
    this.toolsByName = new Map(all.map((t) => [t.name, t]));
  }

  /** Every page of a listing (`resources/list`, `resources/templates/list`, `prompts/list`): its items. */
  async listAll(method: ListMethod): Promise<Record<string, unknown>[]> {
    const { schema, field } = LISTS[method];
    const all: Record<string, unknown>[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const r = await this.client.request({ method, params: cursor ? { cursor } : {} }, schema) as Record<string, unknown>;
      all.push(...(r[field] as Record<string, unknown>[]));
      cursor = r["nextCursor"] as string | undefined;
      if (!cursor) break;
    }
    return all;
  }

  has(tool: string): boolean {
    return this.toolsByName.has(tool);
  }

  get serverName(): string | undefined {
    return this.client.getServerVersion()?.name;
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
  }
}
