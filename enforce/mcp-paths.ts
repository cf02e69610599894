/**
 * The MCP request paths besides tools: `resources/list`, `resources/templates/list`,
 * `resources/read`, `resources/subscribe`, `resources/unsubscribe`, `prompts/list`, `prompts/get`
 * and `completion/complete`. Each request is a `tool_call_request` of the upstream's integration
 * whose `call.tool` is the MCP method and whose `args` are the request's params (the catalog
 * knows them as `Read` tools of every MCP integration: compiler/catalog/mcp-requests.ts), decided
 * in its turn before anything is forwarded, recorded with its response, and logged.
 * - Refused (block, hide, approval denied) → a JSON-RPC error `InvalidRequest` with the reason:
 *   these results have no `isError`.
 * - Lists: one decision per upstream that offers the capability; an upstream whose listing is
 *   refused contributes nothing (all refused → the error). Items a `hide` policy hides are
 *   dropped (hidden-items.ts). With one upstream the cursor is passed through; with several, every
 *   page of each is fetched and prompt names carry the integration (`memory__summarise`).
 * - Routing with several upstreams: prompts by that prefix, resources by the URIs and templates
 *   the upstreams list (gateway.ts). What cannot be routed is an `InvalidParams` error, undecided
 *   (no integration to decide it for) and never forwarded.
 * INVARIANT: any other request method has no handler here: the SDK answers `MethodNotFound`, and
 * nothing unknown ever passes through to an upstream.
 */
import {
  CompleteRequestSchema, CompleteResultSchema, ErrorCode, GetPromptRequestSchema, GetPromptResultSchema,
  ListPromptsRequestSchema, ListResourcesRequestSchema, ListResourceTemplatesRequestSchema, McpError,
  ReadResourceRequestSchema, ReadResourceResultSchema, SubscribeRequestSchema, UnsubscribeRequestSchema,
  EmptyResultSchema, type ServerCapabilities,
} from "@modelcontextprotocol/sdk/types.js";
import type { Decision } from "../runtime/types.js";
import { sanitizeArgs } from "./call-helpers.js";
import { hiddenCall } from "./hidden-items.js";
import { textBlobs } from "./text-blobs.js";
import { LISTS, type ListMethod, type Upstream } from "./upstream.js";
import type { Decided, ProxySession, RequestExtra } from "./session.js";

/** A request routed to an upstream: what is decided, and sent as params when allowed. */
interface Routed { readonly upstream: Upstream; readonly integration: string; readonly tool: string; readonly args: Record<string, unknown> }

type Params = Record<string, unknown> | undefined;
type AnySchema = typeof ReadResourceResultSchema | typeof GetPromptResultSchema | typeof CompleteResultSchema | typeof EmptyResultSchema;

const outcomeOf = (d: Decision): string => (d.effect === "block" ? "blocked" : d.effect === "require_approval" ? "approval_requested" : "forwarded");

/** The request's params as the event's `args` (`_meta` is protocol, not an argument). */
function argsOf(params: Params): Record<string, unknown> {
  const { _meta, ...rest } = params ?? {};
  void _meta;
  return rest;
}

/** What the proxy offers the agent besides tools: the union of its upstreams' capabilities. */
export function pathCapabilities(g: ProxySession["g"]): ServerCapabilities {
  const caps: ServerCapabilities = {};
  const res = g.offering("resources");
  if (res.length) {
    const c = res.map((u) => u.client.getServerCapabilities()?.resources ?? {});
    caps.resources = { ...(c.some((x) => x.subscribe) ? { subscribe: true } : {}), ...(c.some((x) => x.listChanged) ? { listChanged: true } : {}) };
  }
  const pr = g.offering("prompts");
  if (pr.length) caps.prompts = pr.some((u) => u.client.getServerCapabilities()?.prompts?.listChanged) ? { listChanged: true } : {};
  if (g.offering("completions").length) caps.completions = {};
  return caps;
}

/** Registers the handlers of the paths the proxy offers (`caps`). */
export function registerMcpPaths(s: ProxySession, caps: ServerCapabilities): void {
  const srv = s.server;
  if (caps.resources) {
    srv.setRequestHandler(ListResourcesRequestSchema, (r, x) => s.tracked(() => listing(s, "resources/list", r.params, x)));
    srv.setRequestHandler(ListResourceTemplatesRequestSchema, (r, x) => s.tracked(() => listing(s, "resources/templates/list", r.params, x)));
    srv.setRequestHandler(ReadResourceRequestSchema, (r, x) => s.tracked(() => byUri(s, "resources/read", r.params, x, ReadResourceResultSchema)));
    if (caps.resources.subscribe) {
      srv.setRequestHandler(SubscribeRequestSchema, (r, x) => s.tracked(() => byUri(s, "resources/subscribe", r.params, x, EmptyResultSchema)));
      srv.setRequestHandler(UnsubscribeRequestSchema, (r, x) => s.tracked(() => byUri(s, "resources/unsubscribe", r.params, x, EmptyResultSchema)));
    }
  }
  if (caps.prompts) {
    srv.setRequestHandler(ListPromptsRequestSchema, (r, x) => s.tracked(() => listing(s, "prompts/list", r.params, x)));
    srv.setRequestHandler(GetPromptRequestSchema, (r, x) => s.tracked(() => {
      const p = s.g.routePrompt(r.params.name);
      if (!p) return unroutable(s, `unknown prompt "${r.params.name}"`);
      const args = { ...argsOf(r.params), name: p.name };
      return decided(s, s.decideInTurn({ upstream: p.upstream, integration: p.upstream.integration, tool: "prompts/get", args }, outcomeOf), x, GetPromptResultSchema);
    }));
  }
  if (caps.completions) srv.setRequestHandler(CompleteRequestSchema, (r, x) => s.tracked(() => complete(s, r.params, x)));
}

function unroutable(s: ProxySession, message: string): Promise<never> {
  void s.begin();
  return Promise.reject(new McpError(ErrorCode.InvalidParams, message));
}

/** `resources/read`, `subscribe`, `unsubscribe`: routed by URI inside the turn (routing may list the upstreams). */
function byUri(s: ProxySession, method: string, params: Params, extra: RequestExtra, schema: AnySchema): Promise<Record<string, unknown>> {
  const args = argsOf(params);
  const uri = String(args["uri"]);
  const turn = s.decideInTurn(async (): Promise<Routed> => {
    const u = await s.g.routeUri(uri);
    if (!u) throw new McpError(ErrorCode.InvalidParams, `no upstream serves the resource ${JSON.stringify(uri).slice(0, 200)}`);
    return { upstream: u, integration: u.integration, tool: method, args };
  }, outcomeOf);
  return decided(s, turn, extra, schema);
}

/** `completion/complete`: routed by the prompt's exposed name or the resource template's URI. */
function complete(s: ProxySession, params: Params, extra: RequestExtra): Promise<Record<string, unknown>> {
  const args = argsOf(params);
  const ref = (args["ref"] ?? {}) as { type?: string; name?: string; uri?: string };
  if (ref.type === "ref/prompt") {
    const p = s.g.routePrompt(String(ref.name));
    // A prompt hidden from this agent does not exist for it: no completion of its arguments either.
    if (!p || hiddenCall(s.bundle, s.agentFacts(), p.upstream.integration, "prompts/get", { name: p.name }, s.g.now())) return unroutable(s, `unknown prompt "${String(ref.name)}"`);
    const routed = { upstream: p.upstream, integration: p.upstream.integration, tool: "completion/complete", args: { ...args, ref: { ...ref, name: p.name } } };
    return decided(s, s.decideInTurn(routed, outcomeOf), extra, CompleteResultSchema);
  }
  const turn = s.decideInTurn(async (): Promise<Routed> => {
    const u = await s.g.routeUri(String(ref.uri));
    if (!u) throw new McpError(ErrorCode.InvalidParams, `no upstream serves the resource template ${JSON.stringify(String(ref.uri)).slice(0, 200)}`);
    return { upstream: u, integration: u.integration, tool: "completion/complete", args };
  }, outcomeOf);
  return decided(s, turn, extra, CompleteResultSchema);
}

/** After the decision: refused → error; else forwarded (subscriptions counted), recorded, observed. */
async function decided(s: ProxySession, turn: Promise<Decided & { target: Routed }>, extra: RequestExtra, schema: AnySchema): Promise<Record<string, unknown>> {
  const x = await turn;
  const { upstream: u, tool: method } = x.target;
  const refused = await s.admitted(x, x.target.integration, method, extra);
  if (refused !== undefined) throw new McpError(ErrorCode.InvalidRequest, refused);
  const { args: sent } = sanitizeArgs(s.bundle, x.d, x.req.call!.args ?? {});
  const uri = String(sent["uri"]);
  if (method === "resources/subscribe" && !s.g.subscribe(u, uri, s)) return answered(s, x, {}, extra);
  if (method === "resources/unsubscribe" && !s.g.unsubscribe(u, uri, s)) return answered(s, x, {}, extra);
  const result = await upstreamRequest(s, x, extra, () => u.client.request({ method, params: sent } as never, schema, { signal: extra.signal }) as Promise<Record<string, unknown>>);
  return answered(s, x, result, extra);
}

/**
 * The result, decided as the `tool_response` of the request path (`resources/read`, `prompts/get`,
 * …), as the agent receives it: masked where `sanitize` says, held for approval, or, withheld, an
 * `InvalidRequest` error saying why (these results have no `isError`). Text blobs are decided as
 * the text they are (text-blobs.ts) when response policies exist.
 */
async function answered(s: ProxySession, x: Decided & { target: Routed }, got: Record<string, unknown>, extra: RequestExtra): Promise<Record<string, unknown>> {
  const result = s.bundle.index.tool_response ? textBlobs(got) as Record<string, unknown> : got;
  const d = await s.respond(x.callId, result, x.req);
  if (!d || (d.effect === "allow" && !d.sanitize.length)) return result;
  const out = await s.settle(result, d, x.target, x.req, x.callId, extra);
  if (out.withheld) throw new McpError(ErrorCode.InvalidRequest, withheldText(out.result));
  return out.result as Record<string, unknown>;
}

/** The message of a withheld result (runtime/response.ts `withheldResult`), for a path without `isError`. */
function withheldText(r: unknown): string {
  const text = (r as { content?: { text?: string }[] }).content?.[0]?.text ?? "The result was withheld by the enforcement point";
  return text.replace(/^The tool's result/, "The result");
}

/**
 * An upstream request; a failure is recorded and decided as the response (its message is text the
 * agent reads: masked or withheld like a result) and passed on as an error.
 */
async function upstreamRequest<T>(s: ProxySession, x: Decided & { target: Routed }, extra: RequestExtra, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (e) {
    const message = e instanceof McpError ? e.message : `upstream ${x.target.integration} failed: ${(e as Error).message}`;
    const failed = { isError: true, content: [{ type: "text", text: message }] };
    const d = await s.respond(x.callId, failed, x.req);
    if (d && (d.effect !== "allow" || d.sanitize.length)) {
      const out = await s.settle(failed, d, x.target, x.req, x.callId, extra);
      throw new McpError(out.withheld ? ErrorCode.InvalidRequest : e instanceof McpError ? e.code : ErrorCode.InternalError, out.withheld ? withheldText(out.result) : String((out.result as typeof failed).content[0]?.text ?? ""));
    }
    throw e instanceof McpError ? e : new McpError(ErrorCode.InternalError, message);
  }
}

/** A listing: one decision per upstream offering it, in arrival order; hidden items dropped. */
function listing(s: ProxySession, method: ListMethod, params: Params, extra: RequestExtra): Promise<Record<string, unknown>> {
  const args = argsOf(params);
  const ups = s.g.offering(method === "prompts/list" ? "prompts" : "resources");
  const turns = ups.map((u) => s.decideInTurn({ upstream: u, integration: u.integration, tool: method, args }, outcomeOf));
  return collect(s, method, turns, extra);
}

async function collect(s: ProxySession, method: ListMethod, turns: Promise<Decided & { target: Routed }>[], extra: RequestExtra): Promise<Record<string, unknown>> {
  const { field, schema } = LISTS[method];
  const single = s.g.upstreams.length === 1;
  const items: Record<string, unknown>[] = [];
  const refusals: string[] = [];
  let nextCursor: unknown;
  for (const turn of turns) {
    const x = await turn;
    const u = x.target.upstream;
    const refused = await s.admitted(x, u.integration, method, extra);
    if (refused !== undefined) { refusals.push(refused); continue; }
    let page: Record<string, unknown>;
    try {
      page = await answered(s, x, await upstreamRequest(s, x, extra, async () => {
        if (!single) return { [field]: await u.listAll(method) } as Record<string, unknown>;
        return await u.client.request({ method, params: x.target.args } as never, schema, { signal: extra.signal }) as Record<string, unknown>;
      }), extra);
    } catch (e) {
      // A listing whose result a policy withholds contributes nothing, like a refused one.
      if (e instanceof McpError && e.code === ErrorCode.InvalidRequest) { refusals.push(e.message.replace(/^MCP error -?\d+: /, "")); continue; }
      throw e;
    }
    nextCursor = page["nextCursor"];
    const got = page[field] as Record<string, unknown>[];
    if (method === "resources/list") s.g.noteResources(u, got as { uri: string }[]);
    if (method === "resources/templates/list") s.g.noteResources(u, [], got as { uriTemplate: string }[]);
    items.push(...visible(s, method, u, got));
  }
  if (turns.length && refusals.length === turns.length) throw new McpError(ErrorCode.InvalidRequest, refusals[0]!);
  return { [field]: items, ...(single && typeof nextCursor === "string" ? { nextCursor } : {}) };
}

/** The items of a listing this agent may see, with prompt names as the agent calls them. */
function visible(s: ProxySession, method: ListMethod, u: Upstream, items: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const agent = s.agentFacts();
  const now = s.g.now();
  const hidden = (tool: string, args: Record<string, unknown>) => hiddenCall(s.bundle, agent, u.integration, tool, args, now);
  if (method === "prompts/list") {
    return items.filter((p) => !hidden("prompts/get", { name: p["name"] })).map((p) => ({ ...p, name: s.g.exposedName(u, String(p["name"])) }));
  }
  const uriOf = (r: Record<string, unknown>) => String(method === "resources/list" ? r["uri"] : r["uriTemplate"]);
  return items.filter((r) => !hidden("resources/read", { uri: uriOf(r) }));
}
